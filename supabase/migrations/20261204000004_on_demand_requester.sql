-- Who asked for an on-demand sync job (NULL: planned by the orchestrator), so each user's and the
-- whole install's on-demand use can be bounded per day. A nullable column without a default is a
-- catalogue change only (no table rewrite); the partial index covers just today's few rows.
SET LOCAL lock_timeout = '5s';
ALTER TABLE market.sync_jobs ADD COLUMN IF NOT EXISTS requested_by uuid;
CREATE INDEX IF NOT EXISTS sync_jobs_on_demand ON market.sync_jobs (requested_by, enqueued_at)
  WHERE requested_by IS NOT NULL;
