//! Settings every marketplace client shares (timeouts, retries, the rate limit) and the `Secret`
//! wrapper that keeps credentials out of `Debug` output. Each provider's credentials and hosts
//! live in its own `config.rs`.

use std::time::Duration;

use crate::core::config::{optional, parsed, ConfigError};
use crate::core::domain::Marketplace;

/// A credential. `Debug`/`Display` print a placeholder; use `expose()` only to build a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Request behaviour shared by both clients.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Whole-request timeout (connect + response), `MARKETPLACE_TIMEOUT_MS`, default 10 s.
    pub timeout: Duration,
    /// Attempts per call for retryable failures (429, 5xx, timeouts), default 3.
    pub max_attempts: u32,
    /// Longest we wait for a rate-limit slot (ours or after a 429) before giving up with
    /// `RateLimited`, default 30 s. Lambdas should keep this well below their own timeout.
    pub max_wait: Duration,
    /// First back-off after a 5xx/timeout; doubles per attempt. Default 250 ms.
    pub retry_backoff: Duration,
    /// Block after a 429 without `Retry-After`; doubles per attempt. Default 2 s.
    pub throttle_backoff: Duration,
    /// Search page size (StockX caps at 50) and how many pages a style-code search may read.
    pub search_page_size: u32,
    pub search_max_pages: u32,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            timeout: Duration::from_secs(10),
            max_attempts: 3,
            max_wait: Duration::from_secs(30),
            retry_backoff: Duration::from_millis(250),
            throttle_backoff: Duration::from_secs(2),
            search_page_size: 50,
            search_max_pages: 2,
        }
    }
}

impl ClientSettings {
    /// Defaults overridden by `MARKETPLACE_TIMEOUT_MS`, `MARKETPLACE_MAX_ATTEMPTS`,
    /// `MARKETPLACE_MAX_WAIT_MS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(ClientSettings {
            timeout: Duration::from_millis(parsed(
                "MARKETPLACE_TIMEOUT_MS",
                d.timeout.as_millis() as u64,
            )?),
            max_attempts: parsed("MARKETPLACE_MAX_ATTEMPTS", d.max_attempts)?.max(1),
            max_wait: Duration::from_millis(parsed(
                "MARKETPLACE_MAX_WAIT_MS",
                d.max_wait.as_millis() as u64,
            )?),
            ..d
        })
    }
}

/// Limits for one marketplace as stored in `market.rate_limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    pub min_interval: Duration,
    pub daily_limit: u32,
}

impl RateLimitConfig {
    /// `{STOCKX,ALIAS}_MIN_INTERVAL_MS` / `{STOCKX,ALIAS}_DAILY_LIMIT`. `None` when neither is set
    /// (the row's values stay); when only one is set the other takes the documented default.
    pub fn from_env(m: Marketplace) -> Result<Option<Self>, ConfigError> {
        let prefix = m.code().to_ascii_uppercase();
        let interval_var = format!("{prefix}_MIN_INTERVAL_MS");
        let daily_var = format!("{prefix}_DAILY_LIMIT");
        if optional(&interval_var).is_none() && optional(&daily_var).is_none() {
            return Ok(None);
        }
        let d = Self::default_for(m);
        let interval_ms: u64 = parsed(&interval_var, d.min_interval.as_millis() as u64)?;
        let daily: u32 = parsed(&daily_var, d.daily_limit)?;
        if interval_ms == 0 || daily == 0 {
            return Err(ConfigError {
                name: format!("{interval_var}/{daily_var}"),
                message: "must be positive".into(),
            });
        }
        Ok(Some(RateLimitConfig {
            min_interval: Duration::from_millis(interval_ms),
            daily_limit: daily,
        }))
    }

    /// The migration's defaults: StockX 1 req/s (+50 ms for jitter) and 25,000/day; Alias 4/s.
    pub fn default_for(m: Marketplace) -> Self {
        match m {
            Marketplace::StockX => RateLimitConfig {
                min_interval: Duration::from_millis(1050),
                daily_limit: 25_000,
            },
            Marketplace::Alias => RateLimitConfig {
                min_interval: Duration::from_millis(250),
                daily_limit: 100_000,
            },
        }
    }
}
