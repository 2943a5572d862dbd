-- The seller's fee profile and the inventory's two large statements as functions.
--
-- Why: through the transaction-mode pooler nothing can be prepared, so every inventory request
-- parsed and planned its first read and its on-demand enqueue in full: ~3.5 ms of the server's
-- ~12 ms per request at 1,000 pairs (parse 0.67 + plan 1.56 ms for the read, 0.39 + 0.91 ms for
-- the enqueue, `log_min_duration_statement = 0` on `market bench-api`'s database), more than it
-- took to run the enqueue (2.4 ms). PL/pgSQL keeps each statement's plan in the server process
-- between calls, as `product_sales_stats` does for the market page. The statements are the ones
-- the inventory-api sent inline before, but for the casts that pin their result types, the
-- style keys (`market.style_key`) and the products the enqueue may be given (`p_products`).
--
-- Both use their generic plan from the first call (`plan_cache_mode`): by default PL/pgSQL
-- plans a statement's first five calls for their parameters' values (~2 ms more each, on every
-- new server process) before it settles on the same generic plan; the plans' shape does not
-- depend on the values (one user's items by index, their products, their size runs).
--
-- New functions only: nothing is locked, and an API still on the previous version keeps sending
-- the statements inline.

-- A style id's key as `products.style_key` holds it: its letters and digits, upper case (the
-- same rule as `core::domain::style_key`). Most style ids are written as catalogue codes
-- (`DZ5485-612`); for those, dropping the hyphens gives the same key without the regexp
-- replacement, which was ~1 ms of the inventory's first read at 1,000 pairs. A plain SQL
-- function: inlined where it is called.
CREATE OR REPLACE FUNCTION market.style_key(raw text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $fn$
  SELECT CASE WHEN raw ~ '^[A-Z0-9-]*$' THEN replace(raw, '-', '')
              ELSE regexp_replace(upper(raw), '[^A-Z0-9]', '', 'g') END
$fn$;

-- The seller's settings (the app's user_settings, or our fee_profiles on a standalone install),
-- else the install's defaults: one row. alias_country, alias_shipping_method and
-- stockx_shipping_minor (pence: the app's StockX shipping fee is in pounds) are the app's
-- settings; the views give NULL / 'dropoff' where the app is not installed. A plain SQL function,
-- so that the page and `/v1/me`, which call it inline (`seller::PROFILE_CTES`), are planned as if
-- its body were written there.
CREATE OR REPLACE FUNCTION market.seller_profile(p_user uuid)
  RETURNS TABLE (region text, currency text, stockx_seller_level smallint,
                 alias_commission_bps integer, alias_seller_fee_minor bigint,
                 alias_cashout_bps integer, alias_country text, alias_shipping_method text,
                 stockx_shipping_minor bigint, is_default boolean)
  LANGUAGE sql STABLE
  AS $fn$
  WITH own AS (
    SELECT s.region, s.currency, s.stockx_seller_level, s.alias_commission_bps,
           s.alias_seller_fee_minor, s.alias_cashout_bps, s.alias_country, s.alias_shipping_method,
           s.stockx_shipping_minor, false AS is_default
    FROM market.seller_settings s WHERE s.user_id = p_user
  )
  SELECT * FROM own
  UNION ALL
  SELECT d.region, d.currency, d.stockx_seller_level, d.alias_commission_bps, NULL::bigint,
         NULL::integer, d.alias_country, d.alias_shipping_method, d.stockx_shipping_minor, true
  FROM market.seller_defaults d WHERE NOT EXISTS (SELECT 1 FROM own)
$fn$;

-- The first of the inventory's two reads: the items, their products and the products' whole size
-- runs, which the handler matches the pairs' sizes on (`match_size`, the one place for the size
-- rules) before `inventory_quotes.sql` reads prices and sales for the matched sizes only.
--
-- Runs as the caller (`authenticated`, with the request's claims): `market.inventory` is a
-- security_invoker view, so its rows are filtered by the app's row-level security as well as by
-- the user_id predicate.
--
-- The size runs (every size of every owned product: ~10,000 rows for 1,000 pairs) are held in
-- memory by the API between requests (`runs.rs`): p_held_ids / p_held_versions are the product
-- ids and run versions it holds, and only the runs of the other products, or of those whose
-- `sizes_version` moved, are read. They, the items, their listings and products come back as
-- typed arrays in PostgreSQL's binary format, one array per column, instead of JSON objects that
-- PostgreSQL would have to print and the handler to parse (the handler orders the items by their
-- cursor).
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
    -- per product here, instead of a join per price row). Observations in another market only
    -- say that the product is synced there and not here (`region_not_synced`).
    SELECT o.product_id, o.marketplace_id, o.observed_at, o.region = (SELECT m.region FROM mkt m) AS here
    FROM market.market_observations o
    WHERE o.product_id IN (SELECT p.id FROM prods p)
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
        SELECT coalesce(array_agg(ob.product_id) FILTER (WHERE ob.here), '{}'),
               coalesce(array_agg(ob.marketplace_id) FILTER (WHERE ob.here), '{}'),
               coalesce(array_agg(ob.observed_at) FILTER (WHERE ob.here), '{}'),
               coalesce(array_agg(DISTINCT ob.product_id) FILTER (WHERE NOT ob.here), '{}')
        FROM obs ob) o;
END
$fn$;

