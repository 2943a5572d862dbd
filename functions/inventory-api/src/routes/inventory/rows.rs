//! The inventory queries' rows as read from the database: the column-array sets are decoded in
//! `read.rs` and `replies.rs` (with the two checks below), the small JSON parts (jobs) here.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use shared::core::domain::Currency;
use uuid::Uuid;

use crate::ApiError;

/// One of the seller's pairs (decoded in `read.rs`).
#[derive(Debug)]
pub(super) struct ItemRow {
    pub(super) id: Uuid,
    pub(super) style_id: String,
    pub(super) size: String,
    pub(super) size_unit: String,
    pub(super) purchase_price: Option<String>,
    pub(super) purchase_currency: Option<String>,
    pub(super) purchase_date: Option<NaiveDate>,
    /// Where the pair was bought, as the seller typed it.
    pub(super) purchase_source: Option<String>,
    pub(super) condition: Option<String>,
    pub(super) status: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) key: String,
    /// Active listings (the app's inventory_v4_listings).
    pub(super) listings: Vec<ListingRow>,
}

#[derive(Debug)]
pub(super) struct ListingRow {
    pub(super) platform: String,
    /// Major units as text ("210.00").
    pub(super) price: String,
    pub(super) currency: String,
}

/// One owned product (decoded in `read.rs`).
#[derive(Debug)]
pub(super) struct ProductRow {
    pub(super) id: i32,
    pub(super) style_key: String,
    pub(super) style_code: String,
    pub(super) name: String,
    pub(super) brand: String,
    pub(super) colorway: Option<String>,
    pub(super) image_url: Option<String>,
    pub(super) tier: String,
    /// The catalogue's gender (`men`, `women`, `unisex`, ...): a bare size on a women-only
    /// product is a women's size.
    pub(super) gender: Option<String>,
    /// The version of the product's size run (see `runs.rs`).
    pub(super) sizes_version: i64,
    /// When the product's sales were last fetched (never: null).
    pub(super) sales_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub(super) struct LinkRow {
    pub(super) product_id: i32,
    pub(super) marketplace_id: i16,
    pub(super) status: String,
    pub(super) last_synced_at: Option<DateTime<Utc>>,
    /// StockX product id / Alias catalog id, for links to the product page.
    pub(super) external_id: Option<String>,
    /// StockX's URL slug.
    pub(super) url_key: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JobRow {
    #[serde(default)]
    pub(super) id: Option<i64>,
    pub(super) product_id: i32,
    pub(super) marketplace_id: i16,
    pub(super) kind: String,
}

/// The enqueue statement's row (decoded in `replies.rs`).
#[derive(Debug)]
pub(super) struct EnqueueRow {
    pub(super) links: Vec<LinkRow>,
    pub(super) open_jobs: Vec<JobRow>,
    pub(super) new_jobs: Vec<JobRow>,
}

/// Major-unit decimal text ("180.00") to minor units, rounding half away from zero.
pub(super) fn to_minor(major: &str, currency: Currency) -> Option<i64> {
    let d = Decimal::from_str(major).ok()?;
    let scaled = d.checked_mul(Decimal::from(10i64.pow(currency.minor_digits())))?;
    i64::try_from(scaled.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)).ok()
}

/// The common length of a set's column arrays (they come from one `array_agg` pass each).
pub(super) fn common_len<const N: usize>(lens: [usize; N]) -> Result<usize, ApiError> {
    if lens.iter().all(|l| *l == lens[0]) {
        Ok(lens[0])
    } else {
        Err(ApiError::Decode(format!(
            "column arrays of unequal length {lens:?}"
        )))
    }
}

/// The next value of a column array whose length `common_len` checked.
pub(super) fn next<T>(column: &mut impl Iterator<Item = T>) -> Result<T, ApiError> {
    column
        .next()
        .ok_or_else(|| ApiError::Decode("column array shorter than its set".into()))
}
