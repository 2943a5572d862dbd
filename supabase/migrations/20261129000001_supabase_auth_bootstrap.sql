-- Supabase's auth pieces that our row-level security relies on: the roles `anon`, `authenticated`
-- and `service_role`, and the functions auth.uid(), auth.role() and auth.jwt().
-- On Supabase all of them already exist (owned by Supabase), so every statement here is guarded
-- and the migration is a no-op there. On a plain PostgreSQL it provides compatible versions that
-- read the same `request.jwt.claims` setting PostgREST and our inventory-api set.

DO $bootstrap$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
EXCEPTION
  -- Roles are cluster-wide: another database of the same cluster may create them at the same moment.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$bootstrap$;

DO $bootstrap$
BEGIN
  IF to_regnamespace('auth') IS NULL THEN
    CREATE SCHEMA auth;
    GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
  END IF;

  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb
      LANGUAGE sql STABLE
      AS $fn$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $fn$;
    GRANT EXECUTE ON FUNCTION auth.jwt() TO anon, authenticated, service_role;
  END IF;

  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid
      LANGUAGE sql STABLE
      AS $fn$
        SELECT nullif(coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                               auth.jwt() ->> 'sub'), '')::uuid
      $fn$;
    GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role;
  END IF;

  IF to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text
      LANGUAGE sql STABLE
      AS $fn$
        SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                        auth.jwt() ->> 'role')
      $fn$;
    GRANT EXECUTE ON FUNCTION auth.role() TO anon, authenticated, service_role;
  END IF;
END
$bootstrap$;
