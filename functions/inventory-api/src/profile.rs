//! The seller's fee profile: their settings row (the app's `user_settings`, or `fee_profiles` on
//! a standalone install) read by `sql/seller_profile.sql`, with unset fields taken from the fee
//! schedule, the one place fee defaults live. Used by `/v1/inventory` and `/v1/me`.

use serde::Deserialize;
use shared::core::domain::Region;
use shared::valuation::fees::{FeeProfile, FeeSchedule};

#[derive(Debug, Deserialize)]
pub(crate) struct ProfileRow {
    pub(crate) region: String,
    pub(crate) currency: String,
    pub(crate) stockx_seller_level: i16,
    /// `NULL`: the deployment's default from the fee schedule.
    pub(crate) alias_commission_bps: Option<i32>,
    pub(crate) alias_seller_fee_minor: Option<i64>,
    pub(crate) alias_cashout_bps: Option<i32>,
    /// No settings row: the install's defaults.
    pub(crate) is_default: bool,
}

/// The profile to value with, and whether it is the install's default (no settings row).
pub(crate) fn resolve(row: Option<&ProfileRow>, fees: &FeeSchedule) -> (FeeProfile, bool) {
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
