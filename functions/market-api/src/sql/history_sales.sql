-- Daily sales (count, average, min, max) of a product or one of its sizes in one region, from the
-- daily aggregates (kept far longer than raw sales). $4 NULL: the product's series.
WITH p AS (
  SELECT id, style_code FROM market.products
  WHERE style_key = $1
  ORDER BY (style_code = $2) DESC, id
  LIMIT 1
), sv AS (
  SELECT v.id, v.size_system, v.size_value
  FROM market.size_variants v JOIN p ON v.product_id = p.id
  WHERE $4::text IS NOT NULL AND (
        (v.size_system = $4 AND v.size_value = $5)
     OR ($4 = 'uk' AND v.uk = $5) OR ($4 = 'eu' AND v.eu = $5)
     OR ($4 = 'us_m' AND v.us_m = $5) OR ($4 = 'us_w' AND v.us_w = $5))
), h AS (
  -- The product's months (day-indexed arrays): the months the range touches, then its days.
  SELECT (d.month + (u.dom - 1)::int)::date AS day, d.marketplace_id, d.currency, u.sales,
         u.sum_minor, u.min_minor, u.max_minor
  FROM market.product_sales_daily d JOIN p ON d.product_id = p.id
  CROSS JOIN LATERAL unnest(d.sales, d.sum_minor, d.min_minor, d.max_minor)
    WITH ORDINALITY AS u(sales, sum_minor, min_minor, max_minor, dom)
  WHERE $4::text IS NULL AND d.region = $3
    AND d.month > date_trunc('month', (now() AT TIME ZONE 'UTC')::date - $6::int)::date - 1
    AND d.month + (u.dom - 1)::int > (now() AT TIME ZONE 'UTC')::date - $6::int
    AND u.sales IS NOT NULL
    AND ($7::smallint IS NULL OR d.marketplace_id = $7)
  UNION ALL
  SELECT d.day, d.marketplace_id, d.currency, sum(d.sales)::int, sum(d.sum_minor)::bigint,
         min(d.min_minor), max(d.max_minor)
  FROM market.sales_daily_sizes d JOIN sv ON sv.id = d.variant_id
  WHERE d.region = $3
    AND d.day > (now() AT TIME ZONE 'UTC')::date - $6::int
    AND ($7::smallint IS NULL OR d.marketplace_id = $7)
  GROUP BY d.day, d.marketplace_id, d.currency
), fx AS (
  SELECT quote, rate, rate_date FROM market.fx_latest
)
SELECT json_build_object(
  'style_code', (SELECT style_code FROM p),
  'size', (SELECT json_agg(json_build_object('system', size_system, 'value', size_value::text)) FROM sv),
  'history', (SELECT coalesce(json_agg(h ORDER BY day, marketplace_id), '[]') FROM h),
  'fx', (SELECT coalesce(json_agg(fx), '[]') FROM fx)
)
