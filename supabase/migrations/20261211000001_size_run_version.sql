-- A version per product's size run (`products.sizes_version`), bumped whenever one of its
-- size_variants rows is inserted, deleted or changed. The inventory API keeps the size runs it has
-- read in memory and re-reads a product's run only when its version moved: at 1,000 pairs the runs
-- are ~10,000 rows, the largest part of the inventory's first read, and they change only when a
-- marketplace maps a product's sizes.
--
-- The bump is a trigger, not a line in the sync's write, so that every writer (the sync's
-- `write_variants`, the catalogue seed, an operator's fix by hand, a product's cascade) keeps the
-- version honest. The sync rewrites a product's sizes on every mapping (its upsert always takes
-- the DO UPDATE branch), so an update bumps only when a row's content differs from before.
--
-- Adding a column with a constant default is a catalogue-only change (no rewrite); the lock is on
-- our own table, held for milliseconds, never on the app's tables.
SET LOCAL lock_timeout = '5s';

ALTER TABLE market.products ADD COLUMN IF NOT EXISTS sizes_version bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION market.bump_sizes_version() RETURNS trigger
  LANGUAGE plpgsql SET search_path = market, pg_temp AS $fn$
BEGIN
  -- Each event has its own trigger (a trigger with transition tables has one event), so only the
  -- transition tables of TG_OP exist here; PL/pgSQL plans a statement when it first runs it.
  IF TG_OP = 'INSERT' THEN
    UPDATE market.products p SET sizes_version = p.sizes_version + 1
    WHERE p.id IN (SELECT DISTINCT product_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE market.products p SET sizes_version = p.sizes_version + 1
    WHERE p.id IN (SELECT DISTINCT product_id FROM old_rows);
  ELSE
    UPDATE market.products p SET sizes_version = p.sizes_version + 1
    WHERE p.id IN (
      SELECT n.product_id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.product_id, n.size_system, n.size_value, n.us_m, n.us_w, n.uk, n.eu, n.cm, n.source)
            IS DISTINCT FROM
            (o.product_id, o.size_system, o.size_value, o.us_m, o.us_w, o.uk, o.eu, o.cm, o.source)
      UNION
      SELECT o.product_id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE n.product_id <> o.product_id);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER size_variants_version_ins AFTER INSERT ON market.size_variants
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION market.bump_sizes_version();
CREATE OR REPLACE TRIGGER size_variants_version_upd AFTER UPDATE ON market.size_variants
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION market.bump_sizes_version();
CREATE OR REPLACE TRIGGER size_variants_version_del AFTER DELETE ON market.size_variants
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION market.bump_sizes_version();
