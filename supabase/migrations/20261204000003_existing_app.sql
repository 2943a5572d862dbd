-- Serving the existing app's users from the app's own tables (public.inventory_v4_items, its style
-- catalog, user_settings, profiles, inventory_v4_listings), read-only. Every object here is a view
-- or a function in schema `market`; nothing in `public` is created, altered or written.
--
-- Installs without the app (no public.inventory_v4_items) keep our standalone tables behind the
-- same views. The migration is re-runnable (CREATE OR REPLACE) and, on a live database, takes no
-- lock on the app's tables beyond the ACCESS SHARE a view definition needs (it never blocks their
-- reads or writes); lock_timeout makes it fail fast instead of queueing behind a long DDL.
-- Reverting: docs/operations.md, "Cut over".
SET LOCAL lock_timeout = '5s';

-- market.adopt_existing_app() points the views below at the app's tables when they exist (and at
-- our standalone tables otherwise); this migration calls it, and an operator calls it again if the
-- app's tables appear later. Returns whether the app's inventory table was found.
CREATE OR REPLACE FUNCTION market.adopt_existing_app() RETURNS boolean
  LANGUAGE plpgsql SET search_path = market, pg_temp AS $app$
DECLARE
  app boolean := to_regclass('public.inventory_v4_items') IS NOT NULL;
  settings boolean := to_regclass('public.user_settings') IS NOT NULL;
  profiles boolean := to_regclass('public.profiles') IS NOT NULL;
  catalog boolean := to_regclass('public.inventory_v4_style_catalog') IS NOT NULL;
  listings boolean := to_regclass('public.inventory_v4_listings') IS NOT NULL;
