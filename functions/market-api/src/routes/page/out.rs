//! The `GET /v1/products/{style_code}` response (see `openapi/openapi.yaml`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use shared::core::domain::{Currency, Marketplace, Region};
use shared::core::sizes::SizeSystem;
use shared::core::tier::Tier;
use shared::valuation::fx::FxUsage;
use shared::valuation::payout::DisplayPayout;

use crate::history::HistoryOut;

#[derive(Debug, Serialize)]
pub(super) struct PageOut {
    pub(super) style_code: String,
    pub(super) market: Region,
    /// Every `*_minor` amount in this response is in this currency.
    pub(super) currency: Currency,
    pub(super) minor_digits: u32,
    pub(super) fx: Option<FxUsage>,
    pub(super) product: ProductOut,
    pub(super) summary: SummaryOut,
    /// The fees behind every payout on the page.
    pub(super) fee_profile: shared::valuation::fees::FeeProfile,
    pub(super) fee_profile_source: FeeProfileSource,
    pub(super) sizes: Vec<SizeOut>,
    pub(super) history: HistoryOut,
    pub(super) size_history: Option<HistoryOut>,
    /// Sales (Alias `recent_sales`; StockX publishes none).
    pub(super) sales: super::sales::SalesOut,
    pub(super) freshness: FreshnessOut,
}

/// Whose fees the payouts use: the signed-in caller's settings, or the market's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum FeeProfileSource {
    Caller,
    Default,
}

#[derive(Debug, Serialize)]
pub(super) struct ProductOut {
    pub(super) style_code: String,
    pub(super) name: String,
    pub(super) brand: String,
    pub(super) colorway: Option<String>,
    pub(super) gender: String,
    pub(super) release_date: Option<NaiveDate>,
    pub(super) retail_minor: Option<i64>,
    pub(super) image_url: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct Quoted {
    pub(super) marketplace: Marketplace,
    pub(super) amount_minor: i64,
}

#[derive(Debug, Serialize)]
pub(super) struct SaleOut {
    pub(super) marketplace: Marketplace,
    pub(super) amount_minor: i64,
    /// When the sale was first observed (the price row's last change).
    pub(super) observed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub(super) struct ChangeOut {
    pub(super) days: i32,
    pub(super) from_day: NaiveDate,
    pub(super) from_minor: i64,
    pub(super) to_day: NaiveDate,
    pub(super) to_minor: i64,
    pub(super) change_minor: i64,
    /// Percent, 2 decimals, rounded half away from zero.
    pub(super) change_pct: String,
}

#[derive(Debug, Serialize)]
pub(super) struct MarketSummary {
    pub(super) marketplace: Marketplace,
    pub(super) lowest_ask_minor: Option<i64>,
    pub(super) highest_bid_minor: Option<i64>,
    pub(super) last_sale_minor: Option<i64>,
    pub(super) sizes_with_ask: usize,
    pub(super) observed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub(super) struct SummaryOut {
    pub(super) lowest_ask: Option<Quoted>,
    pub(super) highest_bid: Option<Quoted>,
    pub(super) last_sale: Option<SaleOut>,
    pub(super) change_30d: Option<ChangeOut>,
    pub(super) marketplaces: Vec<MarketSummary>,
}

#[derive(Debug, Serialize)]
pub(super) struct SizeMarket {
    pub(super) marketplace: Marketplace,
    pub(super) ask_minor: Option<i64>,
    pub(super) bid_minor: Option<i64>,
    pub(super) last_sale_minor: Option<i64>,
    pub(super) observed_at: DateTime<Utc>,
    /// The ask is far above the rest of the market (`valuation::outliers`): shown, never used.
    pub(super) outlier: bool,
    pub(super) outlier_reason: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct SizeOut {
    pub(super) label: String,
    pub(super) system: SizeSystem,
    pub(super) value: String,
    pub(super) us_m: Option<String>,
    pub(super) uk: Option<String>,
    pub(super) eu: Option<String>,
    pub(super) cm: Option<String>,
    pub(super) marketplaces: Vec<SizeMarket>,
    pub(super) best_ask: Option<Quoted>,
    /// Highest net payout when listing at each marketplace's lowest ask, after the default fees.
    pub(super) best_payout: Option<DisplayPayout>,
    /// Highest net payout when selling now to each marketplace's highest bid.
    pub(super) instant_payout: Option<DisplayPayout>,
    /// This size's last real sale, with when it happened.
    pub(super) last_sale: Option<super::sales::SoldOut>,
}

#[derive(Debug, Serialize)]
pub(super) struct LinkOut {
    pub(super) marketplace: Marketplace,
    pub(super) status: String,
    pub(super) last_synced_at: Option<DateTime<Utc>>,
    pub(super) stale: bool,
    /// `region_not_synced`: this marketplace has only been synced in other markets.
    pub(super) reason: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct FreshnessOut {
    pub(super) tier: Tier,
    pub(super) cadence_hours: i64,
    pub(super) last_synced_at: Option<DateTime<Utc>>,
    pub(super) stale: bool,
    /// `region_not_synced`: no marketplace has synced this market yet (the product is priced in
    /// others), so the page is empty because of the market, not the product.
    pub(super) reason: Option<&'static str>,
    pub(super) marketplaces: Vec<LinkOut>,
}
