-- Preceded by `WITH` and the seller_profile.sql CTEs (`own`, `prof`); see READ_SQL.
items AS (
  SELECT i.id, i.style_id, i.size, i.size_unit, i.purchase_price::text AS purchase_price,
         i.purchase_currency, i.purchase_date, i.condition, i.status, i.created_at,
         regexp_replace(upper(i.style_id), '[^A-Z0-9]', '', 'g') AS key,
         market.normalize_style_code(i.style_id) AS norm,
         (SELECT coalesce(json_agg(json_build_object('platform', l.platform,
                   'price', l.listed_price::text, 'currency', l.listed_currency)
                   ORDER BY l.platform), '[]')
          FROM market.listings l WHERE l.item_id = i.id AND l.user_id = $1) AS listings
  FROM market.inventory i
  WHERE i.user_id = $1 AND i.status = ANY($2)
), prods AS (
  SELECT DISTINCT ON (p.style_key) p.id, p.style_key, p.style_code, p.name, p.brand, p.colorway,
         p.image_url, p.tier, p.gender,
         (SELECT s.synced_at FROM market.sales_sync s WHERE s.product_id = p.id) AS sales_synced_at
  FROM market.products p
  WHERE p.style_key IN (SELECT key FROM items)
  ORDER BY p.style_key, (p.style_code IN (SELECT norm FROM items)) DESC, p.id
), sv AS (
  SELECT v.id, v.product_id, v.size_system, v.size_value::text AS size_value, v.us_m::text AS us_m,
         v.us_w::text AS us_w, v.uk::text AS uk, v.eu::text AS eu, v.source
  FROM market.size_variants v WHERE v.product_id IN (SELECT id FROM prods)
), lp AS (
  -- latest_prices rows are rewritten only when a value changes; the time the marketplace last
  -- confirmed them is the product's observation time.
  SELECT l.variant_id, l.marketplace_id, l.region, l.currency, l.ask_minor, l.bid_minor,
         l.last_sale_minor, greatest(l.observed_at, o.observed_at) AS observed_at, l.changed_at
  FROM market.latest_prices l
  JOIN sv ON sv.id = l.variant_id
  LEFT JOIN market.market_observations o
    ON o.product_id = sv.product_id AND o.marketplace_id = l.marketplace_id AND o.region = l.region
  -- Every region: the requested market's rows value the item; another region's rows only say
  -- that the product is synced elsewhere (`region_not_synced`).
), fx AS (
  SELECT quote, rate, rate_date FROM market.fx_latest
), size_sales AS (
  -- Each size's last sale (the newest daily aggregate keeps its time and price) and its 72-hour
  -- and 30-day volume (raw sales), per region: the requested market picks its rows.
  SELECT d.variant_id, d.marketplace_id, d.region, d.currency, d.last_minor AS amount_minor,
         d.last_at AS purchased_at, v.volume_72h, v.volume_30d
  FROM (SELECT DISTINCT ON (d.variant_id, d.marketplace_id, d.region) d.*
        FROM market.sales_daily_sizes d JOIN sv ON sv.id = d.variant_id
        ORDER BY d.variant_id, d.marketplace_id, d.region, d.day DESC) d
  CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE s.purchased_at > now() - interval '72 hours') AS volume_72h,
           count(*) AS volume_30d
    FROM market.sales s
    WHERE s.variant_id = d.variant_id AND s.marketplace_id = d.marketplace_id AND s.region = d.region
      AND s.purchased_at > now() - interval '30 days') v
)
SELECT json_build_object(
  'profile', (SELECT row_to_json(prof) FROM prof),
  'items', (SELECT coalesce(json_agg(items ORDER BY created_at, id), '[]') FROM items),
  'products', (SELECT coalesce(json_agg(prods), '[]') FROM prods),
  'variants', (SELECT coalesce(json_agg(sv), '[]') FROM sv),
  'prices', (SELECT coalesce(json_agg(lp), '[]') FROM lp),
  'size_sales', (SELECT coalesce(json_agg(size_sales), '[]') FROM size_sales),
  'fx', (SELECT coalesce(json_agg(fx), '[]') FROM fx)
)
