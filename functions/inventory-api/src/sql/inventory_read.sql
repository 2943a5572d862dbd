-- Preceded by `WITH` and the seller_profile.sql CTEs (`own`, `prof`); see READ_SQL. The first of
-- the inventory's two reads: the items, their products and the products' whole size runs, which
-- the handler matches the pairs' sizes on (`match_size`, the one place for the size rules) before
-- `inventory_quotes.sql` reads prices and sales for the matched sizes only.
--
-- The size runs (every size of every owned product: ~10,000 rows for 1,000 pairs) are held in
-- memory by the API between requests (`runs.rs`): $4/$5 are the product ids and run versions it
-- holds, and only the runs of the other products, or of those whose `sizes_version` moved, are
-- read. They, the items, their listings and products come back as typed arrays in PostgreSQL's binary
-- format, one array per column, instead of JSON objects that PostgreSQL would have to print and
-- the handler to parse (the handler orders the items by their cursor).
mkt AS (
  -- The requested market ($3), else the seller's region; the handler checks it resolved the same.
  SELECT coalesce($3::text, (SELECT upper(region) FROM prof LIMIT 1), 'US') AS region
), items AS (
  SELECT i.id, i.style_id, i.size, i.size_unit, i.purchase_price::text AS purchase_price,
         i.purchase_currency, i.purchase_date, i.purchase_source, i.condition, i.status, i.created_at,
         regexp_replace(upper(i.style_id), '[^A-Z0-9]', '', 'g') AS key
  FROM market.inventory i
  WHERE i.user_id = $1 AND i.status = ANY($2)
), listed AS (
  SELECT l.item_id, l.platform, l.listed_price::text AS price, l.listed_currency AS currency
  FROM market.listings l WHERE l.user_id = $1 AND l.item_id IN (SELECT id FROM items)
), prods AS (
  SELECT DISTINCT ON (p.style_key) p.id, p.style_key, p.style_code, p.name, p.brand, p.colorway,
         p.image_url, p.tier, p.gender, p.sizes_version,
         (SELECT s.synced_at FROM market.sales_sync s WHERE s.product_id = p.id) AS sales_synced_at
  FROM market.products p
  WHERE p.style_key IN (SELECT key FROM items)
  ORDER BY p.style_key,
           (p.style_code IN (SELECT market.normalize_style_code(style_id) FROM items)) DESC, p.id
), sv AS (
  -- Sizes in hundredths (numeric(4,1) and eu's numeric(5,2) exactly): integers are cheaper than
  -- numerics to send and to decode.
  SELECT v.id, v.product_id, v.size_system, (v.size_value * 100)::int4 AS value,
         (v.us_m * 100)::int4 AS us_m, (v.us_w * 100)::int4 AS us_w, (v.uk * 100)::int4 AS uk,
         (v.eu * 100)::int4 AS eu, v.source = 'standard_run' AS standard
  FROM market.size_variants v
  WHERE v.product_id IN (
    SELECT p.id FROM prods p
    WHERE NOT EXISTS (SELECT 1 FROM unnest($4::int4[], $5::int8[]) AS h(product_id, version)
                      WHERE h.product_id = p.id AND h.version = p.sizes_version))
), obs AS (
  -- latest_prices rows are rewritten only when a value changes; the time the marketplace last
  -- confirmed them is the product's observation time (the handler takes the later of the two:
  -- per product here, instead of a join per price row). Observations in another market only say
  -- that the product is synced there and not here (`region_not_synced`).
  SELECT o.product_id, o.marketplace_id, o.observed_at, o.region = (SELECT region FROM mkt) AS here
  FROM market.market_observations o
  WHERE o.product_id IN (SELECT id FROM prods)
), fx AS (
  SELECT quote, rate, rate_date FROM market.fx_latest
)
SELECT (SELECT row_to_json(prof) FROM prof) AS profile,
       (SELECT region FROM mkt) AS market,
       (SELECT coalesce(json_agg(fx), '[]') FROM fx) AS fx,
       i.*, li.*, p.*, v.*, o.*
FROM (SELECT coalesce(array_agg(id), '{}') AS i_id,
             coalesce(array_agg(style_id), '{}') AS i_style_id,
             coalesce(array_agg(size), '{}') AS i_size,
             coalesce(array_agg(size_unit), '{}') AS i_size_unit,
             coalesce(array_agg(purchase_price), '{}') AS i_purchase_price,
             coalesce(array_agg(purchase_currency), '{}') AS i_purchase_currency,
             coalesce(array_agg(purchase_date), '{}') AS i_purchase_date,
             coalesce(array_agg(purchase_source), '{}') AS i_purchase_source,
             coalesce(array_agg(condition), '{}') AS i_condition,
             coalesce(array_agg(status), '{}') AS i_status,
             coalesce(array_agg(created_at), '{}') AS i_created_at,
             coalesce(array_agg(key), '{}') AS i_key
      FROM items) i
CROSS JOIN (
      SELECT coalesce(array_agg(item_id), '{}') AS li_item,
             coalesce(array_agg(platform), '{}') AS li_platform,
             coalesce(array_agg(price), '{}') AS li_price,
             coalesce(array_agg(currency), '{}') AS li_currency
      FROM listed) li
CROSS JOIN (SELECT coalesce(array_agg(id), '{}') AS p_id,
             coalesce(array_agg(style_key), '{}') AS p_style_key,
             coalesce(array_agg(style_code), '{}') AS p_style_code,
             coalesce(array_agg(name), '{}') AS p_name,
             coalesce(array_agg(brand), '{}') AS p_brand,
             coalesce(array_agg(colorway), '{}') AS p_colorway,
             coalesce(array_agg(image_url), '{}') AS p_image_url,
             coalesce(array_agg(tier), '{}') AS p_tier,
             coalesce(array_agg(gender), '{}') AS p_gender,
             coalesce(array_agg(sizes_version), '{}') AS p_sizes_version,
             coalesce(array_agg(sales_synced_at), '{}') AS p_sales_synced_at
      FROM prods) p
CROSS JOIN (SELECT coalesce(array_agg(id), '{}') AS v_id,
             coalesce(array_agg(product_id), '{}') AS v_product,
             coalesce(array_agg(size_system), '{}') AS v_system,
             coalesce(array_agg(value), '{}') AS v_value,
             coalesce(array_agg(us_m), '{}') AS v_us_m,
             coalesce(array_agg(us_w), '{}') AS v_us_w,
             coalesce(array_agg(uk), '{}') AS v_uk,
             coalesce(array_agg(eu), '{}') AS v_eu,
             coalesce(array_agg(standard), '{}') AS v_standard
      FROM sv) v
CROSS JOIN (
      SELECT coalesce(array_agg(product_id) FILTER (WHERE here), '{}') AS o_product,
             coalesce(array_agg(marketplace_id) FILTER (WHERE here), '{}') AS o_marketplace,
             coalesce(array_agg(observed_at) FILTER (WHERE here), '{}') AS o_observed_at,
             coalesce(array_agg(DISTINCT product_id) FILTER (WHERE NOT here), '{}') AS elsewhere
      FROM obs) o
