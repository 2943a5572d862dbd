-- Row-level security, the Supabase way: policies compare `(select auth.uid())` (evaluated once per
-- statement, not per row) with the row's user_id.
--
-- User-owned tables: each user sees and writes only their own rows.
-- Catalogue and price tables: readable by everyone (public market data), written only by the
-- functions (the owner role). Bookkeeping and credentials: no access at all for anon/authenticated.

GRANT USAGE ON SCHEMA market TO anon, authenticated, service_role;

-- User-owned ----------------------------------------------------------------------------------------
ALTER TABLE market.inventory_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY inventory_items_select_own ON market.inventory_items
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY inventory_items_insert_own ON market.inventory_items
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY inventory_items_update_own ON market.inventory_items
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY inventory_items_delete_own ON market.inventory_items
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON market.inventory_items TO authenticated;
GRANT SELECT ON market.inventory TO authenticated;

ALTER TABLE market.fee_profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY fee_profiles_select_own ON market.fee_profiles
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY fee_profiles_insert_own ON market.fee_profiles
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY fee_profiles_update_own ON market.fee_profiles
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY fee_profiles_delete_own ON market.fee_profiles
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON market.fee_profiles TO authenticated;

-- Public market data ------------------------------------------------------------------------------
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['marketplaces', 'currencies', 'products', 'size_variants', 'latest_prices',
                           'daily_rollups', 'price_history', 'fx_rates']
  LOOP
    EXECUTE format('ALTER TABLE market.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON market.%I FOR SELECT TO anon, authenticated USING (true)', t || '_read_all', t);
    EXECUTE format('GRANT SELECT ON market.%I TO anon, authenticated', t);
  END LOOP;

  -- Internal: RLS on, no policy, no grant.
  FOREACH t IN ARRAY ARRAY['marketplace_links', 'variant_links', 'sync_runs', 'sync_jobs',
                           'marketplace_credentials', 'rate_limits']
  LOOP
    EXECUTE format('ALTER TABLE market.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON market.%I FROM anon, authenticated', t);
  END LOOP;
END
$rls$;
