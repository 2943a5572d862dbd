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
    apply_bps_half_up, FeeError, FeeProfile, FeeSchedule, StockXMinimumBasis, StockXSchedule,
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
    // The seller's StockX shipping setting is in the app's currency (pounds); StockX deducts it
    // in the currency of the market the pair sells in.
    let stockx_shipping = conv.convert(schedule.stockx_shipping(profile), settle)?;
    let p = payout_with(
        schedule,
        profile,
        marketplace,
        market,
        price_settle,
        stockx_shipping,
    )?;
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
    /// Seller shipping: StockX's shipping fee, Alias's drop-off or prepaid-label charge.
    Shipping,
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

/// StockX payout for an ask of `price` in the `market` region (price in that region's currency),
/// less the seller's `shipping` fee (in the same currency). The minimum seller fee is the one of
/// `market`, the region the item sells in, applied as the schedule's `min_applies_to` says.
pub fn stockx_payout(
    schedule: &StockXSchedule,
    seller_level: u8,
    market: Region,
    price: Money,
    shipping: Money,
) -> Result<Payout, FeeError> {
    if !(1..=5).contains(&seller_level) {
        return Err(FeeError::SellerLevel(seller_level));
    }
    let currency = market.stockx_currency();
    check_price(Marketplace::StockX, price, currency)?;
    if shipping.currency != currency {
        return Err(FeeError::CurrencyMismatch {
            marketplace: Marketplace::StockX,
            expected: currency,
            got: shipping.currency,
        });
    }
    let level_bps = schedule.level_bps[usize::from(seller_level - 1)];
    let minimum = schedule.min_fee(market).minor;
    let processing = apply_bps_half_up(price.minor, schedule.processing_bps);
    let percentage = apply_bps_half_up(price.minor, level_bps);
    let transaction = match schedule.min_applies_to {
        StockXMinimumBasis::TransactionFee => percentage.max(minimum),
        StockXMinimumBasis::TransactionAndProcessing => {
            percentage.max(minimum.saturating_sub(processing))
        }
    };
    let mut fees = vec![
        FeeLine {
            kind: FeeKind::Transaction,
            amount: Money::new(transaction, currency),
        },
        FeeLine {
            kind: FeeKind::PaymentProcessing,
            amount: Money::new(processing, currency),
        },
    ];
    if shipping.minor > 0 {
        fees.push(FeeLine {
            kind: FeeKind::Shipping,
            amount: shipping,
        });
    }
    Ok(finish(Marketplace::StockX, price, fees))
}

/// Alias payout for a listing at `price` (USD): commission, the seller fee and shipping (USD
/// cents), then the cash-out fee on what remains ("when earnings are deposited", alias.org Fee
/// Policy; zero when nothing remains).
pub fn alias_payout(
    commission_bps: u32,
    seller_fee_cents: i64,
    shipping_cents: i64,
    cashout_bps: u32,
    price: Money,
) -> Result<Payout, FeeError> {
    check_price(Marketplace::Alias, price, Currency::USD)?;
    let commission = apply_bps_half_up(price.minor, commission_bps);
    let seller_fee = seller_fee_cents.max(0);
    let shipping = shipping_cents.max(0);
    let after = price
        .minor
        .saturating_sub(commission)
        .saturating_sub(seller_fee)
        .saturating_sub(shipping);
    let cashout = apply_bps_half_up(after.max(0), cashout_bps);
    let usd = |minor| Money::new(minor, Currency::USD);
    let mut fees = vec![
        FeeLine {
            kind: FeeKind::Commission,
            amount: usd(commission),
        },
        FeeLine {
            kind: FeeKind::SellerFee,
            amount: usd(seller_fee),
        },
        FeeLine {
            kind: FeeKind::Cashout,
            amount: usd(cashout),
        },
    ];
    if shipping > 0 {
        fees.push(FeeLine {
            kind: FeeKind::Shipping,
            amount: usd(shipping),
        });
    }
    Ok(finish(Marketplace::Alias, price, fees))
}

/// Payout on `marketplace` for a seller with `profile`, selling into the `market` region at
/// `price` (StockX: the region's currency; Alias: USD). The seller's StockX shipping fee must be
/// in the market's currency here; the display path converts it first.
pub fn payout(
    schedule: &FeeSchedule,
    profile: &FeeProfile,
    marketplace: Marketplace,
    market: Region,
    price: Money,
) -> Result<Payout, FeeError> {
    let shipping = schedule.stockx_shipping(profile);
    payout_with(schedule, profile, marketplace, market, price, shipping)
}

fn payout_with(
    schedule: &FeeSchedule,
    profile: &FeeProfile,
    marketplace: Marketplace,
    market: Region,
    price: Money,
    stockx_shipping: Money,
) -> Result<Payout, FeeError> {
    match marketplace {
        Marketplace::StockX => stockx_payout(
            &schedule.stockx,
            profile.stockx_seller_level,
            market,
            price,
            stockx_shipping,
        ),
        Marketplace::Alias => alias_payout(
            profile.alias_commission_bps,
            schedule.alias_seller_fee(profile),
            schedule.alias_shipping(profile),
            profile.alias_cashout_bps,
            price,
        ),
    }
}

#[cfg(test)]
mod tests;
