WITH p AS (
  SELECT id, style_code FROM market.products
  WHERE style_key = $1
  ORDER BY (style_code = $2) DESC, id
  LIMIT 1
), sv AS (
  SELECT v.id, v.size_system, v.size_value
  FROM market.size_variants v JOIN p ON v.product_id = p.id
  WHERE $4::text IS NULL
     OR (v.size_system = $4 AND v.size_value = $5)
     OR ($4 = 'uk' AND v.uk = $5) OR ($4 = 'eu' AND v.eu = $5)
     OR ($4 = 'us_m' AND v.us_m = $5) OR ($4 = 'us_w' AND v.us_w = $5)
), h AS (
  SELECT r.day, r.marketplace_id, r.currency,
         min(r.close_ask_minor) AS ask, max(r.close_bid_minor) AS bid,
         CASE WHEN $4::text IS NULL THEN NULL ELSE max(r.last_sale_minor) END AS last_sale
  FROM market.daily_rollups r JOIN sv ON sv.id = r.variant_id
  WHERE r.region = $3
    AND r.day > (now() AT TIME ZONE 'UTC')::date - $6::int
    AND ($7::smallint IS NULL OR r.marketplace_id = $7)
  GROUP BY r.day, r.marketplace_id, r.currency
), fx AS (
  SELECT quote, rate, rate_date FROM market.fx_latest
)
SELECT json_build_object(
  'style_code', (SELECT style_code FROM p),
  'size', (SELECT json_agg(json_build_object('system', size_system, 'value', size_value::text)) FROM sv),
  'history', (SELECT coalesce(json_agg(h ORDER BY day, marketplace_id), '[]') FROM h),
  'fx', (SELECT coalesce(json_agg(fx), '[]') FROM fx)
)
