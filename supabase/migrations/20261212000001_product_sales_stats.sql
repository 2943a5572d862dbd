-- One product's sales on one marketplace of the last 72 hours, 7 and 30 days in one region, per
-- currency: what the market page shows next to its sales chart.
--
-- Why: the page counted them from the raw sales, which for a popular product is ~2,000 rows of
-- 30 days on ~600 heap pages (raw sales are written day by day, so a product's rows of one day
-- share pages with every other product's). The whole days inside a window are already summed in
-- the product's daily series (`product_sales_daily`, written in the same statement as the raw
-- rows), so only each window's first, partial day is read from the raw rows, and only when the
-- series says the product sold anything that day. Exact to the second, like the raw count.
--
-- PL/pgSQL, not an inlined SQL function: the page statement cannot be prepared through the
-- transaction-mode pooler, so every request plans it in full, and this part costs ~0.4 ms more
-- to plan than to run. PL/pgSQL keeps its plan in the server process between calls (one
-- marketplace per call, so that its generic plan probes the sales index on all of its leading
-- columns).
--
-- A new function only: nothing is locked, and a function still on the previous version keeps
-- counting from the raw rows.
CREATE OR REPLACE FUNCTION market.product_sales_stats(p_product integer, p_marketplace smallint,
                                                      p_region text)
  RETURNS TABLE (marketplace_id smallint, currency text, volume_72h bigint, volume_7d bigint,
                 volume_30d bigint, average_7d_minor bigint)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, market
  AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH windows AS (
    -- Each window's start and the UTC day it starts on (its edge day).
    SELECT v.len, v.start, (v.start AT TIME ZONE 'UTC')::date AS edge
    FROM (VALUES ('72h', now() - interval '72 hours'), ('7d', now() - interval '7 days'),
                 ('30d', now() - interval '30 days')) AS v(len, start)
  ), months AS MATERIALIZED (
    SELECT d.marketplace_id, d.currency, d.month, d.sales, d.sum_minor
    FROM market.product_sales_daily d
    WHERE d.product_id = p_product AND d.region = p_region AND d.marketplace_id = p_marketplace
      AND d.month >= (SELECT date_trunc('month', min(w.edge))::date FROM windows w)
  ), parts AS (
    -- Whole days after a window's edge day, from the series: one row per day and window.
    SELECT m.marketplace_id, m.currency, w.len, u.n, u.total
    FROM months m
    CROSS JOIN LATERAL unnest(m.sales, m.sum_minor) WITH ORDINALITY AS u(n, total, i)
    JOIN windows w ON m.month + (u.i - 1)::int > w.edge
    WHERE u.n IS NOT NULL
    UNION ALL
    -- Each window's edge day, from the raw sales after the window's start; skipped when the
    -- series has no sale that day.
    SELECT s.marketplace_id, s.currency, w.len, 1, s.price_minor::bigint
    FROM windows w
    CROSS JOIN market.size_variants v
    JOIN market.sales s
      ON s.variant_id = v.id AND s.marketplace_id = p_marketplace AND s.region = p_region
     AND s.purchased_at > w.start AND s.purchased_at < (w.edge + 1)::timestamp AT TIME ZONE 'UTC'
    WHERE v.product_id = p_product
      AND EXISTS (SELECT 1 FROM months m
                  WHERE m.month = date_trunc('month', w.edge)::date
                    AND m.sales[extract(day FROM w.edge)::int] IS NOT NULL)
  )
  SELECT x.marketplace_id, x.currency,
         coalesce(sum(x.n) FILTER (WHERE x.len = '72h'), 0)::bigint,
         coalesce(sum(x.n) FILTER (WHERE x.len = '7d'), 0)::bigint,
         coalesce(sum(x.n) FILTER (WHERE x.len = '30d'), 0)::bigint,
         round(sum(x.total) FILTER (WHERE x.len = '7d')
               / nullif(sum(x.n) FILTER (WHERE x.len = '7d'), 0))::bigint
  FROM parts x
  GROUP BY x.marketplace_id, x.currency;
END
$fn$;
