-- The market-data backend's own schema. It lives beside the existing app's tables in `public` and
-- never touches them. Every table is new (and empty) when this runs, so plain CREATE INDEX is safe
-- here; later migrations on populated tables build indexes CONCURRENTLY.
--
-- Conventions: money is integer minor units (bigint) plus an ISO 4217 currency code; NULL means
-- "no data" (never 0); sizes carry their system; every time is timestamptz (UTC).

CREATE SCHEMA IF NOT EXISTS market;
COMMENT ON SCHEMA market IS 'Market-data backend: catalogue, marketplace links, prices, sync bookkeeping, inventory view';

-- Reference data ---------------------------------------------------------------------------------

CREATE TABLE market.marketplaces (
  id   smallint PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  name text NOT NULL
);
INSERT INTO market.marketplaces (id, code, name) VALUES
  (1, 'stockx', 'StockX'),
  (2, 'alias', 'Alias (GOAT)');

CREATE TABLE market.currencies (
  code         text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  minor_digits smallint NOT NULL CHECK (minor_digits BETWEEN 0 AND 4)
);
INSERT INTO market.currencies (code, minor_digits) VALUES
  ('USD', 2), ('EUR', 2), ('GBP', 2), ('JPY', 0), ('KRW', 0), ('AUD', 2), ('CAD', 2), ('CHF', 2),
  ('HKD', 2), ('SGD', 2), ('NZD', 2), ('MXN', 2), ('CNY', 2), ('SEK', 2), ('NOK', 2), ('DKK', 2),
  ('PLN', 2);

-- Catalogue --------------------------------------------------------------------------------------

CREATE TABLE market.products (
  id                 integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Natural key: upper case, groups joined by '-' ("DZ5485-612"; Alias writes "DZ5485 612").
  style_code         text NOT NULL UNIQUE
                       CHECK (style_code ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$' AND length(style_code) BETWEEN 3 AND 32),
  -- The style code without separators, for search in any spacing/hyphen form.
  style_key          text GENERATED ALWAYS AS (replace(style_code, '-', '')) STORED,
  brand              text NOT NULL CHECK (length(brand) BETWEEN 1 AND 100),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  colorway           text CHECK (length(colorway) <= 300),
  gender             text NOT NULL DEFAULT 'men'
                       CHECK (gender IN ('men', 'women', 'unisex', 'youth', 'child', 'preschool', 'toddler', 'infant')),
  release_date       date,
  retail_price_minor bigint CHECK (retail_price_minor > 0),
  retail_currency    text REFERENCES market.currencies (code),
  image_url          text CHECK (image_url ~ '^https?://'),
  -- Sync bookkeeping. The tier is recomputed from data by the orchestrator (inventory, page views).
  tier               text NOT NULL DEFAULT 'cold' CHECK (tier IN ('hot', 'warm', 'cold')),
  tier_changed_at    timestamptz,
  last_viewed_at     timestamptz,
  last_synced_at     timestamptz,
  next_due_at        timestamptz NOT NULL DEFAULT now(),
  sync_failures      integer NOT NULL DEFAULT 0 CHECK (sync_failures >= 0),
  search_tsv         tsvector GENERATED ALWAYS AS (
                       to_tsvector('simple', coalesce(brand, '') || ' ' || coalesce(name, '') || ' ' || coalesce(colorway, ''))
                     ) STORED,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT products_retail_has_currency CHECK ((retail_price_minor IS NULL) = (retail_currency IS NULL))
);
CREATE INDEX products_style_key_prefix ON market.products (style_key text_pattern_ops);
CREATE INDEX products_search_tsv ON market.products USING gin (search_tsv);
CREATE INDEX products_brand ON market.products (lower(brand), id);
CREATE INDEX products_tier_due ON market.products (tier, next_due_at);

-- One row per size a product is sold in. The size is explicit about its system; conversions to the
-- other systems are filled in from the marketplace size chart when mapped, else from our table.
CREATE TABLE market.size_variants (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id  integer NOT NULL REFERENCES market.products (id) ON DELETE CASCADE,
  size_system text NOT NULL CHECK (size_system IN ('us_m', 'us_w', 'us_y', 'us_c', 'uk', 'eu')),
  size_value  numeric(4, 1) NOT NULL CHECK (size_value > 0 AND size_value < 60),
  us_m        numeric(4, 1) CHECK (us_m > 0),
  us_w        numeric(4, 1) CHECK (us_w > 0),
  uk          numeric(4, 1) CHECK (uk > 0),
  eu          numeric(5, 2) CHECK (eu > 0),
  cm          numeric(4, 1) CHECK (cm > 0),
  source      text NOT NULL DEFAULT 'standard_run' CHECK (source IN ('standard_run', 'stockx', 'alias')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (product_id, size_system, size_value)
);

-- Marketplace ids per product, with the outcome of matching on the normalized style code.
CREATE TABLE market.marketplace_links (
  product_id           integer NOT NULL REFERENCES market.products (id) ON DELETE CASCADE,
  marketplace_id       smallint NOT NULL REFERENCES market.marketplaces (id),
  status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'matched', 'needs_review', 'not_found', 'gone')),
  external_id          text CHECK (length(external_id) BETWEEN 1 AND 200),  -- StockX productId / Alias catalog_id
  url_key              text,
  confidence           numeric(3, 2) CHECK (confidence BETWEEN 0 AND 1),
  candidates           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(candidates) = 'array'),
  unmapped_sizes       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(unmapped_sizes) = 'array'),
  matched_at           timestamptz,
  variants_mapped_at   timestamptz,
  last_synced_at       timestamptz,
  next_due_at          timestamptz NOT NULL DEFAULT now(),
  consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  last_error_kind      text,
  last_error           text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, marketplace_id),
  CONSTRAINT marketplace_links_matched_has_id CHECK (status <> 'matched' OR external_id IS NOT NULL)
);
CREATE UNIQUE INDEX marketplace_links_external ON market.marketplace_links (marketplace_id, external_id)
  WHERE status = 'matched';
