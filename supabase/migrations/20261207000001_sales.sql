-- Sales from Alias's `recent_sales` (one call per product x size x region; StockX's public API has
-- no sales history). Each sale is stored once under its natural key, so re-fetching an overlapping
-- window inserts nothing twice; daily aggregates per product and per size are updated in the same
-- statement from exactly the rows that were new (see `shared/src/sync/sales/store.rs`), so they stay
-- exact without re-reading raw sales, which are kept for a shorter window than the aggregates.
-- New tables plus a widened CHECK on our own `sync_jobs`: nothing the existing app reads is locked.
SET LOCAL lock_timeout = '5s';

-- Raw sales. Column order puts the 8-byte and 4-byte fields first so rows carry no padding.
CREATE TABLE IF NOT EXISTS market.sales (
  purchased_at   timestamptz NOT NULL,
  variant_id     integer NOT NULL REFERENCES market.size_variants (id) ON DELETE CASCADE,
  price_minor    integer NOT NULL CHECK (price_minor > 0),
  marketplace_id smallint NOT NULL REFERENCES market.marketplaces (id),
  consigned      boolean NOT NULL,
  region         text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- The natural key: (catalog, size) is the variant; a sale is its time, price and consignment.
  PRIMARY KEY (variant_id, marketplace_id, region, purchased_at, price_minor, consigned)
);
COMMENT ON TABLE market.sales IS
  'One row per marketplace sale (natural key); kept SALES_RETENTION_DAYS, aggregates kept longer';

-- Daily aggregates per size: charts per size and each size's last sale after raw rows expire.
CREATE TABLE IF NOT EXISTS market.sales_daily_sizes (
  last_at        timestamptz NOT NULL,
  sum_minor      bigint NOT NULL CHECK (sum_minor > 0),
  day            date NOT NULL,
  variant_id     integer NOT NULL REFERENCES market.size_variants (id) ON DELETE CASCADE,
  sales          integer NOT NULL CHECK (sales > 0),
  min_minor      integer NOT NULL CHECK (min_minor > 0),
  max_minor      integer NOT NULL CHECK (max_minor >= min_minor),
  last_minor     integer NOT NULL CHECK (last_minor > 0),
  marketplace_id smallint NOT NULL REFERENCES market.marketplaces (id),
  region         text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  PRIMARY KEY (variant_id, marketplace_id, region, day)
);

-- Daily aggregates per product: the sales chart (7 d to all time) reads one row per day.
CREATE TABLE IF NOT EXISTS market.sales_daily (
  last_at        timestamptz NOT NULL,
  sum_minor      bigint NOT NULL CHECK (sum_minor > 0),
  day            date NOT NULL,
  product_id     integer NOT NULL REFERENCES market.products (id) ON DELETE CASCADE,
  sales          integer NOT NULL CHECK (sales > 0),
  min_minor      integer NOT NULL CHECK (min_minor > 0),
  max_minor      integer NOT NULL CHECK (max_minor >= min_minor),
  last_minor     integer NOT NULL CHECK (last_minor > 0),
  marketplace_id smallint NOT NULL REFERENCES market.marketplaces (id),
  region         text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  PRIMARY KEY (product_id, marketplace_id, region, day)
);

-- When each product's sales were last fetched, when they are due again, and when every size (not
-- only the ones that sold recently) was last walked. A walk cut short by its time budget records
-- where to go on (`resume_region`, `resume_from_variant`) and is due again at once.
CREATE TABLE IF NOT EXISTS market.sales_sync (
  product_id           integer PRIMARY KEY REFERENCES market.products (id) ON DELETE CASCADE,
  synced_at            timestamptz NOT NULL,
  full_walk_at         timestamptz NOT NULL,
  next_due_at          timestamptz NOT NULL,
  resume_region        text CHECK (resume_region IN ('US', 'UK', 'EU')),
  resume_from_variant  integer,
  last_result          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS sales_sync_due ON market.sales_sync (next_due_at);

-- Sales jobs, and the provider calls each job made (planned estimate until it finishes), which
-- the planner sums against the daily sales budget.
ALTER TABLE market.sync_jobs DROP CONSTRAINT IF EXISTS sync_jobs_kind_check;
ALTER TABLE market.sync_jobs ADD CONSTRAINT sync_jobs_kind_check
  CHECK (kind IN ('map', 'prices', 'sales')) NOT VALID;
ALTER TABLE market.sync_jobs VALIDATE CONSTRAINT sync_jobs_kind_check;
ALTER TABLE market.sync_jobs ADD COLUMN IF NOT EXISTS calls integer CHECK (calls >= 0);

-- Sales are public market data like prices (readable by everyone, written only by the functions).
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sales', 'sales_daily_sizes', 'sales_daily']
  LOOP
    EXECUTE format('ALTER TABLE market.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON market.%I FOR SELECT TO anon, authenticated USING (true)', t || '_read_all', t);
    EXECUTE format('GRANT SELECT ON market.%I TO anon, authenticated', t);
  END LOOP;
  -- When a product's sales were fetched is public (the inventory, read as the user, shows it);
  -- the job's result stays internal.
  ALTER TABLE market.sales_sync ENABLE ROW LEVEL SECURITY;
  REVOKE ALL ON market.sales_sync FROM anon, authenticated;
  CREATE POLICY sales_sync_read_all ON market.sales_sync FOR SELECT TO anon, authenticated USING (true);
  GRANT SELECT (product_id, synced_at) ON market.sales_sync TO anon, authenticated;
END
$rls$;
