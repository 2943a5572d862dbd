//! The page's sales: each size's last sale and, per marketplace, the product's last sale, 7-day
//! average, 72-hour / 7-day / 30-day volume and average daily sales (liquidity). Only Alias
//! publishes sales (`recent_sales`); StockX's public API has none, so its entry says so instead of
//! inventing numbers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use shared::core::domain::Marketplace;
use shared::valuation::fx::Converter;

use super::rows::{SaleRow, SalesStatsRow};
use crate::history::currency_of;
use crate::ApiError;

const NOT_FETCHED: &str = "sales not fetched yet for this product";

/// A real sale: its price and when it happened (not when we noticed it).
#[derive(Debug, Clone, Serialize)]
pub(super) struct SoldOut {
    pub(super) marketplace: Marketplace,
    pub(super) amount_minor: i64,
    pub(super) purchased_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub(super) struct MarketSalesOut {
    pub(super) marketplace: Marketplace,
    /// False when the marketplace offers no sales data; `reason` says why.
    pub(super) available: bool,
    pub(super) reason: Option<&'static str>,
    pub(super) last_sale: Option<SoldOut>,
    pub(super) average_7d_minor: Option<i64>,
    pub(super) volume_72h: Option<i64>,
    pub(super) volume_7d: Option<i64>,
    pub(super) volume_30d: Option<i64>,
    /// Sales per day over the last 30 days, 2 decimals (the liquidity card).
    pub(super) average_daily_sales_30d: Option<String>,
    /// When this product's sales were last fetched.
    pub(super) synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub(super) struct SalesOut {
    /// The product's last sale on any marketplace that reports sales.
    pub(super) last_sale: Option<SoldOut>,
    pub(super) marketplaces: Vec<MarketSalesOut>,
}

fn sold(conv: &mut Converter, r: &SaleRow) -> Result<Option<SoldOut>, ApiError> {
    let Some(marketplace) = Marketplace::from_id(r.marketplace_id) else {
        return Ok(None);
    };
    let amount_minor = conv
        .to_target(r.amount_minor, currency_of(&r.currency)?)
        .map_err(|e| ApiError::Pricing(e.into()))?;
    Ok(Some(SoldOut {
        marketplace,
        amount_minor,
        purchased_at: r.purchased_at,
    }))
}

/// Each size's latest sale across marketplaces, by variant id.
pub(super) fn size_last_sales(
    rows: &[SaleRow],
    conv: &mut Converter,
) -> Result<BTreeMap<i32, SoldOut>, ApiError> {
    let mut out: BTreeMap<i32, SoldOut> = BTreeMap::new();
    for r in rows {
        let (Some(variant), Some(s)) = (r.variant_id, sold(conv, r)?) else {
            continue;
        };
        match out.get(&variant) {
            Some(prev) if prev.purchased_at >= s.purchased_at => {}
            _ => {
                out.insert(variant, s);
            }
        }
    }
    Ok(out)
}

/// The sales block of the page.
pub(super) fn build(
    stats: &[SalesStatsRow],
    last: &[SaleRow],
    synced_at: Option<DateTime<Utc>>,
    conv: &mut Converter,
) -> Result<SalesOut, ApiError> {
    let mut marketplaces = Vec::new();
    for m in Marketplace::ALL {
        if let Some(reason) = m.no_sales_reason() {
            marketplaces.push(MarketSalesOut {
                marketplace: m,
                available: false,
                reason: Some(reason),
                last_sale: None,
                average_7d_minor: None,
                volume_72h: None,
                volume_7d: None,
                volume_30d: None,
                average_daily_sales_30d: None,
                synced_at: None,
            });
            continue;
        }
        let last_sale = match last.iter().find(|r| r.marketplace_id == m.id()) {
            Some(r) => sold(conv, r)?,
            None => None,
        };
        let st = stats.iter().find(|r| r.marketplace_id == m.id());
        let average_7d_minor = match st.and_then(|s| s.average_7d_minor.map(|a| (a, &s.currency))) {
            Some((a, cur)) => Some(
                conv.to_target(a, currency_of(cur)?)
                    .map_err(|e| ApiError::Pricing(e.into()))?,
            ),
            None => None,
        };
        // Fetched but nothing sold in 30 days is a volume of 0; never fetched is unknown.
        let fetched = synced_at.is_some() || st.is_some();
        let volume = |f: fn(&SalesStatsRow) -> i64| fetched.then(|| st.map(f).unwrap_or(0));
        let volume_30d = volume(|s| s.volume_30d);
        marketplaces.push(MarketSalesOut {
            marketplace: m,
            available: true,
            reason: (!fetched).then_some(NOT_FETCHED),
            last_sale,
            average_7d_minor,
            volume_72h: volume(|s| s.volume_72h),
            volume_7d: volume(|s| s.volume_7d),
            volume_30d,
            average_daily_sales_30d: volume_30d.map(|v| {
                let per_day = (Decimal::from(v) / Decimal::from(30))
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                format!("{per_day:.2}")
            }),
            synced_at,
        });
    }
    let last_sale = marketplaces
        .iter()
        .filter_map(|m| m.last_sale.clone())
        .max_by_key(|s| s.purchased_at);
    Ok(SalesOut {
        last_sale,
        marketplaces,
    })
}