CREATE INDEX marketplace_links_due ON market.marketplace_links (marketplace_id, next_due_at);

-- Marketplace variant ids per size: StockX variantId; Alias has none, so its pricing size (the US
-- size equivalent, as text) identifies the variant within the product.
CREATE TABLE market.variant_links (
  variant_id          integer NOT NULL REFERENCES market.size_variants (id) ON DELETE CASCADE,
  marketplace_id      smallint NOT NULL REFERENCES market.marketplaces (id),
  external_variant_id text NOT NULL CHECK (length(external_variant_id) BETWEEN 1 AND 100),
  size_label          text,
  PRIMARY KEY (variant_id, marketplace_id)
);
CREATE INDEX variant_links_external ON market.variant_links (marketplace_id, external_variant_id);

-- Prices -----------------------------------------------------------------------------------------

-- Raw observations, one row per variant x marketplace x region, written only when a value changed
-- since the previous observation. Partitioned by day (UTC) so retention is a cheap DROP.
CREATE TABLE market.price_history (
  variant_id      integer NOT NULL,
  marketplace_id  smallint NOT NULL,
  region          text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  captured_at     timestamptz NOT NULL,
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  ask_minor       bigint CHECK (ask_minor > 0),
  bid_minor       bigint CHECK (bid_minor > 0),
  last_sale_minor bigint CHECK (last_sale_minor > 0),
  PRIMARY KEY (variant_id, marketplace_id, region, captured_at)
) PARTITION BY RANGE (captured_at);
COMMENT ON TABLE market.price_history IS
  'Changed observations only; partitions price_history_YYYYMMDD are managed by ensure_/drop_price_history_partitions';

CREATE TABLE market.latest_prices (
  variant_id      integer NOT NULL REFERENCES market.size_variants (id) ON DELETE CASCADE,
  marketplace_id  smallint NOT NULL REFERENCES market.marketplaces (id),
  region          text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  currency        text NOT NULL REFERENCES market.currencies (code),
  ask_minor       bigint CHECK (ask_minor > 0),
  bid_minor       bigint CHECK (bid_minor > 0),
  last_sale_minor bigint CHECK (last_sale_minor > 0),
  observed_at     timestamptz NOT NULL,   -- last time the marketplace was asked
  changed_at      timestamptz NOT NULL,   -- last time any value changed
  PRIMARY KEY (variant_id, marketplace_id, region),
  CONSTRAINT latest_prices_changed_not_after_observed CHECK (changed_at <= observed_at)
);

