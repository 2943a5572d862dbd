-- When each product was last observed on each marketplace and region. latest_prices rows are only
-- rewritten when a value changes (no write amplification for unchanged prices), so the age of a
-- price ("as of") comes from here: one row per product x marketplace x region, touched once per sync.
CREATE TABLE market.market_observations (
  product_id      integer NOT NULL REFERENCES market.products (id) ON DELETE CASCADE,
  marketplace_id  smallint NOT NULL REFERENCES market.marketplaces (id),
  region          text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency        text NOT NULL REFERENCES market.currencies (code),
  observed_at     timestamptz NOT NULL,
  sizes_reported  integer NOT NULL CHECK (sizes_reported >= 0),
  sizes_unmapped  integer NOT NULL DEFAULT 0 CHECK (sizes_unmapped >= 0),
  PRIMARY KEY (product_id, marketplace_id, region)
);
ALTER TABLE market.market_observations ENABLE ROW LEVEL SECURITY;
CREATE POLICY market_observations_read_all ON market.market_observations FOR SELECT TO anon, authenticated USING (true);
GRANT SELECT ON market.market_observations TO anon, authenticated;
