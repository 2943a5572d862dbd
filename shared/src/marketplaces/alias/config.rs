//! Alias API v1 host and personal access token.

use crate::core::config::{optional, or_default};
use crate::marketplaces::config::Secret;

pub const ALIAS_API_BASE: &str = "https://api.alias.org/api/v1";

/// Alias API v1 host and personal access token.
#[derive(Debug, Clone)]
pub struct AliasConfig {
    /// e.g. `https://api.alias.org/api/v1`.
    pub api_base: String,
    pub token: Secret,
}

impl AliasConfig {
    pub fn new(api_base: impl Into<String>, token: impl Into<String>) -> Self {
        AliasConfig {
            api_base: api_base.into(),
            token: Secret::new(token),
        }
    }

    pub fn from_env() -> Option<Self> {
        let token = optional("ALIAS_API_TOKEN")?;
        Some(Self::new(
            or_default("ALIAS_API_BASE", ALIAS_API_BASE),
            token,
        ))
    }
}
