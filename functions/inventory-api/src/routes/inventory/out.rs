//! The `GET /v1/inventory` response (see `openapi/openapi.yaml`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use shared::core::domain::{Currency, Marketplace, Region};
use shared::core::tier::Tier;
use shared::valuation::fees::FeeProfile;
use shared::valuation::fx::FxUsage;
use shared::valuation::payout::{DetailedPayout, DisplayPayout};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// Current data (within the tier's cadence) with at least one ask.
    Live,
    /// A value from older data, or from a last sale / bid when no ask is listed.
    LastKnown,
    /// No value; `reason` says why.
    NoneYet,
}

#[derive(Debug, Serialize)]
pub(super) struct ProductOut {
    pub(super) style_code: String,
    pub(super) name: String,
    pub(super) brand: String,
    pub(super) colorway: Option<String>,
    pub(super) image_url: Option<String>,
    pub(super) tier: Tier,
}

#[derive(Debug, Serialize)]
pub(super) struct SizeOut {
    /// As stored on the item, with its unit.
    pub(super) size: String,
    pub(super) unit: String,
    /// The US size used for matching (label form: `10`, `6.5W`, `5Y`), when known.
    pub(super) us_size: Option<String>,
    /// How `us_size` was obtained: `same_system`, `size_chart` (marketplace chart),
    /// `standard_chart` (our standard run's conversions), `brand_chart` (the brand's published
    /// chart) or `table` (Nike's chart standing in for a brand without one).
    pub(super) conversion: Option<&'static str>,
    /// The US sizes an ambiguous size is printed on (reason `ambiguous_size`); empty otherwise.
    pub(super) candidates: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct MarketOut {
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
pub(super) struct ItemOut {
    pub(super) id: Uuid,
    pub(super) style_id: String,
    pub(super) product: Option<ProductOut>,
    pub(super) size: SizeOut,
    pub(super) status: String,
    pub(super) condition: Option<String>,
    pub(super) purchase_date: Option<NaiveDate>,
    pub(super) purchase_currency: Option<Currency>,
    /// The purchase price as recorded, before any conversion: minor units of `purchase_currency`,
    /// or of the seller's own currency (`fee_profile.currency`) when `cost_currency_assumed`.
    pub(super) purchase_price_minor: Option<i64>,
    /// Where the pair was bought, as the seller recorded it.
    pub(super) purchase_source: Option<String>,
    /// Purchase price in the response currency.
    pub(super) cost_minor: Option<i64>,
    /// The purchase price had no currency; the seller's currency was assumed.
    pub(super) cost_currency_assumed: bool,
    pub(super) marketplaces: Vec<MarketOut>,
    pub(super) market_value_minor: Option<i64>,
    pub(super) best_payout: Option<DisplayPayout>,
    /// `best_payout.net_minor - cost_minor`.
    pub(super) unrealized_profit_minor: Option<i64>,
    /// Percent of cost, 2 decimals, rounded half away from zero.
    pub(super) unrealized_profit_pct: Option<String>,
    pub(super) as_of: Option<DateTime<Utc>>,
    pub(super) stale: bool,
    pub(super) price_source: PriceSource,
    pub(super) reason: Option<&'static str>,
    /// A sync job for this item's product is queued or running.
    pub(super) sync_pending: bool,
    /// Active listings: platform, price (minor units of `currency`; null if unparseable).
    pub(super) listings: Vec<ListingOut>,
    /// Per marketplace: mapping, lowest ask and net at it, highest bid and the instant payout at
    /// it (each with its fee breakdown), instant profit, spread.
    pub(super) platforms: Vec<PlatformOut>,
    /// How much more the best platform pays than the next one (net at ask).
    pub(super) better_by_minor: Option<i64>,
    /// The size's last sale and 72-hour / 30-day volume in this market (Alias; StockX publishes
    /// no sales). Null until the product's sales are fetched or when the size is not matched.
    pub(super) sales: Option<super::sales::ItemSalesOut>,
}

#[derive(Debug, Default, Serialize)]
pub(super) struct Totals {
    pub(super) currency: Option<Currency>,
    pub(super) items: usize,
    pub(super) items_valued: usize,
    pub(super) items_with_cost: usize,
    pub(super) cost_basis_minor: i64,
    pub(super) market_value_minor: i64,
    pub(super) net_payout_minor: i64,
    /// Over items with both a cost and a payout.
    pub(super) unrealized_profit_minor: i64,
    pub(super) unrealized_profit_pct: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct Out {
    pub(super) market: Region,
    pub(super) currency: Currency,
    pub(super) minor_digits: u32,
    pub(super) fx: Option<FxUsage>,
    pub(super) fee_profile: FeeProfile,
    pub(super) fee_profile_is_default: bool,
    /// Over every item the filters admit, not only this page.
    pub(super) totals: Totals,
    pub(super) page: super::page::PageOut,
    pub(super) items: Vec<ItemOut>,
}

#[derive(Debug, Serialize)]
pub(super) struct ListingOut {
    pub(super) platform: String,
    pub(super) price_minor: Option<i64>,
    pub(super) currency: String,
}

#[derive(Debug, Serialize)]
pub(super) struct PlatformOut {
    pub(super) marketplace: Marketplace,
    /// The style is matched to a product on this marketplace.
    pub(super) mapped: bool,
    /// StockX product id / Alias catalog id.
    pub(super) external_id: Option<String>,
    /// StockX's URL slug (stockx.com/<url_key>).
    pub(super) url_key: Option<String>,
    pub(super) ask_minor: Option<i64>,
    /// Net payout when listing at the lowest ask (an outlier ask gives none).
    pub(super) at_ask: Option<DetailedPayout>,
    pub(super) bid_minor: Option<i64>,
    /// Instant payout: selling now to the highest bid.
    pub(super) at_bid: Option<DetailedPayout>,
    /// `at_bid.net_minor - cost_minor`.
    pub(super) instant_profit_minor: Option<i64>,
    /// `(net at ask - net at bid) / net at ask × 100`, two decimals.
    pub(super) spread_pct: Option<String>,
}
