//! Payouts shown to users: fees are computed in the marketplace's own settlement currency (StockX:
//! the region's currency; Alias: USD), then the price and the net payout are converted to the
//! response's display currency. Displayed fees are `price - net` after conversion, so the three
//! numbers always add up exactly.

use serde::Serialize;

use crate::domain::{Currency, Marketplace, Money, Region};
use crate::fees::{self, FeeError, FeeProfile, FeeSchedule};
use crate::fx::{Converter, FxError};

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
    let settle = settlement_currency(marketplace, market);
    let price_settle = conv.convert(price, settle)?;
    let p = fees::payout(schedule, profile, marketplace, market, price_settle)?;
    let price_minor = conv.to_target(price.minor, price.currency)?;
    let net_minor = conv
        .to_target(p.net.minor, p.net.currency)?
        .min(price_minor);
    Ok(DisplayPayout {
        marketplace,
        price_minor,
        fees_minor: price_minor - net_minor,
        net_minor,
        clamped: p.clamped,
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