-- One row per variant x marketplace x region x UTC day; kept much longer than raw history.
CREATE TABLE market.daily_rollups (
  variant_id      integer NOT NULL REFERENCES market.size_variants (id) ON DELETE CASCADE,
  marketplace_id  smallint NOT NULL REFERENCES market.marketplaces (id),
  region          text NOT NULL CHECK (region IN ('US', 'UK', 'EU')),
  day             date NOT NULL,
  currency        text NOT NULL REFERENCES market.currencies (code),
  open_ask_minor  bigint CHECK (open_ask_minor > 0),
  low_ask_minor   bigint CHECK (low_ask_minor > 0),
  high_ask_minor  bigint CHECK (high_ask_minor > 0),
  close_ask_minor bigint CHECK (close_ask_minor > 0),
  close_bid_minor bigint CHECK (close_bid_minor > 0),
  last_sale_minor bigint CHECK (last_sale_minor > 0),
  observations    integer NOT NULL DEFAULT 1 CHECK (observations > 0),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (variant_id, marketplace_id, region, day),
  CONSTRAINT daily_rollups_low_le_high CHECK (low_ask_minor IS NULL OR high_ask_minor IS NULL OR low_ask_minor <= high_ask_minor)
);
CREATE INDEX daily_rollups_day ON market.daily_rollups (day);

-- FX: ECB euro reference rates (1 EUR = rate QUOTE). Quotes stay in their native currency and are
-- converted at read time.
CREATE TABLE market.fx_rates (
  rate_date  date NOT NULL,
  base       text NOT NULL DEFAULT 'EUR' REFERENCES market.currencies (code),
  quote      text NOT NULL REFERENCES market.currencies (code),
  rate       numeric(18, 8) NOT NULL CHECK (rate > 0),
  source     text NOT NULL DEFAULT 'ecb',
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rate_date, base, quote),
  CHECK (base <> quote)
);

-- Sync bookkeeping -------------------------------------------------------------------------------

CREATE TABLE market.sync_runs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('tick', 'cleanup', 'on_demand')),
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  jobs_planned  integer NOT NULL DEFAULT 0 CHECK (jobs_planned >= 0),
  jobs_enqueued integer NOT NULL DEFAULT 0 CHECK (jobs_enqueued >= 0),
  summary       jsonb NOT NULL DEFAULT '{}',
  error         text
);
CREATE INDEX sync_runs_started ON market.sync_runs (started_at DESC);

CREATE TABLE market.sync_jobs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id         bigint REFERENCES market.sync_runs (id) ON DELETE SET NULL,
  product_id     integer NOT NULL REFERENCES market.products (id) ON DELETE CASCADE,
  marketplace_id smallint NOT NULL REFERENCES market.marketplaces (id),
  kind           text NOT NULL CHECK (kind IN ('map', 'prices')),
  status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
  priority       smallint NOT NULL DEFAULT 0,
  attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  enqueued_at    timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  duration_ms    integer CHECK (duration_ms >= 0),
  rows_written   integer CHECK (rows_written >= 0),
  error_kind     text CHECK (error_kind IN ('rate_limited', 'retryable', 'permanent', 'not_found', 'auth',
                                            'unmappable', 'malformed', 'disabled', 'lost', 'internal')),
  error_message  text CHECK (length(error_message) <= 2000)
);
-- The guard that keeps two overlapping orchestrator ticks (or an on-demand request) from
-- enqueueing the same work twice: at most one open job per product x marketplace x kind.
CREATE UNIQUE INDEX sync_jobs_one_open ON market.sync_jobs (product_id, marketplace_id, kind)
  WHERE status IN ('queued', 'running');
CREATE INDEX sync_jobs_run ON market.sync_jobs (run_id);
CREATE INDEX sync_jobs_recent_status ON market.sync_jobs (status, finished_at);

