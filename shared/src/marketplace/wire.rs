//! Provider wire formats, deserialized leniently: unknown fields are ignored, every field the
//! protocol reference marks as nullable or uncertain is optional, and amounts are kept raw so the
//! normalizer can reject bad ones with a precise message instead of a serde error.

use serde::Deserialize;

/// A JSON value that should be a number but may arrive as a string (or the other way round).
/// Kept textual: converting through `f64` would lose exactness.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    Text(String),
    Number(serde_json::Number),
}

impl RawNumber {
    /// The value as written (numbers via serde_json's shortest round-trip form, e.g. `10.5`).
    pub fn as_text(&self) -> String {
        match self {
            RawNumber::Text(s) => s.trim().to_string(),
            RawNumber::Number(n) => n.to_string(),
        }
    }
}

pub mod stockx {
    use super::RawNumber;
    use serde::Deserialize;

    /// `GET /catalog/search`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Search {
        #[serde(default)]
        pub count: Option<RawNumber>,
        #[serde(default)]
        pub page_number: Option<RawNumber>,
        #[serde(default)]
        pub has_next_page: Option<bool>,
        #[serde(default)]
        pub products: Vec<Product>,
    }

    /// A search result (`SearchProduct`) or `GET /catalog/products/{id}` (`Product`).
    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Product {
        pub product_id: String,
        #[serde(default)]
        pub url_key: Option<String>,
        #[serde(default)]
        pub style_id: Option<String>,
        #[serde(default)]
        pub product_type: Option<String>,
        #[serde(default)]
        pub title: Option<String>,
        #[serde(default)]
        pub brand: Option<String>,
        #[serde(default)]
        pub product_attributes: Option<ProductAttributes>,
        #[serde(default)]
        pub size_chart: Option<SizeChart>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ProductAttributes {
        #[serde(default)]
        pub gender: Option<String>,
        #[serde(default)]
        pub release_date: Option<String>,
        /// A JSON number in USD major units (currency inferred by the reference).
        #[serde(default)]
        pub retail_price: Option<RawNumber>,
        #[serde(default)]
        pub colorway: Option<String>,
    }

    /// Size chart. Product level names entries `{name, type}`, variant level `{size, type}`.
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SizeChart {
        #[serde(default)]
        pub available_conversions: Vec<Conversion>,
        #[serde(default)]
        pub default_conversion: Option<Conversion>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct Conversion {
        #[serde(default)]
        pub size: Option<String>,
        #[serde(default)]
        pub name: Option<String>,
        #[serde(default, rename = "type")]
        pub kind: Option<String>,
    }

    /// `GET /catalog/products/{id}/variants` items.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Variant {
        #[serde(default)]
        pub product_id: Option<String>,
        pub variant_id: String,
        #[serde(default)]
        pub variant_name: Option<String>,
        #[serde(default)]
        pub variant_value: Option<String>,
        #[serde(default)]
        pub size_chart: Option<SizeChart>,
    }

    /// `GET /catalog/products/{id}/market-data` items (`VariantMarketDataResponse`). Only the
    /// headline fields are read; the nested standard/flex/direct blocks are ignored.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct MarketData {
        #[serde(default)]
        pub product_id: Option<String>,
        pub variant_id: String,
        #[serde(default)]
        pub currency_code: Option<String>,
        #[serde(default)]
        pub lowest_ask_amount: Option<RawNumber>,
        #[serde(default)]
        pub highest_bid_amount: Option<RawNumber>,
    }

    /// OAuth token endpoint answer (Auth0 shape). `Debug` is not derived: it holds secrets.
    #[derive(Clone, Deserialize)]
    pub struct TokenResponse {
        pub access_token: String,
        #[serde(default)]
        pub refresh_token: Option<String>,
        #[serde(default)]
        pub expires_in: Option<i64>,
        #[serde(default)]
        pub token_type: Option<String>,
    }

    /// OAuth error body (`{"error":"invalid_grant","error_description":...}`).
    #[derive(Debug, Clone, Deserialize)]
    pub struct TokenError {
        #[serde(default)]
        pub error: Option<String>,
        #[serde(default)]
        pub error_description: Option<String>,
    }
}

pub mod alias {
    use super::RawNumber;
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
}
