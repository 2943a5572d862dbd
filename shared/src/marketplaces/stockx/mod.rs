//! StockX API v2 client: catalog search, product, variants and product-level market data.
//! Every call sends `x-api-key` and a bearer access token, goes through the shared rate limiter,
//! and on a 401 refreshes the token once and retries once.

use chrono::Utc;

pub mod config;
mod credentials;
pub mod normalize;
pub mod tokens;
pub mod wire;

pub use config::StockxConfig;

use self::normalize::{stockx_candidate, stockx_market_data, stockx_variants};
use self::tokens::StockxTokens;
use super::config::ClientSettings;
use super::error::ProviderError;
use super::matching::match_style_code;
use super::normalize::decode;
use super::ratelimit::RateLimiter;
use super::request::{check_id, with_retries, Attempt};
use super::transport::{build_client, send};
use crate::core::db::DbPool;
use crate::core::domain::{Marketplace, Region};
use crate::marketplaces::snapshot::{
    CatalogCandidate, MarketSnapshot, MarketplaceVariant, MatchOutcome,
};

const M: Marketplace = Marketplace::StockX;

pub struct StockxClient {
    http: reqwest::Client,
    cfg: StockxConfig,
    tokens: StockxTokens,
    limiter: RateLimiter,
    settings: ClientSettings,
}

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub candidates: Vec<CatalogCandidate>,
    pub has_next_page: bool,
}

impl StockxClient {
    pub fn new(
        cfg: StockxConfig,
        pool: DbPool,
        settings: ClientSettings,
    ) -> Result<Self, ProviderError> {
        let http = build_client(settings.timeout).map_err(|e| ProviderError::Permanent {
            marketplace: M,
            status: 0,
            detail: format!("cannot build HTTP client: {e}"),
        })?;
        Ok(StockxClient {
            tokens: StockxTokens::new(pool.clone(), http.clone(), cfg.clone()),
            limiter: RateLimiter::new(pool),
            http,
            cfg,
            settings,
        })
    }

    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<bytes::Bytes, ProviderError> {
        let url = format!("{}{}", self.cfg.api_base.trim_end_matches('/'), path);
        let current = std::sync::Mutex::new(None);
        let attempt = || async {
            let token = match self.tokens.access_token().await {
                Ok(t) => t,
                Err(e) => return Attempt::Failed(e),
            };
            let req = self
                .http
                .get(&url)
                .query(query)
                .header("x-api-key", self.cfg.api_key.expose())
                .bearer_auth(token.expose());
            *current.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
            match send(M, req).await {
                Ok(resp) => Attempt::Response(resp),
                Err(e) => Attempt::Failed(e),
            }
        };
        let refresh = || async {
            let rejected = current.lock().unwrap_or_else(|p| p.into_inner()).take();
            match rejected {
                Some(token) => self.tokens.after_unauthorized(&token).await.map(|_| ()),
                None => Ok(()),
            }
        };
        with_retries(M, &self.limiter, &self.settings, attempt, Some(refresh)).await
    }

    /// `GET /catalog/products/{id}/market-data?currencyCode=`: every size of the product in ONE
    /// call, in `region.stockx_currency()`.
    pub async fn market_data(
        &self,
        product_id: &str,
        region: Region,
    ) -> Result<MarketSnapshot, ProviderError> {
        check_id(M, "product id", product_id)?;
        let currency = region.stockx_currency();
        let body = self
            .get(
                &format!("/catalog/products/{product_id}/market-data"),
                &[("currencyCode", currency.code().to_string())],
            )
            .await?;
        stockx_market_data(&body, product_id, region, Utc::now())
    }

    /// One page of `GET /catalog/search` (`page_number` starts at 1; `pageSize` is always sent).
    pub async fn search_page(
        &self,
        query: &str,
        page_number: u32,
    ) -> Result<SearchPage, ProviderError> {
        let body = self
            .get(
                "/catalog/search",
                &[
                    ("query", query.to_string()),
                    ("pageNumber", page_number.max(1).to_string()),
                    (
                        "pageSize",
                        self.settings.search_page_size.clamp(1, 50).to_string(),
                    ),
                ],
            )
            .await?;
        let page: wire::Search = decode(M, &body)?;
        Ok(SearchPage {
            candidates: page.products.iter().map(stockx_candidate).collect(),
            has_next_page: page.has_next_page.unwrap_or(false),
        })
    }

    /// Searches by style code (up to `search_max_pages` pages) and matches exactly on it.
    pub async fn search(&self, style_code: &str) -> Result<MatchOutcome, ProviderError> {
        let mut all = Vec::new();
        for page in 1..=self.settings.search_max_pages.max(1) {
            let p = self.search_page(style_code, page).await?;
            all.extend(p.candidates);
            if !p.has_next_page {
                break;
            }
        }
        Ok(match_style_code(style_code, all))
    }

    /// `GET /catalog/products/{id}`.
    pub async fn product(&self, product_id: &str) -> Result<CatalogCandidate, ProviderError> {
        check_id(M, "product id", product_id)?;
        let body = self
            .get(&format!("/catalog/products/{product_id}"), &[])
            .await?;
        let p: wire::Product = decode(M, &body)?;
        Ok(stockx_candidate(&p))
    }

    /// `GET /catalog/products/{id}/variants`, mapped onto our size systems (unmappable sizes are
    /// returned with `system: None`).
    pub async fn variants(
        &self,
        product_id: &str,
    ) -> Result<Vec<MarketplaceVariant>, ProviderError> {
        check_id(M, "product id", product_id)?;
        let body = self
            .get(&format!("/catalog/products/{product_id}/variants"), &[])
            .await?;
        stockx_variants(&body)
    }
}