BEGIN
  -- Inventory: the app's table when present (same column contract), ours otherwise.
  IF app THEN
    EXECUTE $v$
      CREATE OR REPLACE VIEW market.inventory WITH (security_invoker = true) AS
        SELECT id, user_id, style_id, size, size_unit, purchase_price, purchase_currency,
               purchase_date, condition, status, created_at, updated_at
        FROM public.inventory_v4_items$v$;
  END IF;

  -- Install defaults for a seller with no settings row: the app's (UK, GBP, level 1, 9.5 %) where
  -- the app is installed, ours (US, USD) otherwise. NULL rates fall back to the code's fee schedule.
  EXECUTE format($v$
    CREATE OR REPLACE VIEW market.seller_defaults AS
      SELECT %L::text AS region, %L::text AS currency, 1::smallint AS stockx_seller_level,
             %s::integer AS alias_commission_bps, %L::text AS alias_country,
             'dropoff'::text AS alias_shipping_method, NULL::bigint AS stockx_shipping_minor$v$,
    CASE WHEN app THEN 'UK' ELSE 'US' END, CASE WHEN app THEN 'GBP' ELSE 'USD' END,
    CASE WHEN app THEN '950' ELSE 'NULL' END, CASE WHEN app THEN 'uk' ELSE NULL END);

  -- Seller settings: the app's user_settings (+ profiles' display currency), with our
  -- market.fee_profiles as an explicit per-user override of any field it sets.
  IF settings THEN
    EXECUTE format($v$
      CREATE OR REPLACE VIEW market.seller_settings AS
        SELECT s.user_id,
               coalesce(f.region, CASE WHEN lower(s.alias_region) = 'uk' THEN 'UK'
                                       WHEN lower(s.alias_region) IN ('de', 'nl', 'fr', 'at', 'be', 'it', 'es') THEN 'EU'
                                       ELSE 'UK' END) AS region,
               coalesce(f.currency,
                        CASE WHEN upper(%s) IN ('GBP', 'EUR', 'USD') THEN upper(%s) END,
                        CASE WHEN upper(s.currency_preference) IN ('GBP', 'EUR', 'USD') THEN upper(s.currency_preference) END,
                        'GBP') AS currency,
               coalesce(f.stockx_seller_level,
                        CASE WHEN s.stockx_seller_level BETWEEN 1 AND 5 THEN s.stockx_seller_level END, 1)::smallint
                 AS stockx_seller_level,
               coalesce(f.alias_commission_bps,
                        CASE WHEN s.alias_commission_fee BETWEEN 0 AND 50
                             THEN round(s.alias_commission_fee * 100)::integer END) AS alias_commission_bps,
               CASE WHEN lower(s.alias_region) IN ('uk', 'de', 'nl', 'fr', 'at', 'be', 'it', 'es')
                    THEN lower(s.alias_region) END AS alias_country,
               CASE WHEN s.alias_shipping_method IN ('dropoff', 'prepaid') THEN s.alias_shipping_method
                    ELSE 'dropoff' END AS alias_shipping_method,
               CASE WHEN s.stockx_shipping_fee BETWEEN 0 AND 50
                    THEN round(s.stockx_shipping_fee * 100)::bigint END AS stockx_shipping_minor,
               f.alias_seller_fee_minor, f.alias_cashout_bps
        FROM public.user_settings s
        %s
        LEFT JOIN market.fee_profiles f ON f.user_id = s.user_id$v$,
      CASE WHEN profiles THEN 'p.currency_pref' ELSE 'NULL::text' END,
      CASE WHEN profiles THEN 'p.currency_pref' ELSE 'NULL::text' END,
      CASE WHEN profiles THEN 'LEFT JOIN public.profiles p ON p.id = s.user_id' ELSE '' END);
  ELSE
    EXECUTE $v$
      CREATE OR REPLACE VIEW market.seller_settings AS
        SELECT f.user_id, f.region, f.currency, f.stockx_seller_level, f.alias_commission_bps,
               NULL::text AS alias_country, 'dropoff'::text AS alias_shipping_method,
               NULL::bigint AS stockx_shipping_minor, f.alias_seller_fee_minor, f.alias_cashout_bps
        FROM market.fee_profiles f$v$;
  END IF;

  -- Active listings per item (platform, price, currency).
  IF listings THEN
    EXECUTE $v$
      CREATE OR REPLACE VIEW market.listings WITH (security_invoker = true) AS
        SELECT item_id, user_id, lower(platform) AS platform, listed_price::numeric AS listed_price,
               upper(listed_currency) AS listed_currency
        FROM public.inventory_v4_listings WHERE status = 'active'$v$;
  ELSE
    EXECUTE $v$
      CREATE OR REPLACE VIEW market.listings AS
        SELECT NULL::uuid AS item_id, NULL::uuid AS user_id, NULL::text AS platform,
               NULL::numeric AS listed_price, NULL::text AS listed_currency
        WHERE false$v$;
  END IF;

  -- Styles the app's users own or catalogue, with the provider ids the app already holds.
  IF app AND catalog THEN
    EXECUTE $v$
      CREATE OR REPLACE VIEW market.app_styles AS
        SELECT market.normalize_style_code(c.style_id) AS style_code, c.brand, c.name, c.colorway,
               c.gender, c.release_date, c.retail_price_cents, c.primary_image_url,
               c.stockx_product_id::text AS stockx_product_id, c.stockx_url_key,
               nullif(btrim(c.alias_catalog_id), '') AS alias_catalog_id
        FROM public.inventory_v4_style_catalog c
        UNION ALL
        SELECT DISTINCT market.normalize_style_code(i.style_id), NULL, NULL, NULL, NULL, NULL::date,
               NULL::integer, NULL, NULL, NULL, NULL
        FROM public.inventory_v4_items i$v$;
  ELSE
    EXECUTE $v$
      CREATE OR REPLACE VIEW market.app_styles AS
        SELECT NULL::text AS style_code, NULL::text AS brand, NULL::text AS name,
               NULL::text AS colorway, NULL::text AS gender, NULL::date AS release_date,
               NULL::integer AS retail_price_cents, NULL::text AS primary_image_url,
               NULL::text AS stockx_product_id, NULL::text AS stockx_url_key,
               NULL::text AS alias_catalog_id
        WHERE false$v$;
  END IF;
  RETURN app;
