-- The seller's settings (the app's user_settings, or our fee_profiles on a standalone install),
-- else the install's defaults. alias_country, alias_shipping_method and stockx_shipping_minor
-- (pence: the app's StockX shipping fee is in pounds) are the app's settings; the views give
-- NULL / 'dropoff' where the app is not installed.
own AS (
  SELECT region, currency, stockx_seller_level, alias_commission_bps, alias_seller_fee_minor,
         alias_cashout_bps, alias_country, alias_shipping_method, stockx_shipping_minor,
         false AS is_default
  FROM market.seller_settings WHERE user_id = $1
), prof AS (
  SELECT * FROM own
  UNION ALL
  SELECT region, currency, stockx_seller_level, alias_commission_bps, NULL::bigint, NULL::integer,
         alias_country, alias_shipping_method, stockx_shipping_minor, true
  FROM market.seller_defaults WHERE NOT EXISTS (SELECT 1 FROM own)
)
