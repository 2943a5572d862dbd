-- Two per-request costs of the inventory's first read (`market.inventory_read`), measured on
-- `market bench-api`'s database (500 products x 3 regions, 918 held pairs):
--
-- 1. `market.normalize_style_code` ran its regexp replacement for every held pair (the read
--    prefers, among products sharing a style key, the one whose code a pair was written with).
--    Most style ids are already written as catalogue codes (`DZ5485-612`): those are returned as
--    they are. The result is the same for every input: such a code has no lower case letters, no
--    run of separators to fold and none at either end.
-- 2. The observations were read for every region (3,000 rows at three regions) and aggregated
--    with filters and a DISTINCT sort, to learn which products are synced only elsewhere; now
--    only the requested market's rows are read and "only elsewhere" is an existence test for
--    the products with none here. `elsewhere` now holds exactly those products (before, also
--    products synced both here and elsewhere, which the handler dropped).
--
-- Together 0.5-0.8 ms of ~6-8 ms per call (a loop of 200 calls in one server process,
-- alternated, as the API's role). Same signature and result columns: an API still on the
-- previous version reads the same row. Replaced functions only; nothing is locked.
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION market.normalize_style_code(raw text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $fn$
  SELECT CASE WHEN raw ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$' THEN raw
              ELSE nullif(btrim(regexp_replace(upper(raw), '[^A-Z0-9]+', '-', 'g'), '-'), '') END
$fn$;

-- As in migration `inventory_functions`, but for the observations (above).
CREATE OR REPLACE FUNCTION market.inventory_read(p_user uuid, p_statuses text[], p_market text,
                                                 p_held_ids integer[], p_held_versions bigint[])
  RETURNS TABLE (profile json, market text, fx json,
                 i_id uuid[], i_style_id text[], i_size text[], i_size_unit text[],
                 i_purchase_price text[], i_purchase_currency text[], i_purchase_date date[],
                 i_purchase_source text[], i_condition text[], i_status text[],
                 i_created_at timestamptz[], i_key text[],
                 li_item uuid[], li_platform text[], li_price text[], li_currency text[],
                 p_id integer[], p_style_key text[], p_style_code text[], p_name text[],
                 p_brand text[], p_colorway text[], p_image_url text[], p_tier text[],
                 p_gender text[], p_sizes_version bigint[], p_sales_synced_at timestamptz[],
                 v_id integer[], v_product integer[], v_system text[], v_value integer[],
                 v_us_m integer[], v_us_w integer[], v_uk integer[], v_eu integer[],
                 v_standard boolean[],
                 o_product integer[], o_marketplace smallint[], o_observed_at timestamptz[],
                 elsewhere integer[])
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, market
  SET plan_cache_mode = force_generic_plan
  AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH prof AS (
    SELECT * FROM market.seller_profile(p_user)
  ), mkt AS (
    -- The requested market, else the seller's region; the handler checks it resolved the same.
    SELECT coalesce(p_market, (SELECT upper(pr.region) FROM prof pr LIMIT 1), 'US') AS region
  ), items AS (
    SELECT i.id::uuid AS id, i.style_id::text AS style_id, i.size::text AS size,
           i.size_unit::text AS size_unit, i.purchase_price::text AS purchase_price,
           i.purchase_currency::text AS purchase_currency, i.purchase_date::date AS purchase_date,
           i.purchase_source::text AS purchase_source, i.condition::text AS condition,
           i.status::text AS status, i.created_at::timestamptz AS created_at,
           market.style_key(i.style_id) AS key
    FROM market.inventory i
    WHERE i.user_id = p_user AND i.status = ANY(p_statuses)
  ), listed AS (
    SELECT l.item_id::uuid AS item_id, l.platform::text AS platform,
           l.listed_price::text AS price, l.listed_currency::text AS currency
    FROM market.listings l WHERE l.user_id = p_user AND l.item_id IN (SELECT it.id FROM items it)
  ), prods AS (
    SELECT DISTINCT ON (p.style_key) p.id, p.style_key, p.style_code, p.name, p.brand, p.colorway,
           p.image_url, p.tier, p.gender, p.sizes_version,
           (SELECT s.synced_at FROM market.sales_sync s WHERE s.product_id = p.id) AS sales_synced_at
    FROM market.products p
    WHERE p.style_key IN (SELECT it.key FROM items it)
    ORDER BY p.style_key,
             (p.style_code IN (SELECT market.normalize_style_code(it.style_id) FROM items it)) DESC,
             p.id
  ), sv AS (
    -- Sizes in hundredths (numeric(4,1) and eu's numeric(5,2) exactly): integers are cheaper
    -- than numerics to send and to decode.
    SELECT v.id, v.product_id, v.size_system, (v.size_value * 100)::int4 AS value,
           (v.us_m * 100)::int4 AS us_m, (v.us_w * 100)::int4 AS us_w, (v.uk * 100)::int4 AS uk,
           (v.eu * 100)::int4 AS eu, v.source = 'standard_run' AS standard
    FROM market.size_variants v
    WHERE v.product_id IN (
      SELECT p.id FROM prods p
      WHERE NOT EXISTS (SELECT 1 FROM unnest(p_held_ids, p_held_versions) AS h(product_id, version)
                        WHERE h.product_id = p.id AND h.version = p.sizes_version))
  ), obs AS (
    -- latest_prices rows are rewritten only when a value changes; the time the marketplace last
    -- confirmed them is the product's observation time (the handler takes the later of the two:
    -- per product here, instead of a join per price row). Only the requested market's rows.
    SELECT o.product_id, o.marketplace_id, o.observed_at
    FROM market.market_observations o
    WHERE o.product_id IN (SELECT p.id FROM prods p) AND o.region = (SELECT m.region FROM mkt m)
  ), away AS (
    -- Products observed in another market and not in this one: they are synced there and not
    -- here (`region_not_synced`). Usually none.
    SELECT p.id FROM prods p
    WHERE NOT EXISTS (SELECT 1 FROM obs o WHERE o.product_id = p.id)
      AND EXISTS (SELECT 1 FROM market.market_observations o WHERE o.product_id = p.id)
  ), fx AS (
    SELECT f.quote, f.rate, f.rate_date FROM market.fx_latest f
  )
  SELECT (SELECT row_to_json(pr) FROM prof pr),
         (SELECT m.region FROM mkt m),
         (SELECT coalesce(json_agg(f), '[]') FROM fx f),
         i.*, li.*, p.*, v.*, o.*
  FROM (SELECT coalesce(array_agg(it.id), '{}'), coalesce(array_agg(it.style_id), '{}'),
               coalesce(array_agg(it.size), '{}'), coalesce(array_agg(it.size_unit), '{}'),
               coalesce(array_agg(it.purchase_price), '{}'),
               coalesce(array_agg(it.purchase_currency), '{}'),
               coalesce(array_agg(it.purchase_date), '{}'),
               coalesce(array_agg(it.purchase_source), '{}'),
               coalesce(array_agg(it.condition), '{}'), coalesce(array_agg(it.status), '{}'),
               coalesce(array_agg(it.created_at), '{}'), coalesce(array_agg(it.key), '{}')
        FROM items it) i
  CROSS JOIN (
        SELECT coalesce(array_agg(l.item_id), '{}'), coalesce(array_agg(l.platform), '{}'),
               coalesce(array_agg(l.price), '{}'), coalesce(array_agg(l.currency), '{}')
        FROM listed l) li
  CROSS JOIN (
        SELECT coalesce(array_agg(pd.id), '{}'), coalesce(array_agg(pd.style_key), '{}'),
               coalesce(array_agg(pd.style_code), '{}'), coalesce(array_agg(pd.name), '{}'),
               coalesce(array_agg(pd.brand), '{}'), coalesce(array_agg(pd.colorway), '{}'),
               coalesce(array_agg(pd.image_url), '{}'), coalesce(array_agg(pd.tier), '{}'),
               coalesce(array_agg(pd.gender), '{}'), coalesce(array_agg(pd.sizes_version), '{}'),
               coalesce(array_agg(pd.sales_synced_at), '{}')
        FROM prods pd) p
  CROSS JOIN (
        SELECT coalesce(array_agg(s.id), '{}'), coalesce(array_agg(s.product_id), '{}'),
               coalesce(array_agg(s.size_system), '{}'), coalesce(array_agg(s.value), '{}'),
               coalesce(array_agg(s.us_m), '{}'), coalesce(array_agg(s.us_w), '{}'),
               coalesce(array_agg(s.uk), '{}'), coalesce(array_agg(s.eu), '{}'),
               coalesce(array_agg(s.standard), '{}')
        FROM sv s) v
  CROSS JOIN (
        SELECT coalesce(array_agg(ob.product_id), '{}'), coalesce(array_agg(ob.marketplace_id), '{}'),
               coalesce(array_agg(ob.observed_at), '{}'),
               (SELECT coalesce(array_agg(a.id), '{}') FROM away a)
        FROM obs ob) o;
END
$fn$;
