//! The row the page query returns (one JSON document), as read from the database.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use shared::valuation::fx::FxRow;

use crate::history::HistRow;

#[derive(Debug, Deserialize)]
pub(super) struct ProductRow {
    pub(super) style_code: String,
    pub(super) brand: String,
    pub(super) name: String,
    pub(super) colorway: Option<String>,
    pub(super) gender: String,
    pub(super) release_date: Option<NaiveDate>,
    pub(super) retail_price_minor: Option<i64>,
    pub(super) retail_currency: Option<String>,
    pub(super) image_url: Option<String>,
    pub(super) tier: String,
    pub(super) last_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SizeRow {
    pub(super) id: i32,
    pub(super) system: String,
    pub(super) value: String,
    pub(super) us_m: Option<String>,
    pub(super) uk: Option<String>,
    pub(super) eu: Option<String>,
    pub(super) cm: Option<String>,
    pub(super) selected: bool,
}

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Deserialize)]
pub(super) struct LinkRow {
    pub(super) marketplace_id: i16,
    pub(super) status: String,
    pub(super) last_synced_at: Option<DateTime<Utc>>,
    /// Synced in another market, never in this one.
    pub(super) region_not_synced: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct Row {
    pub(super) product: Option<ProductRow>,
    pub(super) sizes: Vec<SizeRow>,
    pub(super) prices: Vec<PriceRow>,
    pub(super) history: Vec<HistRow>,
    pub(super) size_history: Vec<HistRow>,
    pub(super) links: Vec<LinkRow>,
    pub(super) fx: Vec<FxRow>,
    pub(super) size_sales: Vec<SaleRow>,
    pub(super) sales_stats: Vec<SalesStatsRow>,
    pub(super) sales_last: Vec<SaleRow>,
    pub(super) sales_synced_at: Option<DateTime<Utc>>,
    /// The signed-in caller's fee profile row (null for anonymous requests).
    pub(super) profile: Option<shared::valuation::seller::ProfileRow>,
}

/// One sale (a size's or the product's last), in the marketplace's currency.
#[derive(Debug, Deserialize)]
pub(super) struct SaleRow {
    #[serde(default)]
    pub(super) variant_id: Option<i32>,
    pub(super) marketplace_id: i16,
    pub(super) currency: String,
    pub(super) amount_minor: i64,
    pub(super) purchased_at: DateTime<Utc>,
}

/// The product's sales of the last 30 days in one marketplace.
#[derive(Debug, Deserialize)]
pub(super) struct SalesStatsRow {
    pub(super) marketplace_id: i16,
    pub(super) currency: String,
    pub(super) volume_72h: i64,
    pub(super) volume_7d: i64,
    pub(super) volume_30d: i64,
    pub(super) average_7d_minor: Option<i64>,
}
