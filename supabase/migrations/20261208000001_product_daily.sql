-- The long price series, one row per product x marketplace x region x currency x month.
--
-- Why: the per-size daily rollups (`market.daily_rollups`, one 224-byte row per size x marketplace x
-- region x day) were larger than the raw history they summarised and, at 500 products x 3 regions
-- kept two years, far beyond the free plan's 500 MB. The app's long charts (13 months, all) show the
-- product, not one size, so the long range keeps one value per product and day: the lowest ask,
-- the highest bid and a sale observed that day. A month's days are int4 arrays indexed by the day
-- of the month (NULL: no observation), so a row is about 0.5 KB and 2 years are 24 rows per series.
-- Per-size charts (90 days) are read from the change events in `market.price_history`.
--
-- New table and functions only; the old rollups table is no longer written or read by this
-- version and is emptied by the daily cleanup (a later migration drops it once every function runs
-- this version, so a function still on the old code keeps working during the deploy).
SET LOCAL lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS market.product_daily (
  observed_at     timestamptz NOT NULL,  -- the newest observation written into this row
  month           date NOT NULL CHECK (extract(day FROM month) = 1),
  product_id      integer NOT NULL REFERENCES market.products (id) ON DELETE CASCADE,
  marketplace_id  smallint NOT NULL REFERENCES market.marketplaces (id),
  region          text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Element d is day d of the month (arrays grow as the month goes on); minor units of `currency`.
  ask_minor       integer[] NOT NULL,
  bid_minor       integer[] NOT NULL,
  last_sale_minor integer[] NOT NULL,
  PRIMARY KEY (product_id, marketplace_id, region, month, currency),
  CONSTRAINT product_daily_one_dim CHECK (
    array_ndims(ask_minor) = 1 AND array_ndims(bid_minor) = 1 AND array_ndims(last_sale_minor) = 1
    AND cardinality(ask_minor) <= 31 AND cardinality(bid_minor) <= 31 AND cardinality(last_sale_minor) <= 31)
) WITH (fillfactor = 80);  -- room on the page for HOT updates: each observation rewrites its row
COMMENT ON TABLE market.product_daily IS
  'Per product x marketplace x region x currency x month: day-indexed int4 arrays of the close lowest ask, close highest bid and a sale observed that day';

-- Readable like the other market data (the page and history are public).
ALTER TABLE market.product_daily ENABLE ROW LEVEL SECURITY;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'market' AND tablename = 'product_daily'
                 AND policyname = 'product_daily_read_all') THEN
    CREATE POLICY product_daily_read_all ON market.product_daily FOR SELECT TO anon, authenticated USING (true);
  END IF;
END
$$;
GRANT SELECT ON market.product_daily TO anon, authenticated;

-- Backfill from the per-size rollups this replaces (the product's lowest close ask and highest
-- close bid per day). Per-size rollups held no product-level sale, so those days have none.
WITH per_day AS (
  SELECT v.product_id, r.marketplace_id, r.region, r.currency, r.day,
         min(r.close_ask_minor)::int AS ask, max(r.close_bid_minor)::int AS bid, max(r.updated_at) AS at
  FROM market.daily_rollups r JOIN market.size_variants v ON v.id = r.variant_id
  GROUP BY v.product_id, r.marketplace_id, r.region, r.currency, r.day
), per_month AS (
  SELECT product_id, marketplace_id, region, currency, date_trunc('month', day)::date AS month,
         jsonb_object_agg(extract(day FROM day)::int, jsonb_build_array(ask, bid)) AS days,
         max(extract(day FROM day)::int) AS last_dom, max(at) AS at
  FROM per_day
  GROUP BY product_id, marketplace_id, region, currency, date_trunc('month', day)
)
INSERT INTO market.product_daily
  (observed_at, month, product_id, marketplace_id, region, currency, ask_minor, bid_minor, last_sale_minor)
SELECT at, month, product_id, marketplace_id, region, currency,
       ARRAY(SELECT (days -> g::text ->> 0)::int FROM generate_series(1, last_dom) g ORDER BY g),
       ARRAY(SELECT (days -> g::text ->> 1)::int FROM generate_series(1, last_dom) g ORDER BY g),
       array_fill(NULL::int, ARRAY[last_dom])
FROM per_month
ON CONFLICT DO NOTHING;

-- Deletes months whose last day is older than p_retain_days days. Returns the rows deleted.
CREATE OR REPLACE FUNCTION market.prune_product_daily(p_retain_days integer) RETURNS bigint
  LANGUAGE plpgsql
  SET search_path = pg_catalog, market
  AS $$
DECLARE
  n bigint;
BEGIN
  IF p_retain_days < 1 THEN
    RAISE EXCEPTION 'p_retain_days must be at least 1, got %', p_retain_days USING ERRCODE = '22023';
  END IF;
  DELETE FROM market.product_daily
  WHERE month < date_trunc('month', (now() AT TIME ZONE 'UTC')::date - p_retain_days)::date;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- One product's daily series as rows (day, marketplace, currency, ask, bid, sale) for the last
-- p_days days: what the page and the history route read.
CREATE OR REPLACE FUNCTION market.product_daily_points(p_product integer, p_region text, p_days integer,
                                                       p_marketplace smallint DEFAULT NULL)
  RETURNS TABLE (day date, marketplace_id smallint, currency text, ask bigint, bid bigint, last_sale bigint)
  -- No SET clause, every name qualified: a plain SQL function is inlined into the caller's plan.
  LANGUAGE sql STABLE
  AS $$
  SELECT (d.month + (u.dom - 1)::int)::date, d.marketplace_id, d.currency, u.ask::bigint, u.bid::bigint, u.sale::bigint
  FROM market.product_daily d
  CROSS JOIN LATERAL unnest(d.ask_minor, d.bid_minor, d.last_sale_minor) WITH ORDINALITY AS u(ask, bid, sale, dom)
  WHERE d.product_id = p_product AND d.region = p_region
    AND (p_marketplace IS NULL OR d.marketplace_id = p_marketplace)
    AND d.month > date_trunc('month', (now() AT TIME ZONE 'UTC')::date - p_days)::date - 1
    AND d.month + (u.dom - 1)::int > (now() AT TIME ZONE 'UTC')::date - p_days
    AND (u.ask IS NOT NULL OR u.bid IS NOT NULL OR u.sale IS NOT NULL)
$$;

-- One or more sizes' daily series for the last p_days days, from the change events in
-- market.price_history: each day's value is the size's last change at or before the end of the
-- day (UTC), carried forward across days without a change; the latest row stands in as a change
-- at its `changed_at` so a size that has not moved within the kept history still has its line.
-- Several sizes (an ambiguous UK/EU size) give the lowest ask, highest bid and highest sale.
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
