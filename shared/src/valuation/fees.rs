//! Seller fee schedules and per-user fee profiles: the one place fee defaults live. The payouts
//! they produce are computed in `valuation::payout`.
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

use crate::core::config::{self, ConfigError};
use crate::core::domain::{Currency, Marketplace, Money, Region};

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

/// Alias's commission for a seller in good standing, 9.5 %.
const ALIAS_STANDARD_COMMISSION_BPS: u32 = 950;

impl Default for AliasSchedule {
    fn default() -> Self {
        AliasSchedule {
            commission_bands: vec![
                CommissionBand {
                    min_rating: 70,
                    bps: ALIAS_STANDARD_COMMISSION_BPS,
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
            .unwrap_or(ALIAS_STANDARD_COMMISSION_BPS)
    }

    /// Commission of a seller in good standing (the highest band).
    pub fn standard_commission_bps(&self) -> u32 {
        self.commission_bands
            .first()
            .map(|b| b.bps)
            .unwrap_or(ALIAS_STANDARD_COMMISSION_BPS)
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
