-- Fee defaults live in one place: the fee schedule in the code (shared/src/valuation/fees.rs,
-- overridable per deployment by the FEE_* variables). A NULL rate here means "the deployment's
-- default", so a changed default reaches every profile that never set its own. Existing values
-- stay as they are. DROP DEFAULT / DROP NOT NULL change the catalogue only (no table rewrite).
ALTER TABLE market.fee_profiles
  ALTER COLUMN alias_commission_bps DROP DEFAULT,
  ALTER COLUMN alias_commission_bps DROP NOT NULL,
  ALTER COLUMN alias_cashout_bps DROP DEFAULT,
  ALTER COLUMN alias_cashout_bps DROP NOT NULL;
