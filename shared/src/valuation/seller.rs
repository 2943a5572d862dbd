//! The seller's fee profile: their settings row (the app's `user_settings`, or `fee_profiles` on
//! a standalone install, else the install's defaults) read by [`PROFILE_CTES`], with unset fields
//! taken from the fee schedule, the one place fee defaults live. Used by `/v1/inventory`,
//! `/v1/me` and, for a signed-in caller, the market page.

/// One CTE, `prof` (one row: the seller's profile or the install's defaults), for the user id in
/// `$1`. A query starts `WITH {PROFILE_CTES}, …` and reads `prof`. `market.seller_profile` (a SQL
/// function, planned inline) is the one definition: the inventory's first read, a PL/pgSQL
/// function, calls it too.
pub const PROFILE_CTES: &str = "prof AS (SELECT * FROM market.seller_profile($1))";

use crate::core::domain::{Currency, Money, Region};
use crate::valuation::fees::{normalize_country, FeeProfile, FeeSchedule};
use serde::Deserialize;

/// The existing app keeps the StockX shipping fee in pounds whatever the seller's market (its
/// payout model is computed in GBP; `user_settings.stockx_shipping_fee`, clamped to 0–50 GBP).
pub const APP_STOCKX_SHIPPING_CURRENCY: Currency = Currency::GBP;

#[derive(Debug, Deserialize)]
pub struct ProfileRow {
    pub region: String,
    pub currency: String,
    pub stockx_seller_level: i16,
    /// `NULL`: the deployment's default from the fee schedule.
    pub alias_commission_bps: Option<i32>,
    pub alias_seller_fee_minor: Option<i64>,
    pub alias_cashout_bps: Option<i32>,
    /// The app's Alias seller region (`uk`, `de`, `nl`, `fr`, `at`, `be`, `it`, `es`): the
    /// seller's country for the Alias seller fee and the StockX shipping default.
    #[serde(default)]
    pub alias_country: Option<String>,
    /// `dropoff` or `prepaid`; anything else is drop-off, the app's default.
    #[serde(default)]
    pub alias_shipping_method: Option<String>,
    /// The app's StockX shipping fee in pence (the app keeps it in pounds, 0–50); `NULL`: the
    /// schedule's default for the seller's location.
    #[serde(default)]
    pub stockx_shipping_minor: Option<i64>,
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
            country: p.alias_country.as_deref().and_then(normalize_country),
            stockx_shipping: p
                .stockx_shipping_minor
                .filter(|m| *m >= 0)
                .map(|m| Money::new(m, APP_STOCKX_SHIPPING_CURRENCY)),
            alias_shipping_method: p
                .alias_shipping_method
                .as_deref()
                .and_then(|m| m.parse().ok())
                .unwrap_or_default(),
        },
        p.is_default,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::valuation::fees::AliasShippingMethod;

    fn row(json: &str) -> ProfileRow {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_apps_shipping_settings_reach_the_profile() {
        let fees = FeeSchedule::default();
        let r = row(
            r#"{"region":"EU","currency":"EUR","stockx_seller_level":2,"alias_commission_bps":null,
                "alias_seller_fee_minor":null,"alias_cashout_bps":null,"alias_country":"it",
                "alias_shipping_method":"prepaid","stockx_shipping_minor":650,"is_default":false}"#,
        );
        let (p, is_default) = resolve(Some(&r), &fees);
        assert!(!is_default);
        assert_eq!(p.country.as_deref(), Some("IT"));
        assert_eq!(p.alias_shipping_method, AliasShippingMethod::Prepaid);
        assert_eq!(p.stockx_shipping, Some(Money::new(650, Currency::GBP)));
        // Italy's published Alias seller fee, $20 (GOAT Fee Policy).
        assert_eq!(fees.alias_seller_fee(&p), 2000);
        // `uk` is the United Kingdom's ISO code GB; an unknown method is drop-off; a row from
        // before these columns existed still reads.
        let r = row(
            r#"{"region":"UK","currency":"GBP","stockx_seller_level":1,"alias_commission_bps":950,
                "alias_seller_fee_minor":null,"alias_cashout_bps":null,"alias_country":"uk",
                "alias_shipping_method":"pigeon","is_default":true}"#,
        );
        let (p, _) = resolve(Some(&r), &fees);
        assert_eq!(p.country.as_deref(), Some("GB"));
        assert_eq!(p.alias_shipping_method, AliasShippingMethod::Dropoff);
        assert_eq!(p.stockx_shipping, None);
        assert_eq!(fees.alias_seller_fee(&p), 1200);
    }
}
