//! Alias (GOAT seller) API v1 client: catalog search, catalog item (sizes), per-product
//! availabilities and per-size recent sales. Auth is a personal access token (no refresh); every call goes through the
//! shared rate limiter.

use std::future::Ready;

use chrono::Utc;

pub mod config;
pub mod normalize;
pub mod wire;

pub use config::AliasConfig;

use self::normalize::{
    alias_availabilities, alias_candidate, alias_catalog_item, alias_recent_sales, alias_variants,
};
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
    CatalogCandidate, MarketSnapshot, MarketplaceVariant, MatchOutcome, SalesPage,
};

const M: Marketplace = Marketplace::Alias;

pub struct AliasClient {
    http: reqwest::Client,
    cfg: AliasConfig,
    limiter: RateLimiter,
    settings: ClientSettings,
}

/// One page of catalog search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub candidates: Vec<CatalogCandidate>,
    /// Cursor for the next page; `None` on the last page.
    pub next_token: Option<String>,
}

type NoRefresh = fn() -> Ready<Result<(), ProviderError>>;

impl AliasClient {
    pub fn new(
        cfg: AliasConfig,
        pool: DbPool,
        settings: ClientSettings,
    ) -> Result<Self, ProviderError> {
        let http = build_client(settings.timeout).map_err(|e| ProviderError::Permanent {
            marketplace: M,
            status: 0,
            detail: format!("cannot build HTTP client: {e}"),
        })?;
        Ok(AliasClient {
            http,
            cfg,
            limiter: RateLimiter::new(pool),
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
        let attempt = || async {
            let req = self
                .http
                .get(&url)
                .query(query)
                .bearer_auth(self.cfg.token.expose());
            match send(M, req).await {
                Ok(resp) => Attempt::Response(resp),
                Err(e) => Attempt::Failed(e),
            }
        };
        with_retries(M, &self.limiter, &self.settings, attempt, None::<NoRefresh>).await
    }

    /// `GET /pricing_insights/availabilities/{catalog_id}?region_id=`: every size and condition of
    /// the product in ONE call. Prices are USD whatever the region.
    pub async fn availabilities(
        &self,
        catalog_id: &str,
        region: Region,
    ) -> Result<MarketSnapshot, ProviderError> {
        check_id(M, "catalog id", catalog_id)?;
        let body = self
            .get(
                &format!("/pricing_insights/availabilities/{catalog_id}"),
                &[("region_id", region.alias_region_id().to_string())],
            )
            .await?;
        alias_availabilities(&body, catalog_id, region, Utc::now())
    }

    /// Same as [`AliasClient::availabilities`]; named like the StockX call for symmetry.
    pub async fn market_data(
        &self,
        catalog_id: &str,
        region: Region,
    ) -> Result<MarketSnapshot, ProviderError> {
        self.availabilities(catalog_id, region).await
    }

    /// `GET /pricing_insights/recent_sales`: up to 200 of one size's sales in `region`, newest
    /// first, USD cents.
    ///
    /// One call per size is the only access pattern that works: the documented catalog-level
    /// pattern (no `size`) is answered with 400 "Missing parameter: input.Size". The query pins
    /// every filter because Alias allows a `limit` above 10 only when all four are given; the
    /// conditions are the standard market (`NEW` + `GOOD_CONDITION`, what StockX calls new), and
    /// `consigned=false` is the market every seller competes in (consigned stock sells dearer
    /// and would need a second call per size). A 400 (e.g. a size the product does not have)
    /// is a permanent error and is not retried. Odd rows are skipped and counted in the page's
    /// `skipped`.
    pub async fn recent_sales(
        &self,
        catalog_id: &str,
        size: &str,
        region: Region,
    ) -> Result<SalesPage, ProviderError> {
        check_id(M, "catalog id", catalog_id)?;
        check_size(size)?;
        let body = self
            .get(
                "/pricing_insights/recent_sales",
                &[
                    ("catalog_id", catalog_id.to_string()),
                    ("size", size.to_string()),
                    ("limit", "200".to_string()),
                    ("product_condition", "PRODUCT_CONDITION_NEW".to_string()),
                    (
                        "packaging_condition",
                        "PACKAGING_CONDITION_GOOD_CONDITION".to_string(),
                    ),
                    ("consigned", "false".to_string()),
                    ("region_id", region.alias_region_id().to_string()),
                ],
            )
            .await?;
        alias_recent_sales(&body, catalog_id, size, region, Utc::now())
    }

    /// One page of `GET /catalog?query=&limit=&pagination_token=`.
    pub async fn search_page(
        &self,
        query: &str,
        token: Option<&str>,
    ) -> Result<SearchPage, ProviderError> {
        let mut q = vec![
            ("query", query.to_string()),
            ("limit", self.settings.search_page_size.max(1).to_string()),
        ];
        if let Some(t) = token.filter(|t| !t.is_empty()) {
            q.push(("pagination_token", t.to_string()));
        }
        let body = self.get("/catalog", &q).await?;
        let page: wire::Search = decode(M, &body)?;
        let next_token = page
            .next_pagination_token
            .filter(|t| !t.is_empty() && page.has_more.unwrap_or(false));
        Ok(SearchPage {
            candidates: page.catalog_items.iter().map(alias_candidate).collect(),
            next_token,
        })
    }

    /// Searches by style code (up to `search_max_pages` pages) and matches exactly on it
    /// (Alias writes `DZ5485 612`; both spellings normalize the same).
    pub async fn search(&self, style_code: &str) -> Result<MatchOutcome, ProviderError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..self.settings.search_max_pages.max(1) {
            let p = self.search_page(style_code, token.as_deref()).await?;
            all.extend(p.candidates);
            match p.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(match_style_code(style_code, all))
    }

    /// `GET /catalog/{id}` as a candidate.
    pub async fn catalog_item(&self, catalog_id: &str) -> Result<CatalogCandidate, ProviderError> {
        check_id(M, "catalog id", catalog_id)?;
        let body = self.get(&format!("/catalog/{catalog_id}"), &[]).await?;
        Ok(alias_candidate(&alias_catalog_item(&body)?))
    }

    /// Sizes from `GET /catalog/{id}` `allowed_sizes`, keyed by the pricing size.
    pub async fn variants(
        &self,
        catalog_id: &str,
    ) -> Result<Vec<MarketplaceVariant>, ProviderError> {
        check_id(M, "catalog id", catalog_id)?;
        let body = self.get(&format!("/catalog/{catalog_id}"), &[]).await?;
        Ok(alias_variants(&alias_catalog_item(&body)?))
    }
}

/// A pricing size as Alias takes it: a plain positive decimal (`10`, `10.5`), nothing else, so a
/// label like `10W` or `US 10` fails here instead of costing a call.
fn check_size(size: &str) -> Result<(), ProviderError> {
    let (whole, frac) = match size.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (size, None),
    };
    let digits = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
    let positive = size.bytes().any(|b| (b'1'..=b'9').contains(&b));
    if digits(whole) && frac.is_none_or(digits) && positive {
        Ok(())
    } else {
        Err(ProviderError::Permanent {
            marketplace: M,
            status: 0,
            detail: format!(
                "invalid size {:?}: expected a plain decimal like 10 or 10.5",
                size.chars().take(20).collect::<String>()
            ),
        })
    }
}
