//! The seller's fee profile: their settings row (the app's `user_settings`, or `fee_profiles` on
//! a standalone install, else the install's defaults) read by [`PROFILE_CTES`], with unset fields
//! taken from the fee schedule, the one place fee defaults live. Used by `/v1/inventory`,
//! `/v1/me` and, for a signed-in caller, the market page.

/// Two CTEs, `own` and `prof` (one row: the seller's profile or the defaults), for the user id in
/// `$1`. A query starts `WITH {PROFILE_CTES}, …` and reads `prof`.
pub const PROFILE_CTES: &str = include_str!("sql/seller_profile.sql");

use crate::core::domain::Region;
use crate::valuation::fees::{FeeProfile, FeeSchedule};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ProfileRow {
    pub region: String,
    pub currency: String,
    pub stockx_seller_level: i16,
    /// `NULL`: the deployment's default from the fee schedule.
    pub alias_commission_bps: Option<i32>,
    pub alias_seller_fee_minor: Option<i64>,
    pub alias_cashout_bps: Option<i32>,
    /// No settings row: the install's defaults.
    pub is_default: bool,
}

/// The profile to value with, and whether it is the install's default (no settings row).
pub fn resolve(row: Option<&ProfileRow>, fees: &FeeSchedule) -> (FeeProfile, bool) {
    let Some(p) = row else {
        return (FeeProfile::default_for(Region::US, fees), true);
    };
    let region = p.region.parse().unwrap_or(Region::US);
    let defaults = FeeProfile::default_for(region, fees);
    let bps = |v: Option<i32>, d: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(d);
    (
        FeeProfile {
            region,
            currency: p.currency.parse().unwrap_or(defaults.currency),
            stockx_seller_level: u8::try_from(p.stockx_seller_level)
                .unwrap_or(defaults.stockx_seller_level),
            alias_commission_bps: bps(p.alias_commission_bps, defaults.alias_commission_bps),
            alias_seller_fee_minor: p.alias_seller_fee_minor,
            alias_cashout_bps: bps(p.alias_cashout_bps, defaults.alias_cashout_bps),
        },
        p.is_default,
    )
}