-- On-demand syncs for the caller's held pairs whose product was never mapped or never priced,
-- bounded: only marketplaces that can be called (p_marketplaces: enabled here, and not waiting for
-- StockX re-consent), only work that is due (a link's failure back-off is respected; a product
-- whose on-demand job failed in the last hour waits), nothing already open, at most
-- p_per_request jobs per request, p_per_user_day per user per day and p_daily_max for the whole
-- install per day (the planner's daily reserve pays). Returns the open and new jobs and the
-- products' marketplace links.
--
-- p_products: the held pairs' products as the first read chose them (one per style key), when
-- that read covered both held statuses (`status=open` or `all`: every request of the app's
-- inventory screen); NULL otherwise, and the held pairs' products are looked up here from their
-- style ids (~1.1 ms for 1,000 pairs).
--
-- Runs as the API's own role, after the inventory read switched back from `authenticated`; not
-- callable by the app's users (it writes sync_jobs for whichever user it is given).
CREATE OR REPLACE FUNCTION market.inventory_enqueue(p_user uuid, p_marketplaces smallint[],
                                                    p_per_request bigint, p_per_user_day bigint,
                                                    p_daily_max bigint, p_products integer[])
  RETURNS TABLE (open_jobs json, new_jobs json,
                 l_product integer[], l_marketplace smallint[], l_status text[],
                 l_last_synced_at timestamptz[], l_external_id text[], l_url_key text[])
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, market
  SET plan_cache_mode = force_generic_plan
  AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH keys AS (
    SELECT DISTINCT market.style_key(i.style_id) AS key
    FROM market.inventory i
    WHERE p_products IS NULL AND i.user_id = p_user AND i.status IN ('in_stock', 'consigned')
  ), prods AS (
    SELECT p.id FROM market.products p
    WHERE p_products IS NOT NULL AND p.id = ANY(p_products)
    UNION ALL
    SELECT p.id FROM market.products p
    WHERE p_products IS NULL AND p.style_key IN (SELECT k.key FROM keys k)
  ), callable AS (
    SELECT m.id FROM market.marketplaces m
    WHERE m.id = ANY(p_marketplaces)
      AND NOT EXISTS (SELECT 1 FROM market.marketplace_credentials c
                      WHERE c.marketplace_id = m.id AND c.needs_reauth)
  ), need AS (
    SELECT pr.id AS product_id, m.id AS marketplace_id,
           CASE WHEN l.product_id IS NULL OR l.status = 'pending' THEN 'map'
                WHEN l.status = 'matched' AND l.last_synced_at IS NULL THEN 'prices' END AS kind
    FROM prods pr CROSS JOIN callable m
    LEFT JOIN market.marketplace_links l ON l.product_id = pr.id AND l.marketplace_id = m.id
    WHERE (l.product_id IS NULL OR l.next_due_at <= now())
      AND NOT EXISTS (SELECT 1 FROM market.sync_jobs j
                      WHERE j.product_id = pr.id AND j.marketplace_id = m.id
                        AND (j.status IN ('queued', 'running')
                             OR (j.status IN ('failed', 'dead')
                                 AND j.finished_at > now() - interval '1 hour')))
  ), allowance AS (
    SELECT least(p_per_request,
                 p_per_user_day - (SELECT count(*) FROM market.sync_jobs j
                                   WHERE j.requested_by = p_user
                                     AND j.enqueued_at > now() - interval '1 day'),
                 p_daily_max - (SELECT count(*) FROM market.sync_jobs j
                                WHERE j.requested_by IS NOT NULL
                                  AND j.enqueued_at > now() - interval '1 day')) AS n
  ), ins AS (
    INSERT INTO market.sync_jobs AS sj (product_id, marketplace_id, kind, status, priority,
                                        requested_by)
    SELECT nd.product_id, nd.marketplace_id, nd.kind, 'queued', 10, p_user FROM need nd
    WHERE nd.kind IS NOT NULL
    ORDER BY nd.product_id, nd.marketplace_id
    LIMIT greatest(0, (SELECT a.n FROM allowance a))
    ON CONFLICT (product_id, marketplace_id, kind) WHERE status IN ('queued', 'running') DO NOTHING
    RETURNING sj.id, sj.product_id, sj.marketplace_id, sj.kind
  )
  -- The links come back as one binary array per column (~800 rows at 1,000 pairs: as JSON
  -- objects their printing alone took ~5 ms), the jobs (a few) as JSON.
  SELECT (SELECT coalesce(json_agg(json_build_object('product_id', j.product_id,
            'marketplace_id', j.marketplace_id, 'kind', j.kind)), '[]')
          FROM market.sync_jobs j
          WHERE j.product_id IN (SELECT pr.id FROM prods pr) AND j.status IN ('queued', 'running')),
         (SELECT coalesce(json_agg(n), '[]') FROM ins n),
         lk.*
  FROM (SELECT coalesce(array_agg(l.product_id), '{}'), coalesce(array_agg(l.marketplace_id), '{}'),
               coalesce(array_agg(l.status), '{}'), coalesce(array_agg(l.last_synced_at), '{}'),
               coalesce(array_agg(l.external_id), '{}'), coalesce(array_agg(l.url_key), '{}')
        FROM market.marketplace_links l WHERE l.product_id IN (SELECT pr.id FROM prods pr)) lk;
END
$fn$;
REVOKE ALL ON FUNCTION market.inventory_enqueue(uuid, smallint[], bigint, bigint, bigint, integer[])
  FROM PUBLIC;
