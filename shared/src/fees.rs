//! Seller fees and net payouts per marketplace: pure integer arithmetic on minor units.
//!
//! Rounding rule: every individual fee is rounded **half up** (half away from zero; amounts are
//! never negative) to the minor unit of the price's currency, then subtracted. A payout never goes
//! below zero: when the fees exceed the price the payout is clamped to 0 and `clamped` is set.
//!
//! Schedules are configurable defaults, not authoritative tariffs (the marketplaces change them):
//! - StockX: transaction fee by seller level (1: 9 %, 2: 8.5 %, 3: 8 %, 4: 7.5 %, 5: 7 %) with a
//!   regional minimum transaction fee (US $5.00, UK £4.00, EU €5.00, in the region's StockX
//!   currency), plus a 3 % payment-processing fee on the sale price.
//! - Alias: commission (9.5 % for sellers in good standing; 15 % / 20 % bands for low seller
//!   ratings), a flat seller fee by seller location in USD cents (US $5.00, UK and EU $12.00), and a
//!   2.9 % cash-out fee on what remains after commission and seller fee. Alias is priced in USD.
//!
//! Every default can be overridden from the environment with [`FeeSchedule::from_env`].

use serde::{Deserialize, Serialize};

use crate::config::{self, ConfigError};
use crate::domain::{Currency, Marketplace, Money, Region};

/// One basis point is 1/100 of a percent.
pub const BPS_DENOMINATOR: i64 = 10_000;

/// `amount * bps / 10_000`, rounded half up to an integer. `amount` and `bps` are non-negative.
pub fn apply_bps_half_up(amount: i64, bps: u32) -> i64 {
    debug_assert!(amount >= 0);
    let product = i128::from(amount.max(0)) * i128::from(bps);
    let denominator = i128::from(BPS_DENOMINATOR);
    // Half up: add half the denominator before the floor division.
    let rounded = (product + denominator / 2) / denominator;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("{marketplace} prices in {expected}, got {got}")]
    CurrencyMismatch {
        marketplace: Marketplace,
        expected: Currency,
        got: Currency,
    },
    #[error("price must not be negative, got {0}")]
    NegativePrice(Money),
    #[error("StockX seller level must be 1 to 5, got {0}")]
    SellerLevel(u8),
}

/// StockX fee schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockXSchedule {
    /// Transaction fee in bps for seller levels 1..=5 (index 0 is level 1).
    pub level_bps: [u32; 5],
    pub processing_bps: u32,
    /// Minimum transaction fee in minor units of the region's StockX currency: US, UK, EU.
    pub min_fee_us: i64,
    pub min_fee_uk: i64,
    pub min_fee_eu: i64,
}

impl Default for StockXSchedule {
    fn default() -> Self {
        StockXSchedule {
            level_bps: [900, 850, 800, 750, 700],
            processing_bps: 300,
            min_fee_us: 500,
            min_fee_uk: 400,
            min_fee_eu: 500,
        }
    }
}

impl StockXSchedule {
    /// The minimum transaction fee of a region, in that region's StockX currency.
    pub fn min_fee(&self, region: Region) -> Money {
        let minor = match region {
            Region::US => self.min_fee_us,
            Region::UK => self.min_fee_uk,
            Region::EU => self.min_fee_eu,
        };
        Money::new(minor, region.stockx_currency())
    }
}

/// Alias fee schedule. Alias settles in USD whatever the region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasSchedule {
    /// Commission bands by seller rating: the first band whose `min_rating` the rating reaches
    /// applies; bands are ordered by descending `min_rating`, the last one has `min_rating` 0.
    pub commission_bands: Vec<CommissionBand>,
    /// Flat seller fee in USD cents by seller location.
    pub seller_fee_us: i64,
    pub seller_fee_uk: i64,
    pub seller_fee_eu: i64,
    pub cashout_bps: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionBand {
    pub min_rating: u8,
    pub bps: u32,
}

impl Default for AliasSchedule {
    fn default() -> Self {
        AliasSchedule {
            commission_bands: vec![
                CommissionBand {
                    min_rating: 70,
                    bps: 950,
                },
                CommissionBand {
                    min_rating: 50,
                    bps: 1500,
                },
                CommissionBand {
                    min_rating: 0,
                    bps: 2000,
                },
            ],
            seller_fee_us: 500,
            seller_fee_uk: 1200,
            seller_fee_eu: 1200,
            cashout_bps: 290,
        }
    }
}

