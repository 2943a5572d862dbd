-- Preceded by `WITH` and the seller-profile CTEs for the caller in $1 (NULL: anonymous); see SQL.
p AS (
  SELECT id, style_code, brand, name, colorway, gender, release_date, retail_price_minor,
         retail_currency, image_url, tier, last_synced_at
  FROM market.products
  WHERE style_key = $2
  ORDER BY (style_code = $3) DESC, id
  LIMIT 1
), touch AS (
  UPDATE market.products t SET last_viewed_at = now()
  FROM p
  WHERE $8 AND t.id = p.id AND (t.last_viewed_at IS NULL OR t.last_viewed_at < now() - interval '1 hour')
  RETURNING t.id
), sv AS (
  SELECT v.id, v.size_system, v.size_value, v.us_m, v.us_w, v.uk, v.eu, v.cm,
         ($5::text IS NOT NULL AND (
              (v.size_system = $5 AND v.size_value = $6)
           OR ($5 = 'uk' AND v.uk = $6) OR ($5 = 'eu' AND v.eu = $6)
           OR ($5 = 'us_m' AND v.us_m = $6) OR ($5 = 'us_w' AND v.us_w = $6))) AS selected
  FROM market.size_variants v JOIN p ON v.product_id = p.id
), lp AS (
  -- latest_prices rows are rewritten only when a value changes; the time the marketplace last
  -- confirmed them is the product's observation time.
  SELECT l.variant_id, l.marketplace_id, l.currency, l.ask_minor, l.bid_minor, l.last_sale_minor,
         greatest(l.observed_at, o.observed_at) AS observed_at, l.changed_at
  FROM market.latest_prices l JOIN sv ON sv.id = l.variant_id
  LEFT JOIN market.market_observations o
    ON o.product_id = (SELECT id FROM p) AND o.marketplace_id = l.marketplace_id AND o.region = l.region
  WHERE l.region = $4
), h AS (
  -- The product's long daily series (lowest ask / highest bid over its sizes, a sale seen that day).
  SELECT x.day, x.marketplace_id, x.currency, x.ask, x.bid, x.last_sale
  FROM p CROSS JOIN LATERAL market.product_daily_points(p.id, $4, $7) x
), hs AS (
  -- The selected size's series, from its change events.
  SELECT x.day, x.marketplace_id, x.currency, x.ask, x.bid, x.last_sale
  FROM market.size_daily_points((SELECT array_agg(id) FROM sv WHERE selected), $4, $7) x
  WHERE $5::text IS NOT NULL
), links AS (
  -- A link's last sync covers the regions it fetched: a marketplace that has answered for this
  -- product in another market but never in this one has not synced this market
  -- (`region_not_synced`), however recent the link's last sync.
  SELECT l.marketplace_id, l.status, l.last_synced_at,
         EXISTS (SELECT 1 FROM market.market_observations o
                 WHERE o.product_id = l.product_id AND o.marketplace_id = l.marketplace_id
                   AND o.region <> $4)
         AND NOT EXISTS (SELECT 1 FROM market.market_observations o
                         WHERE o.product_id = l.product_id AND o.marketplace_id = l.marketplace_id
                           AND o.region = $4) AS region_not_synced
  FROM market.marketplace_links l JOIN p ON l.product_id = p.id
), fx AS (
  SELECT quote, rate, rate_date FROM market.fx_latest
), size_sales AS (
  -- Each size's last sale in this region: the newest daily aggregate row keeps its time and price.
  -- One backward step on the primary key (variant, marketplace, region, day) per size and
  -- marketplace that reports sales ($9), not a sort of every size's 90 days.
  SELECT d.variant_id, d.marketplace_id, d.currency, d.last_minor AS amount_minor,
         d.last_at AS purchased_at
  FROM sv CROSS JOIN unnest($9::int2[]) AS m(marketplace_id)
  CROSS JOIN LATERAL (
    SELECT d.variant_id, d.marketplace_id, d.currency, d.last_minor, d.last_at
    FROM market.sales_daily_sizes d
    WHERE d.variant_id = sv.id AND d.marketplace_id = m.marketplace_id AND d.region = $4
    ORDER BY d.day DESC
    LIMIT 1) d
), sales_stats AS (
  -- The product's sales of the last 72 hours, 7 and 30 days in this region, exact to the second
  -- (see the function for how it avoids reading 30 days of raw sales).
  SELECT x.* FROM p CROSS JOIN unnest($9::int2[]) AS m(marketplace_id)
  CROSS JOIN LATERAL market.product_sales_stats(p.id, m.marketplace_id, $4) x
), sales_last AS (
  SELECT DISTINCT ON (d.marketplace_id) d.marketplace_id, d.currency, d.last_minor AS amount_minor,
         d.last_at AS purchased_at
  FROM market.product_sales_daily d JOIN p ON d.product_id = p.id
  WHERE d.region = $4
  ORDER BY d.marketplace_id, d.month DESC
)
SELECT json_build_object(
  'product', (SELECT row_to_json(p) FROM p),
  'sizes', (SELECT coalesce(json_agg(json_build_object(
              'id', id, 'system', size_system, 'value', size_value::text, 'us_m', us_m::text,
              'us_w', us_w::text, 'uk', uk::text, 'eu', eu::text, 'cm', cm::text, 'selected', selected)
              ORDER BY size_system, size_value), '[]') FROM sv),
  'prices', (SELECT coalesce(json_agg(lp), '[]') FROM lp),
  'history', (SELECT coalesce(json_agg(h ORDER BY day, marketplace_id), '[]') FROM h),
  'size_history', (SELECT coalesce(json_agg(hs ORDER BY day, marketplace_id), '[]') FROM hs),
  'links', (SELECT coalesce(json_agg(links ORDER BY marketplace_id), '[]') FROM links),
  'fx', (SELECT coalesce(json_agg(fx), '[]') FROM fx),
  'viewed', (SELECT count(*) FROM touch),
  'size_sales', (SELECT coalesce(json_agg(size_sales), '[]') FROM size_sales),
  'sales_stats', (SELECT coalesce(json_agg(sales_stats), '[]') FROM sales_stats),
  'sales_last', (SELECT coalesce(json_agg(sales_last), '[]') FROM sales_last),
  'sales_synced_at', (SELECT s.synced_at FROM market.sales_sync s JOIN p ON s.product_id = p.id),
  'profile', CASE WHEN $1::uuid IS NULL THEN NULL ELSE (SELECT row_to_json(prof) FROM prof) END
)
