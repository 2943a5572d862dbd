-- The second of the inventory's two reads: the latest quotes ($1, the sizes the pairs matched) and
-- sales ($2, those of them whose product's sales were fetched) in the requested market ($3), per
-- marketplace that reports sales ($4). Every lookup is by primary key, so the cost follows the
-- pairs, not the products' whole size runs. Prices and sales come back as one binary array per
-- column (see `market.inventory_read`).
WITH lp AS (
  SELECT l.variant_id, l.marketplace_id, l.currency, l.ask_minor, l.bid_minor, l.last_sale_minor,
         l.observed_at, l.changed_at
  FROM unnest($1::int4[]) AS t(variant_id)
  -- OFFSET 0 keeps this a lookup per size: flattened into a join, the planner hashes the whole
  -- market's latest_prices (24,000 rows at 500 products) to find ~1,500 (10 ms against 5 ms).
  CROSS JOIN LATERAL (
    SELECT l.* FROM market.latest_prices l
    WHERE l.variant_id = t.variant_id AND l.region = $3
    OFFSET 0) l
), size_sales AS (
  -- Each size's last sale (the newest daily aggregate keeps its time and price) and its 72-hour
  -- and 30-day volume (raw sales). The newest day per marketplace is one backward step on the
  -- primary key (variant, marketplace, region, day), not a sort of the size's 90 days.
  SELECT d.variant_id, d.marketplace_id, d.currency, d.last_minor AS amount_minor,
         d.last_at AS purchased_at, v.volume_72h, v.volume_30d,
         v.volumes_until
  FROM unnest($2::int4[]) AS t(variant_id)
  CROSS JOIN unnest($4::int2[]) AS m(marketplace_id)
  CROSS JOIN LATERAL (
    SELECT d.variant_id, d.marketplace_id, d.region, d.currency, d.last_minor, d.last_at
    FROM market.sales_daily_sizes d
    WHERE d.variant_id = t.variant_id AND d.marketplace_id = m.marketplace_id AND d.region = $3
    ORDER BY d.day DESC
    LIMIT 1) d
  CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE s.purchased_at > now() - interval '72 hours') AS volume_72h,
           count(*) AS volume_30d,
           -- When the counts would next change with no new sale: the oldest sale in a window
           -- leaves it (the API keeps the counts until then; see `quotes.rs`).
           least(min(s.purchased_at) FILTER (WHERE s.purchased_at > now() - interval '72 hours')
                   + interval '72 hours',
                 min(s.purchased_at) + interval '30 days') AS volumes_until
    FROM market.sales s
    WHERE s.variant_id = d.variant_id AND s.marketplace_id = d.marketplace_id AND s.region = d.region
      AND s.purchased_at > now() - interval '30 days') v
)
SELECT s.*, p.*
FROM (SELECT coalesce(array_agg(variant_id), '{}') AS s_variant,
             coalesce(array_agg(marketplace_id), '{}') AS s_marketplace,
             coalesce(array_agg(currency), '{}') AS s_currency,
             coalesce(array_agg(amount_minor::int8), '{}') AS s_amount,
             coalesce(array_agg(purchased_at), '{}') AS s_purchased_at,
             coalesce(array_agg(volume_72h), '{}') AS s_volume_72h,
             coalesce(array_agg(volume_30d), '{}') AS s_volume_30d,
             coalesce(array_agg(volumes_until), '{}') AS s_volumes_until
      FROM size_sales) s
CROSS JOIN (SELECT coalesce(array_agg(variant_id), '{}') AS p_variant,
             coalesce(array_agg(marketplace_id), '{}') AS p_marketplace,
             coalesce(array_agg(currency), '{}') AS p_currency,
             coalesce(array_agg(ask_minor), '{}') AS p_ask,
             coalesce(array_agg(bid_minor), '{}') AS p_bid,
             coalesce(array_agg(last_sale_minor), '{}') AS p_last_sale,
             coalesce(array_agg(observed_at), '{}') AS p_observed_at,
             coalesce(array_agg(changed_at), '{}') AS p_changed_at
      FROM lp) p