impl AliasSchedule {
    /// Commission for a seller rating (0–100). Ratings above 100 count as 100.
    pub fn commission_bps_for_rating(&self, rating: u8) -> u32 {
        self.commission_bands
            .iter()
            .find(|b| rating.min(100) >= b.min_rating)
            .or(self.commission_bands.last())
            .map(|b| b.bps)
            .unwrap_or(950)
    }

    /// Commission of a seller in good standing (the highest band).
    pub fn standard_commission_bps(&self) -> u32 {
        self.commission_bands.first().map(|b| b.bps).unwrap_or(950)
    }

    /// The flat seller fee for a seller located in `region`, in USD cents.
    pub fn seller_fee(&self, region: Region) -> i64 {
        match region {
            Region::US => self.seller_fee_us,
            Region::UK => self.seller_fee_uk,
            Region::EU => self.seller_fee_eu,
        }
    }
}

/// Both marketplaces' schedules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSchedule {
    pub stockx: StockXSchedule,
    pub alias: AliasSchedule,
}

impl FeeSchedule {
    /// Defaults overridden by `FEE_STOCKX_LEVEL{1..5}_BPS`, `FEE_STOCKX_PROCESSING_BPS`,
    /// `FEE_STOCKX_MIN_{US,UK,EU}_MINOR`, `FEE_ALIAS_SELLER_FEE_{US,UK,EU}_CENTS` and
    /// `FEE_ALIAS_CASHOUT_BPS` when set.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = FeeSchedule::default();
        let mut s = d.clone();
        for (i, bps) in s.stockx.level_bps.iter_mut().enumerate() {
            *bps = config::parsed(&format!("FEE_STOCKX_LEVEL{}_BPS", i + 1), *bps)?;
        }
        s.stockx.processing_bps =
            config::parsed("FEE_STOCKX_PROCESSING_BPS", d.stockx.processing_bps)?;
        s.stockx.min_fee_us = config::parsed("FEE_STOCKX_MIN_US_MINOR", d.stockx.min_fee_us)?;
        s.stockx.min_fee_uk = config::parsed("FEE_STOCKX_MIN_UK_MINOR", d.stockx.min_fee_uk)?;
        s.stockx.min_fee_eu = config::parsed("FEE_STOCKX_MIN_EU_MINOR", d.stockx.min_fee_eu)?;
        s.alias.seller_fee_us =
            config::parsed("FEE_ALIAS_SELLER_FEE_US_CENTS", d.alias.seller_fee_us)?;
        s.alias.seller_fee_uk =
            config::parsed("FEE_ALIAS_SELLER_FEE_UK_CENTS", d.alias.seller_fee_uk)?;
        s.alias.seller_fee_eu =
            config::parsed("FEE_ALIAS_SELLER_FEE_EU_CENTS", d.alias.seller_fee_eu)?;
        s.alias.cashout_bps = config::parsed("FEE_ALIAS_CASHOUT_BPS", d.alias.cashout_bps)?;
        let negative = [
            s.stockx.min_fee_us,
            s.stockx.min_fee_uk,
            s.stockx.min_fee_eu,
            s.alias.seller_fee_us,
            s.alias.seller_fee_uk,
            s.alias.seller_fee_eu,
        ]
        .iter()
        .any(|v| *v < 0);
        let too_high = s.stockx.level_bps.iter().any(|b| *b > 10_000)
            || s.stockx.processing_bps > 10_000
            || s.alias.cashout_bps > 10_000;
        if negative || too_high {
            return Err(ConfigError {
                name: "FEE_*".to_string(),
                message: "fees must be non-negative and at most 100 %".to_string(),
            });
        }
        Ok(s)
    }
}

/// A seller's fee settings, as stored in `market.fee_profiles` (defaults when the user has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeProfile {
    /// Where the seller is located: StockX minimum fee region and Alias seller-fee location.
    pub region: Region,
    /// The seller's preferred display currency.
    pub currency: Currency,
    pub stockx_seller_level: u8,
    pub alias_commission_bps: u32,
    /// USD cents; `None` means the regional default of the schedule.
    pub alias_seller_fee_minor: Option<i64>,
    pub alias_cashout_bps: u32,
}

impl FeeProfile {
    /// The profile of a seller who has not configured anything, located in `region`. Matches the
    /// column defaults of `market.fee_profiles`.
    pub fn default_for(region: Region, schedule: &FeeSchedule) -> Self {
        FeeProfile {
            region,
            currency: region.stockx_currency(),
            stockx_seller_level: 1,
            alias_commission_bps: schedule.alias.standard_commission_bps(),
            alias_seller_fee_minor: None,
            alias_cashout_bps: schedule.alias.cashout_bps,
        }
    }
}

