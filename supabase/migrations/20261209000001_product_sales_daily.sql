-- The product's daily sales series, one row per product x marketplace x region x month.
--
-- Why: `market.sales_daily` kept one ~80-byte row (plus an index entry) per product x marketplace x
-- region x day for two years; at 500 products x 3 regions that was the largest table after the
-- price history (87 MB as written in `market bench-api --regions US,UK,EU`). The chart reads whole
-- ranges of days of one product, so a month's days are kept as arrays in one row, like the price
-- series in `market.product_daily`: element d is day d of the month (NULL: no sale), 31 elements
-- always so months merge element by element.
--
-- New table and function only. The old table is emptied here after the copy and no longer written
-- or read by this version; a function still on the old code during the deploy may write a few rows
-- into it, which `market.fold_sales_daily` (called here and by the daily cleanup) moves over, so no
-- sale is counted twice or lost. A later migration drops the old table.
SET LOCAL lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS market.product_sales_daily (
  last_at        timestamptz NOT NULL,   -- the month's newest sale
  month          date NOT NULL CHECK (extract(day FROM month) = 1),
  product_id     integer NOT NULL REFERENCES market.products (id) ON DELETE CASCADE,
  last_minor     integer NOT NULL CHECK (last_minor > 0),  -- the price of that sale
  marketplace_id smallint NOT NULL REFERENCES market.marketplaces (id),
  region         text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Element d is day d of the month; minor units of `currency`.
  sales          integer[] NOT NULL,
  sum_minor      bigint[] NOT NULL,
  min_minor      integer[] NOT NULL,
  max_minor      integer[] NOT NULL,
  PRIMARY KEY (product_id, marketplace_id, region, month),
  CONSTRAINT product_sales_daily_31_days CHECK (
    array_ndims(sales) = 1 AND cardinality(sales) = 31 AND cardinality(sum_minor) = 31
    AND cardinality(min_minor) = 31 AND cardinality(max_minor) = 31)
) WITH (fillfactor = 90);  -- a sales job rewrites each month row it adds to
COMMENT ON TABLE market.product_sales_daily IS
  'Per product x marketplace x region x month: day-indexed arrays of the sales count, sum, min and max, and the month''s newest sale';

ALTER TABLE market.product_sales_daily ENABLE ROW LEVEL SECURITY;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'market' AND tablename = 'product_sales_daily'
                 AND policyname = 'product_sales_daily_read_all') THEN
    CREATE POLICY product_sales_daily_read_all ON market.product_sales_daily
      FOR SELECT TO anon, authenticated USING (true);
  END IF;
END
$$;
GRANT SELECT ON market.product_sales_daily TO anon, authenticated;

-- Adds days of sales to the product's months (the one place the monthly arrays are merged): the
-- sales write path calls it with the days its new rows fall on, the fold below with the old table's
-- rows. Each day is given once, with its count, sum, min, max and its newest sale (time, price).
-- Returns the month rows written.
CREATE OR REPLACE FUNCTION market.add_product_sales_days(
  p_product integer, p_marketplace smallint, p_region text, p_currency text, p_day date[],
  p_sales integer[], p_sum bigint[], p_min integer[], p_max integer[], p_last_at timestamptz[],
  p_last integer[]) RETURNS bigint
  LANGUAGE sql
  SET search_path = pg_catalog, market
  AS $$
  WITH days AS (
    SELECT * FROM unnest(p_day, p_sales, p_sum, p_min, p_max, p_last_at, p_last)
      AS u(day, n, total, lo, hi, last_at, last)
  ), months AS (
    SELECT date_trunc('month', x.day)::date AS month, max(x.last_at) AS last_at,
           (array_agg(x.last ORDER BY x.last_at DESC))[1] AS last
    FROM days x GROUP BY 1
  ), written AS (
    INSERT INTO market.product_sales_daily AS d
      (last_at, month, product_id, last_minor, marketplace_id, region, currency, sales, sum_minor, min_minor, max_minor)
    SELECT m.last_at, m.month, p_product, m.last, p_marketplace, p_region, p_currency,
           a.sales, a.sum_minor, a.min_minor, a.max_minor
    FROM months m
    CROSS JOIN LATERAL (
      SELECT array_agg(x.n ORDER BY g) AS sales, array_agg(x.total ORDER BY g) AS sum_minor,
             array_agg(x.lo ORDER BY g) AS min_minor, array_agg(x.hi ORDER BY g) AS max_minor
      FROM generate_series(1, 31) g
      LEFT JOIN days x ON x.day = m.month + (g - 1) AND date_trunc('month', x.day)::date = m.month
    ) a
    ON CONFLICT (product_id, marketplace_id, region, month) DO UPDATE SET
      (sales, sum_minor, min_minor, max_minor) = (
        SELECT array_agg(nullif(coalesce(u.n0, 0) + coalesce(u.n1, 0), 0) ORDER BY u.i),
               array_agg(nullif(coalesce(u.s0, 0) + coalesce(u.s1, 0), 0) ORDER BY u.i),
               array_agg(least(u.lo0, u.lo1) ORDER BY u.i),
               array_agg(greatest(u.hi0, u.hi1) ORDER BY u.i)
        FROM unnest(d.sales, excluded.sales, d.sum_minor, excluded.sum_minor,
                    d.min_minor, excluded.min_minor, d.max_minor, excluded.max_minor)
             WITH ORDINALITY AS u(n0, n1, s0, s1, lo0, lo1, hi0, hi1, i)),
      currency = excluded.currency,
      last_minor = CASE WHEN excluded.last_at >= d.last_at THEN excluded.last_minor ELSE d.last_minor END,
      last_at = greatest(d.last_at, excluded.last_at)
    RETURNING 1
  )
  SELECT count(*) FROM written
$$;
REVOKE ALL ON FUNCTION market.add_product_sales_days(integer, smallint, text, text, date[], integer[],
  bigint[], integer[], integer[], timestamptz[], integer[]) FROM PUBLIC;

-- Moves the old per-day table's rows into the monthly arrays and deletes them. Returns the month
-- rows written.
CREATE OR REPLACE FUNCTION market.fold_sales_daily() RETURNS bigint
  LANGUAGE sql
  SET search_path = pg_catalog, market
  AS $$
  WITH moved AS (
    DELETE FROM market.sales_daily RETURNING *
  ), added AS (
    SELECT market.add_product_sales_days(
             product_id, marketplace_id, region, (array_agg(currency ORDER BY last_at DESC))[1],
             array_agg(day), array_agg(sales), array_agg(sum_minor), array_agg(min_minor),
             array_agg(max_minor), array_agg(last_at), array_agg(last_minor)) AS written
    FROM moved GROUP BY product_id, marketplace_id, region
  )
  SELECT coalesce(sum(written), 0)::bigint FROM added
$$;
REVOKE ALL ON FUNCTION market.fold_sales_daily() FROM PUBLIC;

SELECT market.fold_sales_daily();
