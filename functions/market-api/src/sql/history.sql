WITH p AS (
  SELECT id, style_code FROM market.products
  WHERE style_key = $1
  ORDER BY (style_code = $2) DESC, id
  LIMIT 1
), sv AS (
  SELECT v.id, v.size_system, v.size_value
  FROM market.size_variants v JOIN p ON v.product_id = p.id
  WHERE $4::text IS NOT NULL
    AND ((v.size_system = $4 AND v.size_value = $5)
      OR ($4 = 'uk' AND v.uk = $5) OR ($4 = 'eu' AND v.eu = $5)
      OR ($4 = 'us_m' AND v.us_m = $5) OR ($4 = 'us_w' AND v.us_w = $5))
), h AS (
  -- The product: its long daily series. One size: that size's change events (kept RAW_RETENTION_DAYS).
  SELECT x.day, x.marketplace_id, x.currency, x.ask, x.bid, x.last_sale
  FROM p CROSS JOIN LATERAL market.product_daily_points(p.id, $3, $6, $7) x
  WHERE $4::text IS NULL
  UNION ALL
  SELECT x.day, x.marketplace_id, x.currency, x.ask, x.bid, x.last_sale
  FROM market.size_daily_points((SELECT array_agg(id) FROM sv), $3, $6, $7) x
  WHERE $4::text IS NOT NULL
), fx AS (
  SELECT quote, rate, rate_date FROM market.fx_latest
)
SELECT json_build_object(
  'style_code', (SELECT style_code FROM p),
  'size', (SELECT json_agg(json_build_object('system', size_system, 'value', size_value::text)) FROM sv),
  'history', (SELECT coalesce(json_agg(h ORDER BY day, marketplace_id), '[]') FROM h),
  'fx', (SELECT coalesce(json_agg(fx), '[]') FROM fx)
)
