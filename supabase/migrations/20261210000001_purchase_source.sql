-- Where each pair was bought (`purchase_source`, e.g. "Nike SNKRS", "eBay"): the app's inventory
-- screens show it, so the inventory contract (the view market.inventory) gains the column.
--
-- Our standalone table gets a nullable column (a catalogue-only change, no rewrite; the lock is on
-- our own table, never the app's). market.adopt_existing_app() is redefined whole, because its
-- inventory view now has one more column: a view can gain columns at the end but not lose them, so
-- the old definition could no longer be re-run by an operator. Everything else in it is as in
-- 20261204000003_existing_app.sql.
SET LOCAL lock_timeout = '5s';

ALTER TABLE market.inventory_items ADD COLUMN IF NOT EXISTS purchase_source text
  CHECK (length(purchase_source) <= 200);

CREATE OR REPLACE FUNCTION market.adopt_existing_app() RETURNS boolean
  LANGUAGE plpgsql SET search_path = market, pg_temp AS $app$
DECLARE
  app boolean := to_regclass('public.inventory_v4_items') IS NOT NULL;
  settings boolean := to_regclass('public.user_settings') IS NOT NULL;
  profiles boolean := to_regclass('public.profiles') IS NOT NULL;
  catalog boolean := to_regclass('public.inventory_v4_style_catalog') IS NOT NULL;
  listings boolean := to_regclass('public.inventory_v4_listings') IS NOT NULL;
  -- The app's table has had purchase_source since before this backend; an older copy without it
  -- still adopts (the column reads NULL) rather than failing the migration.
  source boolean := app AND EXISTS (SELECT 1 FROM pg_attribute
                                    WHERE attrelid = to_regclass('public.inventory_v4_items')
                                      AND attname = 'purchase_source' AND NOT attisdropped);
BEGIN
  -- Inventory: the app's table when present (same column contract), ours otherwise. Columns are
  -- only ever appended (CREATE OR REPLACE VIEW cannot drop or reorder them).
  IF app THEN
    EXECUTE format($v$
      CREATE OR REPLACE VIEW market.inventory WITH (security_invoker = true) AS
        SELECT id, user_id, style_id, size, size_unit, purchase_price, purchase_currency,
               purchase_date, condition, status, created_at, updated_at, %s AS purchase_source
        FROM public.inventory_v4_items$v$,
      CASE WHEN source THEN 'purchase_source' ELSE 'NULL::text' END);
  ELSE
    EXECUTE $v$
      CREATE OR REPLACE VIEW market.inventory WITH (security_invoker = true) AS
        SELECT id, user_id, style_id, size, size_unit, purchase_price, purchase_currency,
               purchase_date, condition, status, created_at, updated_at, purchase_source
        FROM market.inventory_items$v$;
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
