//! StockX API v2 wire formats, deserialized leniently: unknown fields are ignored, every field the
//! protocol reference marks as nullable or uncertain is optional, and amounts are kept raw
//! ([`RawNumber`]) so the normalizer can reject bad ones with a precise message.

use crate::marketplaces::money::RawNumber;
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
