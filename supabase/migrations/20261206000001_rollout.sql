-- The per-user rollout of this backend in the existing app: one row holding the share of users
-- (0-100 %) who use it, an allow-list that always does, and a kill switch that sends everyone back
-- to the app's own sync. Which side a user is on is decided in `shared/src/core/rollout.rs` (a
-- stable bucket per user id); `market rollout` changes the row. A new, small table: nothing the
-- app reads is locked.
SET LOCAL lock_timeout = '5s';
CREATE TABLE IF NOT EXISTS market.rollout (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  percent     smallint NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
  allow_list  uuid[] NOT NULL DEFAULT '{}',
  kill_switch boolean NOT NULL DEFAULT false,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO market.rollout (id) VALUES (true) ON CONFLICT (id) DO NOTHING;

-- Internal, like the other bookkeeping tables: RLS on, no policy, no grant.
ALTER TABLE market.rollout ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON market.rollout FROM anon, authenticated;
