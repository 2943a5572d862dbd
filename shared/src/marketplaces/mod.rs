//! Marketplace clients (StockX API v2, Alias API v1) and the normalization of their answers into
//! `snapshot` types. Each provider is a folder of its own (`stockx/`, `alias/`: client, wire
//! format, normalizer, configuration); what they share sits beside them.
//!
//! What the sync worker calls (all through [`MarketplaceClients`], which dispatches on
//! [`Marketplace`]):
//!
//! | call | StockX | Alias | calls per use |
//! |---|---|---|---|
//! | `market_data(m, external_id, region) -> MarketSnapshot` | product market-data in `region.stockx_currency()` | availabilities for `region.alias_region_id()`, USD | 1 per product per region |
//! | `search(m, style_code) -> MatchOutcome` | catalog search, exact style-code match | catalog search, exact match | ≤ `search_max_pages` |
//! | `variants(m, external_id) -> Vec<MarketplaceVariant>` | product variants (`variantId`) | catalog item `allowed_sizes` (id = US size) | 1 |
//!
//! Errors are [`ProviderError`]; `kind()` is the `sync_jobs.error_kind` value and
//! `is_retryable()` says whether to try again later. A marketplace without credentials, or whose
//! StockX refresh token was revoked, answers `Disabled` immediately.
//!
//! Every request reserves a slot from the Postgres-backed [`RateLimiter`] first (shared by all
//! Lambda instances), retries 429/5xx/timeouts a bounded number of times, and StockX refreshes
//! its access token once on a 401 (tokens are shared through `market.marketplace_credentials`).
//! [`links`] writes match outcomes to `market.marketplace_links`.

pub mod alias;
pub mod config;
pub mod error;
pub mod links;
pub mod matching;
pub mod money;
pub mod normalize;
pub mod ratelimit;
mod request;
pub mod snapshot;
pub mod stockx;
pub mod transport;

pub use alias::{AliasClient, AliasConfig};
pub use config::{ClientSettings, RateLimitConfig, Secret};
pub use error::ProviderError;
pub use ratelimit::RateLimiter;
pub use stockx::{StockxClient, StockxConfig};

use crate::core::config::ConfigError;
use crate::core::db::DbPool;
use crate::core::domain::{Marketplace, Region};
use crate::marketplaces::snapshot::{MarketSnapshot, MarketplaceVariant, MatchOutcome};

/// Failure to set the clients up at startup.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// Both clients, each present only when configured.
pub struct MarketplaceClients {
    stockx: Option<StockxClient>,
    alias: Option<AliasClient>,
}

impl MarketplaceClients {
    /// Clients from explicit configuration (`None` = that marketplace is disabled).
    pub fn new(
        pool: DbPool,
        stockx: Option<StockxConfig>,
        alias: Option<AliasConfig>,
        settings: ClientSettings,
    ) -> Result<Self, ProviderError> {
        Ok(MarketplaceClients {
            stockx: stockx
                .map(|c| StockxClient::new(c, pool.clone(), settings.clone()))
                .transpose()?,
            alias: alias
                .map(|c| AliasClient::new(c, pool, settings))
                .transpose()?,
        })
    }

    /// Clients from the environment (see `config`). A marketplace without credentials is disabled
    /// with one log line. `{STOCKX,ALIAS}_MIN_INTERVAL_MS` / `_DAILY_LIMIT`, when set, are
    /// written to `market.rate_limits`.
    pub async fn from_env(pool: DbPool) -> Result<Self, SetupError> {
        let settings = ClientSettings::from_env()?;
        let stockx = StockxConfig::from_env();
        if stockx.is_none() {
            tracing::warn!(
                missing = StockxConfig::missing_env().join(","),
                "StockX disabled: credentials not configured"
            );
        }
        let alias = AliasConfig::from_env();
        if alias.is_none() {
            tracing::warn!("Alias disabled: ALIAS_API_TOKEN not configured");
        }
        let limiter = RateLimiter::new(pool.clone());
        for m in Marketplace::ALL {
            if let Some(limits) = RateLimitConfig::from_env(m)? {
                limiter.configure(m, limits).await?;
            }
        }
        Ok(Self::new(pool, stockx, alias, settings)?)
    }

    /// The marketplaces that have clients.
    pub fn enabled(&self) -> Vec<Marketplace> {
        Marketplace::ALL
            .into_iter()
            .filter(|m| self.is_enabled(*m))
            .collect()
    }

    pub fn is_enabled(&self, m: Marketplace) -> bool {
        match m {
            Marketplace::StockX => self.stockx.is_some(),
            Marketplace::Alias => self.alias.is_some(),
        }
    }

    pub fn stockx(&self) -> Result<&StockxClient, ProviderError> {
        self.stockx
            .as_ref()
            .ok_or_else(|| disabled(Marketplace::StockX))
    }

    pub fn alias(&self) -> Result<&AliasClient, ProviderError> {
        self.alias
            .as_ref()
            .ok_or_else(|| disabled(Marketplace::Alias))
    }

    /// All sizes' prices of one product in one region: ONE provider call.
    pub async fn market_data(
        &self,
        m: Marketplace,
        external_id: &str,
        region: Region,
    ) -> Result<MarketSnapshot, ProviderError> {
        match m {
            Marketplace::StockX => self.stockx()?.market_data(external_id, region).await,
            Marketplace::Alias => self.alias()?.availabilities(external_id, region).await,
        }
    }

    /// Finds the product with this style code on `m` (exact normalized match only).
    pub async fn search(
        &self,
        m: Marketplace,
        style_code: &str,
    ) -> Result<MatchOutcome, ProviderError> {
        match m {
            Marketplace::StockX => self.stockx()?.search(style_code).await,
            Marketplace::Alias => self.alias()?.search(style_code).await,
        }
    }

    /// The sizes `m` sells the product in, mapped onto our size systems where possible.
    pub async fn variants(
        &self,
        m: Marketplace,
        external_id: &str,
    ) -> Result<Vec<MarketplaceVariant>, ProviderError> {
        match m {
            Marketplace::StockX => self.stockx()?.variants(external_id).await,
            Marketplace::Alias => self.alias()?.variants(external_id).await,
        }
    }
}

fn disabled(m: Marketplace) -> ProviderError {
    ProviderError::Disabled {
        marketplace: m,
        reason: "credentials not configured".into(),
    }
}
