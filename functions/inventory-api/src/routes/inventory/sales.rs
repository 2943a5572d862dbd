//! Each pair's sales: its size's last sale (with when it happened) and the size's 72-hour and
//! 30-day volume in the requested market. Only Alias reports sales (StockX's public API has no
//! sales history), so these are Alias figures.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::core::domain::Marketplace;
use shared::valuation::fx::Converter;

use crate::ApiError;

/// A size's sales on one marketplace in the requested market, as the read query returns them
/// (decoded in `replies.rs`).
#[derive(Debug, Clone)]
pub(super) struct SizeSalesRow {
    pub(super) variant_id: i32,
    pub(super) marketplace_id: i16,
    pub(super) currency: String,
    pub(super) amount_minor: i64,
    pub(super) purchased_at: DateTime<Utc>,
    pub(super) volume_72h: i64,
    pub(super) volume_30d: i64,
    /// When the volumes would next change with no new sale (none: no sale in 30 days).
    pub(super) volumes_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub(super) struct LastSaleOut {
    pub(super) marketplace: Marketplace,
    pub(super) amount_minor: i64,
    pub(super) purchased_at: DateTime<Utc>,
}

/// Null on the item when the product's sales were never fetched or its size is not matched.
#[derive(Debug, Serialize)]
pub(super) struct ItemSalesOut {
    pub(super) last_sale: Option<LastSaleOut>,
    pub(super) volume_72h: i64,
    pub(super) volume_30d: i64,
    /// When the product's sales were last fetched.
    pub(super) synced_at: DateTime<Utc>,
}

/// The rows by variant.
pub(super) fn index(rows: &[SizeSalesRow]) -> HashMap<i32, Vec<&SizeSalesRow>> {
    let mut by_variant: HashMap<i32, Vec<&SizeSalesRow>> = HashMap::new();
    for r in rows {
        by_variant.entry(r.variant_id).or_default().push(r);
    }
    by_variant
}

/// The pair's sales, converted to the response currency.
pub(super) fn for_item(
    rows: Option<&Vec<&SizeSalesRow>>,
    synced_at: DateTime<Utc>,
    conv: &mut Converter,
) -> Result<ItemSalesOut, ApiError> {
    let mut out = ItemSalesOut {
        last_sale: None,
        volume_72h: 0,
        volume_30d: 0,
        synced_at,
    };
    for r in rows.map(Vec::as_slice).unwrap_or(&[]) {
        let Some(marketplace) = Marketplace::from_id(r.marketplace_id) else {
            continue;
        };
        out.volume_72h += r.volume_72h;
        out.volume_30d += r.volume_30d;
        if out
            .last_sale
            .as_ref()
            .is_some_and(|l| l.purchased_at >= r.purchased_at)
        {
            continue;
        }
        let currency = r
            .currency
            .parse()
            .map_err(|_| ApiError::Decode(format!("unknown currency {:?}", r.currency)))?;
        out.last_sale = Some(LastSaleOut {
            marketplace,
            amount_minor: conv
                .to_target(r.amount_minor, currency)
                .map_err(|e| ApiError::Pricing(e.into()))?,
            purchased_at: r.purchased_at,
        });
    }
    Ok(out)
}