/// What a fee line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// StockX transaction fee (after applying the regional minimum).
    Transaction,
    /// StockX payment processing.
    PaymentProcessing,
    /// Alias commission.
    Commission,
    /// Alias flat seller fee.
    SellerFee,
    /// Alias cash-out fee.
    Cashout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    pub kind: FeeKind,
    pub amount: Money,
}

/// The breakdown of a sale at `price`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    pub marketplace: Marketplace,
    pub price: Money,
    pub fees: Vec<FeeLine>,
    pub total_fees: Money,
    /// `price - total_fees`, never below zero.
    pub net: Money,
    /// True when the fees exceeded the price and `net` was clamped to zero.
    pub clamped: bool,
}

fn check_price(marketplace: Marketplace, price: Money, expected: Currency) -> Result<(), FeeError> {
    if price.currency != expected {
        return Err(FeeError::CurrencyMismatch {
            marketplace,
            expected,
            got: price.currency,
        });
    }
    if price.minor < 0 {
        return Err(FeeError::NegativePrice(price));
    }
    Ok(())
}

fn finish(marketplace: Marketplace, price: Money, fees: Vec<FeeLine>) -> Payout {
    let total: i64 = fees
        .iter()
        .map(|f| f.amount.minor)
        .fold(0i64, i64::saturating_add);
    let raw = price.minor.saturating_sub(total);
    Payout {
        marketplace,
        price,
        total_fees: Money::new(total, price.currency),
        net: Money::new(raw.max(0), price.currency),
        clamped: raw < 0,
        fees,
    }
}

/// StockX payout for an ask of `price` in the `market` region (price in that region's currency).
/// The minimum transaction fee is the one of `market`, the region the item sells in.
pub fn stockx_payout(
    schedule: &StockXSchedule,
    seller_level: u8,
    market: Region,
    price: Money,
) -> Result<Payout, FeeError> {
    if !(1..=5).contains(&seller_level) {
        return Err(FeeError::SellerLevel(seller_level));
    }
    let currency = market.stockx_currency();
    check_price(Marketplace::StockX, price, currency)?;
    let level_bps = schedule.level_bps[usize::from(seller_level - 1)];
    let transaction = apply_bps_half_up(price.minor, level_bps).max(schedule.min_fee(market).minor);
    let processing = apply_bps_half_up(price.minor, schedule.processing_bps);
    Ok(finish(
        Marketplace::StockX,
        price,
        vec![
            FeeLine {
                kind: FeeKind::Transaction,
                amount: Money::new(transaction, currency),
            },
            FeeLine {
                kind: FeeKind::PaymentProcessing,
                amount: Money::new(processing, currency),
            },
        ],
    ))
}

/// Alias payout for a listing at `price` (USD). The cash-out fee applies to what remains after
/// commission and seller fee (zero when nothing remains).
pub fn alias_payout(
    commission_bps: u32,
    seller_fee_cents: i64,
    cashout_bps: u32,
    price: Money,
) -> Result<Payout, FeeError> {
    check_price(Marketplace::Alias, price, Currency::USD)?;
    let commission = apply_bps_half_up(price.minor, commission_bps);
    let seller_fee = seller_fee_cents.max(0);
    let after = price
        .minor
        .saturating_sub(commission)
        .saturating_sub(seller_fee);
    let cashout = apply_bps_half_up(after.max(0), cashout_bps);
    Ok(finish(
        Marketplace::Alias,
        price,
        vec![
            FeeLine {
                kind: FeeKind::Commission,
                amount: Money::new(commission, Currency::USD),
            },
            FeeLine {
                kind: FeeKind::SellerFee,
                amount: Money::new(seller_fee, Currency::USD),
            },
            FeeLine {
                kind: FeeKind::Cashout,
                amount: Money::new(cashout, Currency::USD),
            },
        ],
    ))
}

