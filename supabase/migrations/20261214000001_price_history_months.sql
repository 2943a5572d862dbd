-- Per-size change events packed by month: one row per product x marketplace x region x currency x
-- month, its events as parallel int4 arrays.
--
-- Why: a change event was one 143.8-byte row (heap tuple header, bigint prices, text region and
-- currency, and its primary-key entry), half of the benchmark's data at 500 products x 3 regions
-- and what kept `market cost` under 1,500 products on the free plan's 500 MB. Packed, an event is
-- its variant id, its second in the month and three int4 prices (20 bytes plus the arrays'
-- null bitmaps); the row, its keys and its index entry are shared by a product's month of changes
-- (~100 at the benchmark's rate).
--
-- How: syncs still write one row per change into the day's `market.price_history` partition (an
-- INSERT, no array rewrite per sync). The daily cleanup (03:15 UTC) packs each day before today
-- into its month's rows and drops the day's partition in the same subtransaction, so a day is
-- either raw or packed, never both or neither; then it rewrites the months it appended to
-- compactly. `market.size_daily_points` reads both forms.
--
-- Months are partitions (`price_history_months_YYYYMM`, created and attached the way the daily
-- partitions are), so retention and the size budget's tightening free space by dropping files, as
-- they did with daily partitions: a month is dropped once its whole month is past the retention.
-- New objects and replaced functions only; nothing here blocks readers of existing tables.
SET LOCAL lock_timeout = '5s';

CREATE TABLE market.price_history_months (
  month           date NOT NULL CHECK (extract(day FROM month) = 1),
  product_id      integer NOT NULL,
  marketplace_id  smallint NOT NULL,
  region          text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Element i of each array is one change event: the size, its time in seconds after the month's
  -- start (UTC), and its prices in minor units of `currency` (NULL: none at that time).
  variant_id      integer[] NOT NULL,
  at_s            integer[] NOT NULL,
  ask_minor       integer[] NOT NULL,
  bid_minor       integer[] NOT NULL,
  last_sale_minor integer[] NOT NULL,
  PRIMARY KEY (product_id, marketplace_id, region, currency, month),
  CONSTRAINT price_history_months_parallel CHECK (
    array_ndims(variant_id) = 1
    AND cardinality(at_s) = cardinality(variant_id) AND cardinality(ask_minor) = cardinality(variant_id)
    AND cardinality(bid_minor) = cardinality(variant_id) AND cardinality(last_sale_minor) = cardinality(variant_id))
) PARTITION BY RANGE (month);
COMMENT ON TABLE market.price_history_months IS
  'Per-size change events of whole past days, packed per product x marketplace x region x currency x month; partitions price_history_months_YYYYMM';

ALTER TABLE market.price_history_months ENABLE ROW LEVEL SECURITY;
CREATE POLICY price_history_months_read_all ON market.price_history_months
  FOR SELECT TO anon, authenticated USING (true);
GRANT SELECT ON market.price_history_months TO anon, authenticated;

-- Ensures the partition of the month starting p_month exists; returns its name.
CREATE FUNCTION market.ensure_price_history_month(p_month date) RETURNS text
  LANGUAGE plpgsql
  SET search_path = pg_catalog, market
  AS $$
DECLARE
  part text := 'price_history_months_' || to_char(p_month, 'YYYYMM');
BEGIN
  IF p_month <> date_trunc('month', p_month)::date THEN
    RAISE EXCEPTION 'p_month must be the first day of a month, got %', p_month USING ERRCODE = '22023';
  END IF;
  IF to_regclass(format('market.%I', part)) IS NULL THEN
    BEGIN
      EXECUTE format('CREATE TABLE market.%I (LIKE market.price_history_months INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
      EXECUTE format('ALTER TABLE market.%I ADD CONSTRAINT %I CHECK (month >= %L AND month < %L)',
                     part, part || '_bounds', p_month, (p_month + interval '1 month')::date);
      EXECUTE format('ALTER TABLE market.%I ENABLE ROW LEVEL SECURITY', part);
      EXECUTE format('ALTER TABLE market.price_history_months ATTACH PARTITION market.%I FOR VALUES FROM (%L) TO (%L)',
                     part, p_month, (p_month + interval '1 month')::date);
    EXCEPTION
      WHEN duplicate_table OR duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  RETURN part;
END
$$;

-- Packs the daily partitions of market.price_history whose day is before p_before into their
-- months' rows, oldest day first and at most p_max_days of them, dropping each once packed (so a
-- day is never packed twice: a write that comes after, into a re-created partition of that day,
-- is packed by a later run). Returns the names of the partitions packed. A day whose partition
-- cannot be dropped within the lock timeout (a sync still writing into it) is left raw, packing
-- stops there, and the next run retries it. The daily cleanup packs one day per call, so each
-- commits on its own.
CREATE FUNCTION market.pack_price_history(p_before date DEFAULT ((now() AT TIME ZONE 'UTC')::date),
                                          p_max_days integer DEFAULT 366)
  RETURNS SETOF text
  LANGUAGE plpgsql
  SET search_path = pg_catalog, market
  AS $$