END
$app$;
REVOKE ALL ON FUNCTION market.adopt_existing_app() FROM PUBLIC;

SELECT market.adopt_existing_app();

GRANT SELECT ON market.seller_defaults, market.seller_settings, market.listings TO authenticated;

-- The regions to sync beyond the configured ones: every region a seller who holds pairs sells in.
CREATE OR REPLACE VIEW market.seller_regions AS
  SELECT DISTINCT s.region FROM market.seller_settings s
  WHERE EXISTS (SELECT 1 FROM market.inventory i
                WHERE i.user_id = s.user_id AND i.status IN ('in_stock', 'consigned'));

-- Makes every app style a market product, with the provider ids the app already holds as matched
-- links (no search call); the catalogue's name, brand, colorway, image and retail fill what we lack.
-- A style whose code cannot be normalised is skipped (its items report `not_in_catalogue`).
-- Returns (products added, links added). Idempotent; called by the orchestrator's tick.
CREATE OR REPLACE FUNCTION market.import_app_styles(OUT products_added integer, OUT links_added integer)
  LANGUAGE plpgsql SET search_path = market, pg_temp AS $fn$
BEGIN
  WITH s AS (
    SELECT style_code,
           (array_agg(brand) FILTER (WHERE brand IS NOT NULL))[1] AS brand,
           (array_agg(name) FILTER (WHERE name IS NOT NULL))[1] AS name,
           (array_agg(colorway) FILTER (WHERE colorway IS NOT NULL))[1] AS colorway,
           (array_agg(lower(gender)) FILTER (WHERE gender IS NOT NULL))[1] AS gender,
           max(release_date) AS release_date,
           max(retail_price_cents) AS retail,
           (array_agg(primary_image_url) FILTER (WHERE primary_image_url ~ '^https?://'))[1] AS image
    FROM market.app_styles
    WHERE style_code ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$' AND length(style_code) BETWEEN 3 AND 32
    GROUP BY style_code
  ), ins AS (
    INSERT INTO market.products (style_code, brand, name, colorway, gender, release_date,
                                 retail_price_minor, retail_currency, image_url)
    SELECT style_code, left(coalesce(nullif(btrim(brand), ''), 'Unknown'), 100),
           left(coalesce(nullif(btrim(name), ''), style_code), 300), left(colorway, 300),
           CASE WHEN gender IN ('men', 'women', 'unisex', 'youth', 'child', 'preschool', 'toddler', 'infant')
                THEN gender ELSE 'men' END,
           release_date, CASE WHEN retail > 0 THEN retail END, CASE WHEN retail > 0 THEN 'USD' END, image
    FROM s
    ON CONFLICT (style_code) DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO products_added FROM ins;

  WITH ids AS (
    SELECT DISTINCT ON (p.id, x.marketplace_id) p.id AS product_id, x.marketplace_id, x.external_id,
           x.url_key
    FROM market.app_styles a
    JOIN market.products p ON p.style_code = a.style_code
    CROSS JOIN LATERAL (VALUES (1::smallint, a.stockx_product_id, a.stockx_url_key),
                               (2::smallint, a.alias_catalog_id, NULL)) x(marketplace_id, external_id, url_key)
    WHERE x.external_id IS NOT NULL AND length(x.external_id) <= 200
  ), ins AS (
    INSERT INTO market.marketplace_links (product_id, marketplace_id, status, external_id, url_key,
                                          confidence, matched_at)
    SELECT product_id, marketplace_id, 'matched', external_id, url_key, 1, now() FROM ids
    ON CONFLICT DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO links_added FROM ins;
END
$fn$;
