-- Daily partitions of market.price_history and their retention.
--
-- A new partition is created as a plain table and then ATTACHed: ATTACH PARTITION takes only a
-- SHARE UPDATE EXCLUSIVE lock on the parent, so readers and writers of price_history never wait
-- (CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE). The CHECK constraint matching the
-- bounds lets ATTACH skip its validation scan. Dropping an expired partition does need a brief
-- ACCESS EXCLUSIVE lock on the parent; lock_timeout keeps it from queueing behind long readers
-- (and readers from queueing behind it): a partition that could not be dropped is retried next run.

CREATE FUNCTION market.price_history_partition_name(d date) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT 'price_history_' || to_char(d, 'YYYYMMDD') $$;

-- Ensures partitions exist for every UTC day in [p_from, p_from + p_days). Returns how many it created.
CREATE FUNCTION market.ensure_price_history_partitions(
  p_from date DEFAULT ((now() AT TIME ZONE 'UTC')::date - 1),
  p_days integer DEFAULT 8
) RETURNS integer
  LANGUAGE plpgsql
  SET search_path = pg_catalog, market
  AS $$
DECLARE
  d       date;
  part    text;
  lo      timestamptz;
  hi      timestamptz;
  created integer := 0;
BEGIN
  IF p_days < 1 OR p_days > 366 THEN
    RAISE EXCEPTION 'p_days must be between 1 and 366, got %', p_days USING ERRCODE = '22023';
  END IF;
  PERFORM set_config('lock_timeout', '5s', true);
  FOR i IN 0 .. p_days - 1 LOOP
    d := p_from + i;
    part := market.price_history_partition_name(d);
    CONTINUE WHEN to_regclass(format('market.%I', part)) IS NOT NULL;
    lo := (d::timestamp AT TIME ZONE 'UTC');
    hi := ((d + 1)::timestamp AT TIME ZONE 'UTC');
    BEGIN
      EXECUTE format('CREATE TABLE market.%I (LIKE market.price_history INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
      EXECUTE format('ALTER TABLE market.%I ADD CONSTRAINT %I CHECK (captured_at >= %L AND captured_at < %L)',
                     part, part || '_bounds', lo, hi);
      EXECUTE format('ALTER TABLE market.price_history ATTACH PARTITION market.%I FOR VALUES FROM (%L) TO (%L)',
                     part, lo, hi);
      created := created + 1;
    EXCEPTION
      -- Another session created the same day concurrently: it exists now, which is all we need.
      -- (a concurrent CREATE TABLE of the same name can also surface as a unique_violation on pg_type).
      WHEN duplicate_table OR duplicate_object OR unique_violation THEN NULL;
    END;
  END LOOP;
  RETURN created;
END
$$;

-- Drops partitions whose whole day is older than p_retain_days days before today (UTC).
-- Returns the names of the partitions it dropped.
CREATE FUNCTION market.drop_price_history_partitions(p_retain_days integer)
  RETURNS SETOF text
  LANGUAGE plpgsql
  SET search_path = pg_catalog, market
  AS $$
DECLARE
  cutoff date;
  r      record;
BEGIN
  IF p_retain_days < 1 THEN
    RAISE EXCEPTION 'p_retain_days must be at least 1, got %', p_retain_days USING ERRCODE = '22023';
  END IF;
  cutoff := (now() AT TIME ZONE 'UTC')::date - p_retain_days;
  PERFORM set_config('lock_timeout', '2s', true);
  FOR r IN
    SELECT c.relname
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'market.price_history'::regclass
      AND c.relname ~ '^price_history_[0-9]{8}$'
      AND to_date(substr(c.relname, 15), 'YYYYMMDD') < cutoff
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE market.%I', r.relname);
    RETURN NEXT r.relname;
  END LOOP;
END
$$;

-- Deletes daily rollups older than p_retain_days. Returns the number of rows deleted.
CREATE FUNCTION market.prune_daily_rollups(p_retain_days integer) RETURNS bigint
  LANGUAGE plpgsql
  SET search_path = pg_catalog, market
  AS $$
DECLARE
  n bigint;
BEGIN
  IF p_retain_days < 1 THEN
    RAISE EXCEPTION 'p_retain_days must be at least 1, got %', p_retain_days USING ERRCODE = '22023';
  END IF;
  DELETE FROM market.daily_rollups WHERE day < (now() AT TIME ZONE 'UTC')::date - p_retain_days;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

SELECT market.ensure_price_history_partitions();