DECLARE
  r     record;
  m     date;
  part  text;
  n     bigint;
BEGIN
  IF p_before > (now() AT TIME ZONE 'UTC')::date THEN
    RAISE EXCEPTION 'p_before must not be after today, got %', p_before USING ERRCODE = '22023';
  END IF;
  IF p_max_days < 1 THEN
    RAISE EXCEPTION 'p_max_days must be at least 1, got %', p_max_days USING ERRCODE = '22023';
  END IF;
  PERFORM set_config('lock_timeout', '2s', true);
  FOR r IN
    SELECT c.relname, to_date(substr(c.relname, 15), 'YYYYMMDD') AS day
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'market.price_history'::regclass
      AND c.relname ~ '^price_history_[0-9]{8}$'
      AND to_date(substr(c.relname, 15), 'YYYYMMDD') < p_before
    ORDER BY 2
    LIMIT p_max_days
  LOOP
    m := date_trunc('month', r.day)::date;
    BEGIN
      part := market.ensure_price_history_month(m);
      -- Events of sizes deleted since (no size_variants row) are dropped with them. A price beyond
      -- int4 (21 million in major units) is stored as none, as in market.product_daily.
      EXECUTE format($q$
        INSERT INTO market.price_history_months AS pm
          (month, product_id, marketplace_id, region, currency,
           variant_id, at_s, ask_minor, bid_minor, last_sale_minor)
        SELECT %1$L::date, v.product_id, h.marketplace_id, h.region, h.currency,
               array_agg(h.variant_id ORDER BY h.variant_id, h.captured_at),
               array_agg(extract(epoch FROM h.captured_at - (%1$L::date::timestamp AT TIME ZONE 'UTC'))::int
                         ORDER BY h.variant_id, h.captured_at),
               array_agg(CASE WHEN h.ask_minor <= 2147483647 THEN h.ask_minor::int END
                         ORDER BY h.variant_id, h.captured_at),
               array_agg(CASE WHEN h.bid_minor <= 2147483647 THEN h.bid_minor::int END
                         ORDER BY h.variant_id, h.captured_at),
               array_agg(CASE WHEN h.last_sale_minor <= 2147483647 THEN h.last_sale_minor::int END
                         ORDER BY h.variant_id, h.captured_at)
        FROM market.%2$I h
        JOIN market.size_variants v ON v.id = h.variant_id
        GROUP BY v.product_id, h.marketplace_id, h.region, h.currency
        ON CONFLICT (product_id, marketplace_id, region, currency, month) DO UPDATE SET
          variant_id      = pm.variant_id || EXCLUDED.variant_id,
          at_s            = pm.at_s || EXCLUDED.at_s,
          ask_minor       = pm.ask_minor || EXCLUDED.ask_minor,
          bid_minor       = pm.bid_minor || EXCLUDED.bid_minor,
          last_sale_minor = pm.last_sale_minor || EXCLUDED.last_sale_minor
      $q$, m, r.relname);
      GET DIAGNOSTICS n = ROW_COUNT;
      EXECUTE format('DROP TABLE market.%I', r.relname);
      -- The month now holds rewritten rows: market.compact_price_history_months picks it up.
      -- (An empty day, such as yesterday's partition re-created by a tick after it was packed,
      -- changes nothing.)
      IF n > 0 THEN
        EXECUTE format('ALTER TABLE market.%I SET WITHOUT CLUSTER', part);
      END IF;
      RETURN NEXT r.relname;
    EXCEPTION WHEN lock_not_available THEN
      RAISE WARNING 'price history day % not packed: its partition is locked; the next run retries it', r.day;
      RETURN;
    END;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION market.pack_price_history(date, integer) FROM PUBLIC;

-- Rewrites compactly each month partition that packing appended to since its last rewrite.
-- Appending a day rewrites every row of its month, which leaves about as much free space as data
-- (2.1x the live rows after a month of daily appends in the benchmark). CLUSTER on the primary
-- key rewrites the partition in product order and marks the index clustered; packing clears the
-- mark, which is how a month that needs it is recognised, and a month that could not be locked
-- this run is retried the next. It holds an ACCESS EXCLUSIVE lock on that one partition while it
-- copies it, so the per-size chart reads of every product wait for it once a day: the benchmark
-- prints how long it takes. lock_timeout keeps it from queueing behind long readers (and readers
-- from queueing behind it). Returns the partitions compacted.
CREATE FUNCTION market.compact_price_history_months()
  RETURNS SETOF text
  LANGUAGE plpgsql
  SET search_path = pg_catalog, market
  AS $$
DECLARE
  r record;
