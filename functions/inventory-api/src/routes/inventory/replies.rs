//! Decoding the inventory's second round trip: the matched sizes' quotes
//! (`sql/inventory_quotes.sql`: prices and sales) and the enqueue's reply
//! (`market.inventory_enqueue`: marketplace links, sync jobs). Prices, sales and links arrive as
//! one binary array per column, the jobs (a few) as JSON.

use chrono::{DateTime, Utc};
use postgres_types::Json;
use tokio_postgres::Row;

use super::rows::{common_len, EnqueueRow, LinkRow};
use super::sales::SizeSalesRow;
use crate::ApiError;

/// A size's latest quote on one marketplace in the requested market.
#[derive(Debug, Clone)]
pub(super) struct PriceRow {
    pub(super) variant_id: i32,
    pub(super) marketplace_id: i16,
    pub(super) currency: String,
    pub(super) ask_minor: Option<i64>,
    pub(super) bid_minor: Option<i64>,
    pub(super) last_sale_minor: Option<i64>,
    pub(super) observed_at: DateTime<Utc>,
    pub(super) changed_at: DateTime<Utc>,
}

/// The second read: the matched sizes' prices and sales.
#[derive(Debug)]
pub(super) struct QuotesRow {
    pub(super) prices: Vec<PriceRow>,
    pub(super) size_sales: Vec<SizeSalesRow>,
}

/// Decodes the second read's row (prices as stored: `ReadRow::observe` dates them).
pub(super) fn quotes(row: &Row) -> Result<QuotesRow, ApiError> {
    Ok(QuotesRow {
        prices: prices(row)?,
        size_sales: size_sales(row)?,
    })
}

/// The enqueue statement's row: the owned products' marketplace links (binary column arrays) and
/// the open and new sync jobs (JSON).
pub(super) fn enqueue(row: &Row) -> Result<EnqueueRow, ApiError> {
    let Json(open_jobs) = row.try_get("open_jobs")?;
    let Json(new_jobs) = row.try_get("new_jobs")?;
    let product: Vec<i32> = row.try_get("l_product")?;
    let marketplace: Vec<i16> = row.try_get("l_marketplace")?;
    let status: Vec<String> = row.try_get("l_status")?;
    let last_synced_at: Vec<Option<DateTime<Utc>>> = row.try_get("l_last_synced_at")?;
    let external_id: Vec<Option<String>> = row.try_get("l_external_id")?;
    let url_key: Vec<Option<String>> = row.try_get("l_url_key")?;
    common_len([
        product.len(),
        marketplace.len(),
        status.len(),
        last_synced_at.len(),
        external_id.len(),
        url_key.len(),
    ])?;
    let links = status
        .into_iter()
        .zip(last_synced_at)
        .zip(external_id.into_iter().zip(url_key))
        .enumerate()
        .map(
            |(i, ((status, last_synced_at), (external_id, url_key)))| LinkRow {
                product_id: product[i],
                marketplace_id: marketplace[i],
                status,
                last_synced_at,
                external_id,
                url_key,
            },
        )
        .collect();
    Ok(EnqueueRow {
        links,
        open_jobs,
        new_jobs,
    })
}

/// Each matched size's last sale and volumes per marketplace.
fn size_sales(row: &Row) -> Result<Vec<SizeSalesRow>, ApiError> {
    let variant: Vec<i32> = row.try_get("s_variant")?;
    let marketplace: Vec<i16> = row.try_get("s_marketplace")?;
    let currency: Vec<String> = row.try_get("s_currency")?;
    let amount: Vec<i64> = row.try_get("s_amount")?;
    let purchased_at: Vec<DateTime<Utc>> = row.try_get("s_purchased_at")?;
    let volume_72h: Vec<i64> = row.try_get("s_volume_72h")?;
    let volume_30d: Vec<i64> = row.try_get("s_volume_30d")?;
    let volumes_until: Vec<Option<DateTime<Utc>>> = row.try_get("s_volumes_until")?;
    common_len([
        variant.len(),
        marketplace.len(),
        currency.len(),
        amount.len(),
        purchased_at.len(),
        volume_72h.len(),
        volume_30d.len(),
        volumes_until.len(),
    ])?;
    Ok(currency
        .into_iter()
        .enumerate()
        .map(|(i, currency)| SizeSalesRow {
            variant_id: variant[i],
            marketplace_id: marketplace[i],
            currency,
            amount_minor: amount[i],
            purchased_at: purchased_at[i],
            volume_72h: volume_72h[i],
            volume_30d: volume_30d[i],
            volumes_until: volumes_until[i],
        })
        .collect())
}

/// The matched sizes' latest prices.
fn prices(row: &Row) -> Result<Vec<PriceRow>, ApiError> {
    let variant: Vec<i32> = row.try_get("p_variant")?;
    let marketplace: Vec<i16> = row.try_get("p_marketplace")?;
    let currency: Vec<String> = row.try_get("p_currency")?;
    let ask: Vec<Option<i64>> = row.try_get("p_ask")?;
    let bid: Vec<Option<i64>> = row.try_get("p_bid")?;
    let last_sale: Vec<Option<i64>> = row.try_get("p_last_sale")?;
    let observed_at: Vec<DateTime<Utc>> = row.try_get("p_observed_at")?;
    let changed_at: Vec<DateTime<Utc>> = row.try_get("p_changed_at")?;
    common_len([
        variant.len(),
        marketplace.len(),
        currency.len(),
        ask.len(),
        bid.len(),
        last_sale.len(),
        observed_at.len(),
        changed_at.len(),
    ])?;
    Ok(currency
        .into_iter()
        .enumerate()
        .map(|(i, currency)| PriceRow {
            variant_id: variant[i],
            marketplace_id: marketplace[i],
            currency,
            ask_minor: ask[i],
            bid_minor: bid[i],
            last_sale_minor: last_sale[i],
            observed_at: observed_at[i],
            changed_at: changed_at[i],
        })
        .collect())
}