-- Marketplace credentials shared by every Lambda instance (StockX refresh tokens rotate). Readable
-- only by the owner role the functions connect as: RLS is on and no policy grants anything.
CREATE TABLE market.marketplace_credentials (
  marketplace_id          smallint PRIMARY KEY REFERENCES market.marketplaces (id),
  refresh_token           text,
  access_token            text,
  access_token_expires_at timestamptz,
  needs_reauth            boolean NOT NULL DEFAULT false,
  reauth_reason           text,
  rotated_at              timestamptz,
  updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Rate limits shared by every worker instance: each request reserves the next slot atomically.
CREATE TABLE market.rate_limits (
  marketplace_id   smallint PRIMARY KEY REFERENCES market.marketplaces (id),
  min_interval_ms  integer NOT NULL CHECK (min_interval_ms > 0),
  daily_limit      integer NOT NULL CHECK (daily_limit > 0),
  next_slot_at     timestamptz NOT NULL DEFAULT now(),
  day              date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
  used_today       integer NOT NULL DEFAULT 0 CHECK (used_today >= 0),
  blocked_until    timestamptz,
  throttled_today  integer NOT NULL DEFAULT 0 CHECK (throttled_today >= 0)
);
-- StockX: 1 request/s and 25,000 per UTC day per API key. 1,050 ms leaves room for network jitter
-- so arrivals at the gateway stay at least a second apart. Alias publishes no numbers: 4/s.
INSERT INTO market.rate_limits (marketplace_id, min_interval_ms, daily_limit) VALUES
  (1, 1050, 25000),
  (2, 250, 100000);

-- Users ------------------------------------------------------------------------------------------

CREATE TABLE market.fee_profiles (
  user_id                  uuid PRIMARY KEY,
  region                   text NOT NULL DEFAULT 'US' CHECK (region IN ('US', 'UK', 'EU')),
  currency                 text NOT NULL DEFAULT 'USD' CHECK (currency IN ('USD', 'GBP', 'EUR')),
  stockx_seller_level      smallint NOT NULL DEFAULT 1 CHECK (stockx_seller_level BETWEEN 1 AND 5),
  alias_commission_bps     integer NOT NULL DEFAULT 950 CHECK (alias_commission_bps BETWEEN 0 AND 5000),
  alias_seller_fee_minor   bigint CHECK (alias_seller_fee_minor >= 0),   -- USD cents; NULL = regional default
  alias_cashout_bps        integer NOT NULL DEFAULT 290 CHECK (alias_cashout_bps BETWEEN 0 AND 5000),
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now()
);

-- The existing app keeps inventory in public.inventory_v4_items. Our code reads inventory only
-- through the view market.inventory, which has exactly that table's column contract. Standalone
-- installs get this table behind the view; pointing the view at the existing table is one
-- migration (CREATE OR REPLACE VIEW market.inventory ... FROM public.inventory_v4_items).
CREATE TABLE market.inventory_items (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL,
  style_id          text NOT NULL CHECK (length(style_id) BETWEEN 1 AND 64),
  size              text NOT NULL CHECK (length(size) BETWEEN 1 AND 16),
  size_unit         text NOT NULL DEFAULT 'US' CHECK (size_unit IN ('US', 'UK', 'EU')),
  purchase_price    numeric(10, 2) CHECK (purchase_price >= 0),
  purchase_currency text CHECK (purchase_currency IN ('GBP', 'USD', 'EUR')),
  purchase_date     date,
  condition         text,
  status            text NOT NULL DEFAULT 'in_stock' CHECK (status IN ('in_stock', 'consigned', 'sold', 'removed')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_items_user ON market.inventory_items (user_id, created_at);
CREATE INDEX inventory_items_style_open ON market.inventory_items (style_id) WHERE status IN ('in_stock', 'consigned');

CREATE VIEW market.inventory WITH (security_invoker = true) AS
  SELECT id, user_id, style_id, size, size_unit, purchase_price, purchase_currency, purchase_date,
         condition, status, created_at, updated_at
  FROM market.inventory_items;
COMMENT ON VIEW market.inventory IS
  'The one inventory contract our code reads (columns of inventory_v4_items). security_invoker keeps the base table''s RLS in force.';

-- Normalizes a style code the way products.style_code stores it: "dz5485 612" -> "DZ5485-612".
CREATE FUNCTION market.normalize_style_code(raw text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT nullif(btrim(regexp_replace(upper(raw), '[^A-Z0-9]+', '-', 'g'), '-'), '') $$;
