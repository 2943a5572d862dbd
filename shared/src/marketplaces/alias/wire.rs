//! Alias API v1 wire formats, deserialized leniently: unknown fields are ignored, every field the
//! protocol reference marks as nullable or uncertain is optional, and amounts (USD cents as
//! strings) are kept raw ([`RawNumber`]) so the normalizer can reject bad ones precisely.

use crate::marketplaces::money::RawNumber;
use serde::Deserialize;

/// `GET /catalog`. Snake case per the endpoint schema; the camelCase spelling from the
/// generic pagination docs is accepted too.
#[derive(Debug, Clone, Deserialize)]
pub struct Search {
    #[serde(default)]
    pub catalog_items: Vec<CatalogItem>,
    #[serde(default, alias = "nextPaginationToken")]
    pub next_pagination_token: Option<String>,
    #[serde(default, alias = "hasMore")]
    pub has_more: Option<bool>,
}

/// `GET /catalog/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogItemEnvelope {
    pub catalog_item: CatalogItem,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CatalogItem {
    pub catalog_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub release_date: Option<String>,
    #[serde(default)]
    pub size_unit: Option<String>,
    #[serde(default)]
    pub allowed_sizes: Vec<AllowedSize>,
    #[serde(default)]
    pub retail_price_cents: Option<RawNumber>,
    #[serde(default)]
    pub main_picture_url: Option<String>,
    #[serde(default)]
    pub colorway: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AllowedSize {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub value: Option<RawNumber>,
    #[serde(default)]
    pub us_size_equivalent: Option<RawNumber>,
}

/// `GET /pricing_insights/availabilities/{catalog_id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Availabilities {
    #[serde(default)]
    pub variants: Vec<AvailabilityVariant>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AvailabilityVariant {
    pub size: RawNumber,
    /// Enum name (`PRODUCT_CONDITION_NEW`) or its number (`1`).
    #[serde(default)]
    pub product_condition: Option<RawNumber>,
    #[serde(default)]
    pub packaging_condition: Option<RawNumber>,
    /// Present only when the request sent `consigned`.
    #[serde(default)]
    pub consigned: Option<bool>,
    #[serde(default)]
    pub availability: Option<Availability>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Availability {
    #[serde(default)]
    pub lowest_listing_price_cents: Option<RawNumber>,
    #[serde(default)]
    pub highest_offer_price_cents: Option<RawNumber>,
    #[serde(default)]
    pub last_sold_listing_price_cents: Option<RawNumber>,
    #[serde(default)]
    pub global_indicator_price_cents: Option<RawNumber>,
}

/// `GET /pricing_insights/recent_sales`: one size's sales, newest first. Every field is optional
/// so one odd row is skipped (and counted) instead of failing the page.
#[derive(Debug, Clone, Deserialize)]
pub struct RecentSales {
    #[serde(default)]
    pub recent_sales: Vec<RecentSale>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecentSale {
    /// RFC 3339 with milliseconds and `Z`.
    #[serde(default)]
    pub purchased_at: Option<String>,
    /// USD cents, a string on the wire (a number is accepted).
    #[serde(default)]
    pub price_cents: Option<RawNumber>,
    /// US size equivalent, a number on the wire (a string is accepted).
    #[serde(default)]
    pub size: Option<RawNumber>,
    /// proto3 may omit a `false`, so absent reads as not consigned.
    #[serde(default)]
    pub consigned: Option<bool>,
    #[serde(default)]
    pub catalog_id: Option<String>,
}
