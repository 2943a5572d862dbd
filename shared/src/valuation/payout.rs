//! Net payouts per marketplace: pure integer arithmetic on minor units, then conversion for display.
//!
//! Rounding rule: every individual fee is rounded **half up** (half away from zero; amounts are
//! never negative) to the minor unit of the price's currency, then subtracted. A payout never goes
//! below zero: when the fees exceed the price the payout is clamped to 0 and `clamped` is set.
//!
//! Payouts shown to users: fees are computed in the marketplace's own settlement currency (StockX:
//! the region's currency; Alias: USD), then the price and the net payout are converted to the
//! response's display currency. Displayed fees are `price - net` after conversion, so the three
//! numbers always add up exactly.

use serde::{Deserialize, Serialize};

use crate::core::domain::{Currency, Marketplace, Money, Region};
use crate::valuation::fees::{
    apply_bps_half_up, FeeError, FeeProfile, FeeSchedule, StockXSchedule,
};
use crate::valuation::fx::{Converter, FxError};

#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error(transparent)]
    Fx(#[from] FxError),
    #[error(transparent)]
    Fee(#[from] FeeError),
}

/// The currency a marketplace settles a sale in.
pub fn settlement_currency(marketplace: Marketplace, market: Region) -> Currency {
    match marketplace {
        Marketplace::StockX => market.stockx_currency(),
        Marketplace::Alias => Currency::USD,
    }
}

/// A sale at `price_minor` on one marketplace, in the display currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DisplayPayout {
    pub marketplace: Marketplace,
    pub price_minor: i64,
    pub fees_minor: i64,
    pub net_minor: i64,
    /// The fees exceeded the price; `net_minor` was clamped to 0.
    pub clamped: bool,
}

/// Net payout of selling at `price` (in whatever currency the quote came in).
pub fn display_payout(
    conv: &mut Converter,
    schedule: &FeeSchedule,
    profile: &FeeProfile,
    marketplace: Marketplace,
    market: Region,
    price: Money,
) -> Result<DisplayPayout, PricingError> {
    Ok(settle(conv, schedule, profile, marketplace, market, price)?.1)
}

/// The payout in the marketplace's settlement currency, and as displayed.
fn settle(
    conv: &mut Converter,
    schedule: &FeeSchedule,
    profile: &FeeProfile,
    marketplace: Marketplace,
    market: Region,
    price: Money,
) -> Result<(Payout, DisplayPayout), PricingError> {
    let settle = settlement_currency(marketplace, market);
    let price_settle = conv.convert(price, settle)?;
    let p = payout(schedule, profile, marketplace, market, price_settle)?;
    let price_minor = conv.to_target(price.minor, price.currency)?;
    let net_minor = conv
        .to_target(p.net.minor, p.net.currency)?
        .min(price_minor);
    let shown = DisplayPayout {
        marketplace,
        price_minor,
        fees_minor: price_minor - net_minor,
        net_minor,
        clamped: p.clamped,
    };
    Ok((p, shown))
}

/// One fee of a payout, in the display currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeeOut {
    pub kind: FeeKind,
    pub amount_minor: i64,
}

/// A payout with its fee breakdown, in the display currency. The lines add up to `fees_minor`
/// exactly (each is converted on its own; the rounding remainder goes to the largest line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetailedPayout {
    #[serde(flatten)]
    pub payout: DisplayPayout,
    pub fees: Vec<FeeOut>,
}

/// [`display_payout`] with the fee lines.
pub fn detailed_payout(
    conv: &mut Converter,
    schedule: &FeeSchedule,
    profile: &FeeProfile,
    marketplace: Marketplace,
    market: Region,
    price: Money,
) -> Result<DetailedPayout, PricingError> {
    let (p, shown) = settle(conv, schedule, profile, marketplace, market, price)?;
    let mut fees = Vec::with_capacity(p.fees.len());
    for line in &p.fees {
        fees.push(FeeOut {
            kind: line.kind,
            amount_minor: conv.to_target(line.amount.minor, line.amount.currency)?,
        });
    }
    let remainder = shown.fees_minor - fees.iter().map(|f| f.amount_minor).sum::<i64>();
    if let Some(largest) = fees.iter_mut().max_by_key(|f| f.amount_minor) {
        largest.amount_minor += remainder;
    }
    Ok(DetailedPayout {
        payout: shown,
        fees,
    })
}

/// The best of several payouts (highest net; ties go to the first marketplace in `Marketplace::ALL`
/// order, which keeps responses deterministic).
pub fn best(payouts: impl IntoIterator<Item = DisplayPayout>) -> Option<DisplayPayout> {
    payouts
        .into_iter()
        .fold(None, |best: Option<DisplayPayout>, p| match best {
            Some(b)
                if b.net_minor > p.net_minor
                    || (b.net_minor == p.net_minor && b.marketplace <= p.marketplace) =>
            {
                Some(b)
            }
            _ => Some(p),
        })
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
    use crate::valuation::fees::AliasSchedule;

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
