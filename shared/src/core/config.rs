//! Reading configuration from the environment with clear errors. Secrets are never echoed back.

use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
#[error("configuration {name}: {message}")]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

/// The variable's value when set and non-empty.
pub fn optional(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub fn required(name: &str) -> Result<String, ConfigError> {
    optional(name).ok_or_else(|| ConfigError {
        name: name.to_string(),
        message: "is required".to_string(),
    })
}

pub fn or_default(name: &str, default: &str) -> String {
    optional(name).unwrap_or_else(|| default.to_string())
}

/// Parses the variable when set; the default otherwise. A value that does not parse is an error
/// (never silently the default).
pub fn parsed<T: FromStr>(name: &str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match optional(name) {
        None => Ok(default),
        Some(raw) => raw.parse::<T>().map_err(|e| ConfigError {
            name: name.to_string(),
            message: format!("cannot parse {raw:?}: {e}"),
        }),
    }
}
