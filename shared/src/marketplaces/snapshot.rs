//! The normalized result of one marketplace price call, and of one catalogue lookup. Clients turn
//! each provider's wire format into these; the sync worker writes them; nothing downstream knows
//! which provider a value came from except through `Marketplace`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::core::domain::{Currency, Marketplace, Money, Region};
use crate::core::sizes::SizeSystem;

/// Prices of one size on one marketplace in one region. Amounts are minor units of the snapshot's
/// currency; `None` means the marketplace has no data (never zero, never a sentinel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// StockX `variantId`; for Alias the pricing size (US size equivalent, e.g. `"10.5"`).
    pub external_variant_id: String,
    pub lowest_ask: Option<i64>,
    pub highest_bid: Option<i64>,
    pub last_sale: Option<i64>,
}

/// Everything one product-level price call returned: one marketplace, one region, one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSnapshot {
    pub marketplace: Marketplace,
    pub external_product_id: String,
    pub region: Region,
    pub currency: Currency,
    pub observed_at: DateTime<Utc>,
    pub quotes: Vec<Quote>,
}

/// A product as a marketplace's catalogue describes it (search results and product lookups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCandidate {
    pub marketplace: Marketplace,
    pub external_id: String,
    pub url_key: Option<String>,
    /// As the marketplace writes it (`DZ5485-612`, `DZ5485 612`); may be several joined by `/`.
    pub style_code: Option<String>,
    pub title: Option<String>,
    pub brand: Option<String>,
    pub gender: Option<String>,
    pub release_date: Option<NaiveDate>,
    pub retail: Option<Money>,
    pub image_url: Option<String>,
}

/// A size a marketplace sells a product in, with the conversions its size chart gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceVariant {
    pub external_variant_id: String,
    /// The marketplace's own label (`"10"`, `"6.5W"`, `"5Y"`).
    pub label: String,
    /// `None` when the size could not be mapped onto a size system (recorded, not dropped).
    pub system: Option<SizeSystem>,
    pub value: Option<Decimal>,
    pub us_m: Option<Decimal>,
    pub us_w: Option<Decimal>,
    pub uk: Option<Decimal>,
    pub eu: Option<Decimal>,
    pub cm: Option<Decimal>,
}

/// Outcome of matching one catalogue product against a marketplace search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOutcome {
    /// Exactly one candidate has the same normalized style code.
    Matched(CatalogCandidate),
    /// Several candidates share the style code: a human decides. All candidates are kept.
    NeedsReview(Vec<CatalogCandidate>),
    /// No candidate has the style code (the near misses are kept for review).
    NotFound(Vec<CatalogCandidate>),
}

/// One sale a marketplace reported for one size. `price_minor` is in the page's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    pub purchased_at: DateTime<Utc>,
    /// Minor units (Alias: USD cents).
    pub price_minor: i64,
    pub consigned: bool,
}

/// Rows of a sales page that were dropped, by reason. A row counts under the first reason found,
/// in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesSkipped {
    /// `purchased_at` missing or not an RFC 3339 time.
    pub no_time: u32,
    /// Price missing, zero, negative or not a whole number of cents.
    pub bad_price: u32,
    /// A size other than the one asked for (or none).
    pub other_size: u32,
    /// An exact repeat of an earlier row of the same page.
    pub duplicate: u32,
    /// Dated more than a few minutes after the fetch (a clock or data error upstream).
    pub future: u32,
}

impl SalesSkipped {
    pub fn total(&self) -> u32 {
        self.no_time + self.bad_price + self.other_size + self.duplicate + self.future
    }
}

/// One page of recent sales of one size in one region, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesPage {
    pub marketplace: Marketplace,
    pub external_product_id: String,
    /// The size asked for, as sent (`"10"`, `"10.5"`).
    pub size: String,
    pub region: Region,
    pub currency: Currency,
    pub sales: Vec<Sale>,
    pub skipped: SalesSkipped,
    pub fetched_at: DateTime<Utc>,
}
