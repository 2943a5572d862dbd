-- Product-level market summary per marketplace x region, for catalogue listings and status pages.
-- Refreshed CONCURRENTLY after sync runs (readers are never blocked); the unique index is what
-- REFRESH ... CONCURRENTLY requires.
CREATE MATERIALIZED VIEW market.product_market_summary AS
  SELECT sv.product_id,
         lp.marketplace_id,
         lp.region,
         lp.currency,
         min(lp.ask_minor)                                  AS lowest_ask_minor,
         max(lp.bid_minor)                                  AS highest_bid_minor,
         count(*) FILTER (WHERE lp.ask_minor IS NOT NULL)   AS sizes_with_ask,
         count(*)                                           AS sizes_observed,
         max(lp.observed_at)                                AS observed_at,
         max(lp.changed_at)                                 AS changed_at
  FROM market.latest_prices lp
  JOIN market.size_variants sv ON sv.id = lp.variant_id
  GROUP BY sv.product_id, lp.marketplace_id, lp.region, lp.currency;

CREATE UNIQUE INDEX product_market_summary_key
  ON market.product_market_summary (product_id, marketplace_id, region, currency);

GRANT SELECT ON market.product_market_summary TO anon, authenticated;

-- Called by the cleanup job after sync runs.
CREATE FUNCTION market.refresh_product_market_summary() RETURNS void
  LANGUAGE sql
  AS $$ REFRESH MATERIALIZED VIEW CONCURRENTLY market.product_market_summary $$;
