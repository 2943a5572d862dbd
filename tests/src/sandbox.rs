//! Starts the sandbox marketplace in-process on 127.0.0.1:0 and talks to its admin API.

use std::time::Duration;

use sandbox_market::{Limit, RunningSandbox, SandboxConfig, SandboxProduct};
use serde_json::Value;
use shared::core::db::DbPool;
use shared::core::domain::Marketplace;
use shared::marketplaces::{
    AliasConfig, ClientSettings, RateLimitConfig, RateLimiter, StockxConfig,
};

/// A running sandbox plus an HTTP client for its admin endpoints.
pub struct Sandbox {
    pub running: RunningSandbox,
    http: reqwest::Client,
}

/// Test defaults: frozen prices, retail-based price model (no sales files: fast start), and the
/// sandbox's own StockX limit off. Tests that are not about rate limiting must not depend on the
/// scheduler: with an enforced limit, jitter on a loaded machine turns into a 429 and a retry, and
/// exact request counts flake. The limit itself is tested with [`throttled_config`].
pub fn test_config() -> SandboxConfig {
    SandboxConfig {
        sales_dir: None,
        price_epoch_secs: 0,
        stockx_limit: Limit {
            min_interval_ms: 0,
            daily_limit: 1_000_000,
        },
        ..SandboxConfig::default()
    }
}

/// The sandbox enforcing StockX's limit mechanism (one request per [`ENFORCED_STOCKX_MS`], 429
/// otherwise), for the tests about rate limiting.
pub fn throttled_config() -> SandboxConfig {
    let mut cfg = test_config();
    cfg.stockx_limit.min_interval_ms = ENFORCED_STOCKX_MS;
    cfg
}

/// The gap the throttled sandbox enforces between StockX requests.
pub const ENFORCED_STOCKX_MS: u64 = 100;

/// Client settings for tests: short back-offs; a request timeout long enough that a loaded 2-core
/// machine (a parallel build, the other test binaries) never turns a slow answer into a failure
/// (3 s flaked once under CI load). Tests about timeouts set their own.
pub fn test_settings() -> ClientSettings {
    ClientSettings {
        timeout: Duration::from_secs(10),
        max_attempts: 3,
        max_wait: Duration::from_secs(10),
        retry_backoff: Duration::from_millis(20),
        throttle_backoff: Duration::from_millis(300),
        ..ClientSettings::default()
    }
}

/// Sets the shared limiter to 250 ms for StockX and 10 ms for Alias (the spacing of the mechanism,
/// not the real 1 s; the rate-limit tests set their own margins against the throttled sandbox).
pub async fn test_limits(pool: &DbPool) {
    let limiter = RateLimiter::new(pool.clone());
    limiter
        .configure(
            Marketplace::StockX,
            RateLimitConfig {
                min_interval: Duration::from_millis(250),
                daily_limit: 100_000,
            },
        )
        .await
        .expect("configure stockx limits");
    limiter
        .configure(
            Marketplace::Alias,
            RateLimitConfig {
                min_interval: Duration::from_millis(10),
                daily_limit: 100_000,
            },
        )
        .await
        .expect("configure alias limits");
}

impl Sandbox {
    pub async fn start(cfg: SandboxConfig) -> Sandbox {
        let running = sandbox_market::spawn(cfg).await.expect("sandbox starts");
        Sandbox {
            running,
            http: reqwest::Client::new(),
        }
    }

    pub async fn start_default() -> Sandbox {
        Self::start(test_config()).await
    }

    /// A sandbox that answers 429 to StockX requests closer than [`ENFORCED_STOCKX_MS`].
    pub async fn start_throttled() -> Sandbox {
        Self::start(throttled_config()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.base_url(), path)
    }

    /// StockX's refresh grant (`POST /oauth/token`) with this sandbox's client credentials, as a
    /// client of ours would send it.
    pub async fn refresh_grant(&self, refresh_token: &str) -> reqwest::Response {
        let c = &self.running.app.cfg;
        self.http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", c.client_id.as_str()),
                ("client_secret", c.client_secret.as_str()),
                ("audience", "gateway.stockx.com"),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .expect("the sandbox answers the token endpoint")
    }

    /// Client configuration pointing at this sandbox with its credentials.
    pub fn stockx_config(&self) -> StockxConfig {
        let c = &self.running.app.cfg;
        StockxConfig::new(
            self.running.stockx_api_base(),
            self.running.stockx_auth_base(),
            c.api_key.clone(),
            c.client_id.clone(),
            c.client_secret.clone(),
            Some(c.initial_refresh_token.clone()),
        )
    }

    pub fn alias_config(&self) -> AliasConfig {
        AliasConfig::new(
            self.running.alias_api_base(),
            self.running.app.cfg.alias_token.clone(),
        )
    }

    pub async fn stats(&self) -> Value {
        self.get("/__admin/stats").await
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("admin GET")
            .json()
            .await
            .expect("admin JSON")
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("admin POST");
        assert!(
            resp.status().is_success(),
            "admin POST {path}: {}",
            resp.status()
        );
        resp.json().await.expect("admin JSON")
    }

    /// Merges `patch` into the fault switches.
    pub async fn faults(&self, patch: Value) -> Value {
        self.post("/__admin/faults", patch).await
    }

    pub async fn reset(&self) {
        self.post("/__admin/reset", serde_json::json!({})).await;
    }

    /// Requests counted for `endpoint` (e.g. `stockx.market_data`).
    pub async fn count(&self, endpoint: &str) -> u64 {
        self.stats().await["endpoints"][endpoint]
            .as_u64()
            .unwrap_or(0)
    }

    /// The first catalogue product satisfying `pred`.
    pub fn pick(&self, pred: impl Fn(&SandboxProduct) -> bool) -> SandboxProduct {
        self.running
            .app
            .catalog
            .products
            .iter()
            .find(|p| pred(p))
            .cloned()
            .expect("a catalogue product with the wanted property")
    }

    /// A plain men's product listed once on both marketplaces.
    pub fn plain_product(&self) -> SandboxProduct {
        self.pick(|p| {
            p.on_stockx
                && p.on_alias
                && p.stockx_duplicate_id.is_none()
                && !p.stockx_style_id.contains('/')
                && p.gender == "men"
        })
    }
}
