//! StockX API v2 credentials and hosts: explicit constructors (tests, the sandbox) and `from_env`
//! (Lambdas).

use crate::core::config::{optional, or_default};
use crate::marketplaces::config::Secret;

pub const STOCKX_API_BASE: &str = "https://api.stockx.com/v2";
pub const STOCKX_AUTH_BASE: &str = "https://accounts.stockx.com";

/// StockX API v2 credentials and hosts.
#[derive(Debug, Clone)]
pub struct StockxConfig {
    /// e.g. `https://api.stockx.com/v2` (no trailing slash needed).
    pub api_base: String,
    /// e.g. `https://accounts.stockx.com`; the token endpoint is `{auth_base}/oauth/token`.
    pub auth_base: String,
    pub api_key: Secret,
    pub client_id: String,
    pub client_secret: Secret,
    /// The refresh token from the one-time consent. Only seeds the database: once stored, the
    /// stored (rotated) token is the one used.
    pub initial_refresh_token: Option<Secret>,
}

impl StockxConfig {
    pub fn new(
        api_base: impl Into<String>,
        auth_base: impl Into<String>,
        api_key: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        initial_refresh_token: Option<String>,
    ) -> Self {
        StockxConfig {
            api_base: api_base.into(),
            auth_base: auth_base.into(),
            api_key: Secret::new(api_key),
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
            initial_refresh_token: initial_refresh_token
                .filter(|t| !t.is_empty())
                .map(Secret::new),
        }
    }

    /// `Ok(None)` when the credentials are not configured (the marketplace is then disabled);
    /// [`StockxConfig::missing_env`] says which variables are missing.
    pub fn from_env() -> Option<Self> {
        if !Self::missing_env().is_empty() {
            return None;
        }
        Some(Self::new(
            or_default("STOCKX_API_BASE", STOCKX_API_BASE),
            or_default("STOCKX_AUTH_BASE", STOCKX_AUTH_BASE),
            optional("STOCKX_API_KEY").unwrap_or_default(),
            optional("STOCKX_CLIENT_ID").unwrap_or_default(),
            optional("STOCKX_CLIENT_SECRET").unwrap_or_default(),
            optional("STOCKX_REFRESH_TOKEN"),
        ))
    }

    pub fn missing_env() -> Vec<&'static str> {
        ["STOCKX_API_KEY", "STOCKX_CLIENT_ID", "STOCKX_CLIENT_SECRET"]
            .into_iter()
            .filter(|n| optional(n).is_none())
            .collect()
    }
}