/// Payout on `marketplace` for a seller with `profile`, selling into the `market` region at
/// `price` (StockX: the region's currency; Alias: USD).
pub fn payout(
    schedule: &FeeSchedule,
    profile: &FeeProfile,
    marketplace: Marketplace,
    market: Region,
    price: Money,
) -> Result<Payout, FeeError> {
    match marketplace {
        Marketplace::StockX => {
            stockx_payout(&schedule.stockx, profile.stockx_seller_level, market, price)
        }
        Marketplace::Alias => alias_payout(
            profile.alias_commission_bps,
            profile
                .alias_seller_fee_minor
                .unwrap_or_else(|| schedule.alias.seller_fee(profile.region)),
            profile.alias_cashout_bps,
            price,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    #[test]
    fn bps_rounds_half_up() {
        assert_eq!(apply_bps_half_up(10_000, 900), 900);
        // 50 * 9 % = 4.5 -> 5; 49 * 9 % = 4.41 -> 4; 150 * 3 % = 4.5 -> 5.
        assert_eq!(apply_bps_half_up(50, 900), 5);
        assert_eq!(apply_bps_half_up(49, 900), 4);
        assert_eq!(apply_bps_half_up(150, 300), 5);
        assert_eq!(apply_bps_half_up(0, 900), 0);
        assert_eq!(apply_bps_half_up(i64::MAX, 10_000), i64::MAX);
    }

    #[test]
    fn stockx_level_one_us() {
        let s = StockXSchedule::default();
        let p = stockx_payout(&s, 1, Region::US, usd(22_400)).unwrap();
        // 9 % of 224.00 = 20.16; 3 % = 6.72.
        assert_eq!(p.fees[0].amount, usd(2016));
        assert_eq!(p.fees[1].amount, usd(672));
        assert_eq!(p.net, usd(22_400 - 2016 - 672));
        assert!(!p.clamped);
    }

    #[test]
    fn stockx_minimum_fee_applies_below_threshold() {
        let s = StockXSchedule::default();
        // 9 % of 40.00 = 3.60 < 5.00 minimum.
        let p = stockx_payout(&s, 1, Region::US, usd(4000)).unwrap();
        assert_eq!(p.fees[0].amount, usd(500));
        assert_eq!(p.net, usd(4000 - 500 - 120));
    }

    #[test]
    fn payout_clamps_at_zero() {
        let s = StockXSchedule::default();
        let p = stockx_payout(&s, 1, Region::US, usd(300)).unwrap();
        assert_eq!(p.net, usd(0));
        assert!(p.clamped);
        let a = alias_payout(950, 1200, 290, usd(1000)).unwrap();
        assert_eq!(a.net, usd(0));
        assert!(a.clamped);
        // Nothing left after commission and seller fee: no cash-out fee either.
        assert_eq!(a.fees[2].amount, usd(0));
    }

    #[test]
    fn currency_and_level_are_checked() {
        let s = StockXSchedule::default();
        assert!(matches!(
            stockx_payout(&s, 1, Region::UK, usd(1000)),
            Err(FeeError::CurrencyMismatch { .. })
        ));
        assert_eq!(
            stockx_payout(&s, 0, Region::US, usd(1000)),
            Err(FeeError::SellerLevel(0))
        );
        assert_eq!(
            stockx_payout(&s, 6, Region::US, usd(1000)),
            Err(FeeError::SellerLevel(6))
        );
        assert!(alias_payout(950, 500, 290, Money::new(1000, Currency::EUR)).is_err());
        assert!(matches!(
            alias_payout(950, 500, 290, usd(-1)),
            Err(FeeError::NegativePrice(_))
        ));
    }

    #[test]
    fn alias_cashout_applies_after_commission_and_seller_fee() {
        // 224.00: commission 9.5 % = 21.28; seller fee 5.00; remaining 197.72; cash-out 2.9 % =
        // 5.73388 -> 5.73; net 191.99.
        let p = alias_payout(950, 500, 290, usd(22_400)).unwrap();
        assert_eq!(p.fees[0].amount, usd(2128));
        assert_eq!(p.fees[1].amount, usd(500));
        assert_eq!(p.fees[2].amount, usd(573));
        assert_eq!(p.net, usd(19_199));
        assert_eq!(p.total_fees, usd(2128 + 500 + 573));
    }

    #[test]
    fn alias_rating_bands() {
        let a = AliasSchedule::default();
        assert_eq!(a.commission_bps_for_rating(100), 950);
        assert_eq!(a.commission_bps_for_rating(70), 950);
        assert_eq!(a.commission_bps_for_rating(69), 1500);
        assert_eq!(a.commission_bps_for_rating(50), 1500);
        assert_eq!(a.commission_bps_for_rating(49), 2000);
        assert_eq!(a.commission_bps_for_rating(0), 2000);
        assert_eq!(a.commission_bps_for_rating(255), 950);
    }

    #[test]
    fn profile_defaults_follow_the_region() {
        let s = FeeSchedule::default();
        let uk = FeeProfile::default_for(Region::UK, &s);
        assert_eq!(uk.currency, Currency::GBP);
        let p = payout(&s, &uk, Marketplace::Alias, Region::UK, usd(10_000)).unwrap();
        assert_eq!(p.fees[1].amount, usd(1200));
        let custom = FeeProfile {
            alias_seller_fee_minor: Some(0),
            ..uk
        };
        let p = payout(&s, &custom, Marketplace::Alias, Region::UK, usd(10_000)).unwrap();
        assert_eq!(p.fees[1].amount, usd(0));
    }
}