BEGIN
  PERFORM set_config('lock_timeout', '1s', true);
  FOR r IN
    SELECT c.relname, x.relname AS pkey
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_index ix ON ix.indrelid = c.oid AND ix.indisprimary
    JOIN pg_class x ON x.oid = ix.indexrelid
    WHERE i.inhparent = 'market.price_history_months'::regclass
      AND c.relname ~ '^price_history_months_[0-9]{6}$'
      AND NOT ix.indisclustered
    ORDER BY c.relname
  LOOP
    BEGIN
      EXECUTE format('CLUSTER market.%I USING %I', r.relname, r.pkey);
      RETURN NEXT r.relname;
    EXCEPTION WHEN lock_not_available THEN
      RAISE WARNING 'price history month % not compacted: it is locked; the next run retries it', r.relname;
    END;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION market.compact_price_history_months() FROM PUBLIC;

REVOKE ALL ON FUNCTION market.ensure_price_history_month(date) FROM PUBLIC;

-- Retention now covers both forms: daily partitions whose day is older than p_retain_days days
-- before today (UTC), as before, and month partitions whose whole month is. Returns the names of
-- the partitions it dropped.
CREATE OR REPLACE FUNCTION market.drop_price_history_partitions(p_retain_days integer)
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
    WHERE (i.inhparent = 'market.price_history'::regclass
           AND c.relname ~ '^price_history_[0-9]{8}$'
           AND to_date(substr(c.relname, 15), 'YYYYMMDD') < cutoff)
       OR (i.inhparent = 'market.price_history_months'::regclass
           AND c.relname ~ '^price_history_months_[0-9]{6}$'
           AND (to_date(substr(c.relname, 22), 'YYYYMM') + interval '1 month')::date <= cutoff)
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE market.%I', r.relname);
    RETURN NEXT r.relname;
  END LOOP;
END
$$;

-- The per-size daily series (see 20261208000001_product_daily.sql), now reading the packed months
-- beside the raw days. Unchanged otherwise.
CREATE OR REPLACE FUNCTION market.size_daily_points(p_variants integer[], p_region text, p_days integer,
                                                    p_marketplace smallint DEFAULT NULL)
  RETURNS TABLE (day date, marketplace_id smallint, currency text, ask bigint, bid bigint, last_sale bigint)
  LANGUAGE sql STABLE
  AS $$
  WITH ev AS MATERIALIZED (
    SELECT h.variant_id, h.marketplace_id, h.currency, h.captured_at AS at,
           h.ask_minor AS ask, h.bid_minor AS bid, h.last_sale_minor AS sale
    FROM market.price_history h
    WHERE h.variant_id = ANY (p_variants) AND h.region = p_region
      AND (p_marketplace IS NULL OR h.marketplace_id = p_marketplace)
    UNION ALL
    SELECT u.variant_id, p.marketplace_id, p.currency,
           (p.month::timestamp AT TIME ZONE 'UTC') + make_interval(secs => u.at_s),
           u.ask::bigint, u.bid::bigint, u.sale::bigint
    FROM market.price_history_months p
    CROSS JOIN LATERAL unnest(p.variant_id, p.at_s, p.ask_minor, p.bid_minor, p.last_sale_minor)
      AS u(variant_id, at_s, ask, bid, sale)
    WHERE p.product_id IN (SELECT sv.product_id FROM market.size_variants sv WHERE sv.id = ANY (p_variants))
      AND p.region = p_region
      AND (p_marketplace IS NULL OR p.marketplace_id = p_marketplace)
      AND u.variant_id = ANY (p_variants)
    UNION ALL
    SELECT l.variant_id, l.marketplace_id, l.currency, l.changed_at, l.ask_minor, l.bid_minor, l.last_sale_minor
    FROM market.latest_prices l
    WHERE l.variant_id = ANY (p_variants) AND l.region = p_region
      AND (p_marketplace IS NULL OR l.marketplace_id = p_marketplace)
  ), series AS (
    SELECT DISTINCT e.variant_id, e.marketplace_id FROM ev e
  ), days AS (
    SELECT g::date AS day
    FROM pg_catalog.generate_series((now() AT TIME ZONE 'UTC')::date - (p_days - 1),
                                    (now() AT TIME ZONE 'UTC')::date, interval '1 day') g
  ), points AS (
    SELECT d.day, s.marketplace_id, c.currency, c.ask, c.bid, c.sale
    FROM days d CROSS JOIN series s
    CROSS JOIN LATERAL (
      SELECT e.currency, e.ask, e.bid, e.sale FROM ev e
      WHERE e.variant_id = s.variant_id AND e.marketplace_id = s.marketplace_id
        AND e.at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
      ORDER BY e.at DESC
      LIMIT 1
    ) c
  )
  SELECT p.day, p.marketplace_id, p.currency, min(p.ask), max(p.bid), max(p.sale)
  FROM points p
  WHERE p.ask IS NOT NULL OR p.bid IS NOT NULL OR p.sale IS NOT NULL
  GROUP BY p.day, p.marketplace_id, p.currency
$$;
