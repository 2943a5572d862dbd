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
    /// The signed-in caller's fee profile row (null for anonymous requests).
    pub(super) profile: Option<shared::valuation::seller::ProfileRow>,
}
