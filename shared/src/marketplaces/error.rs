//! The one error type of the marketplace boundary, classified so the sync worker can decide what
//! to do (retry later, give up, alert) without looking at HTTP details.

use std::time::Duration;

use crate::core::domain::Marketplace;

/// A failed marketplace call. `kind()` gives the `sync_jobs.error_kind` value.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// HTTP 429 from the provider, or our shared limiter refused (daily budget used up, or the
    /// wait for a slot would exceed the caller's maximum).
    #[error("{marketplace} rate limited: {detail}{}", fmt_retry(*retry_after))]
    RateLimited {
        marketplace: Marketplace,
        retry_after: Option<Duration>,
        detail: String,
    },
    /// 5xx, 408, timeouts, connection resets: the same call may succeed later.
    #[error("{marketplace} temporarily failed: {detail}")]
    Retryable {
        marketplace: Marketplace,
        detail: String,
    },
    /// 404: the product (or variant) does not exist there.
    #[error("{marketplace} not found: {detail}")]
    NotFound {
        marketplace: Marketplace,
        detail: String,
    },
    /// 400 and other 4xx: the request itself is wrong; retrying will not help.
    #[error("{marketplace} rejected the request (HTTP {status}): {detail}")]
    Permanent {
        marketplace: Marketplace,
        status: u16,
        detail: String,
    },
    /// Credentials rejected (after the one token refresh), refresh token revoked, PAT lacks scope.
    #[error("{marketplace} authentication failed: {detail}")]
    Auth {
        marketplace: Marketplace,
        detail: String,
    },
    /// The body is not what the protocol promises (HTML error page, truncated JSON, wrong shape,
    /// impossible amount). `excerpt` is at most 200 characters and never holds credentials.
    #[error("{marketplace} sent a malformed response: {detail} (body starts {excerpt:?})")]
    Malformed {
        marketplace: Marketplace,
        detail: String,
        excerpt: String,
    },
    /// The marketplace is switched off: no credentials configured, or a human must re-consent.
    #[error("{marketplace} is disabled: {reason}")]
    Disabled {
        marketplace: Marketplace,
        reason: String,
    },
    /// Our own database (token store, rate limiter) failed.
    #[error("{marketplace} bookkeeping database error: {detail}")]
    Database {
        marketplace: Marketplace,
        detail: String,
        unavailable: bool,
    },
}

fn fmt_retry(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (retry after {} ms)", d.as_millis()),
        None => String::new(),
    }
}

impl ProviderError {
    /// The `market.sync_jobs.error_kind` value for this error.
    pub fn kind(&self) -> &'static str {
        match self {
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Retryable { .. } => "retryable",
            ProviderError::NotFound { .. } => "not_found",
            ProviderError::Permanent { .. } => "permanent",
            ProviderError::Auth { .. } => "auth",
            ProviderError::Malformed { .. } => "malformed",
            ProviderError::Disabled { .. } => "disabled",
            // A database that is down is a retry-later; a failing statement is our bug.
            ProviderError::Database {
                unavailable: true, ..
            } => "retryable",
            ProviderError::Database { .. } => "internal",
        }
    }

    /// True when the same call may succeed later without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Retryable { .. }
                | ProviderError::Database {
                    unavailable: true,
                    ..
                }
        )
    }

    /// How long the provider (or our limiter) asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn marketplace(&self) -> Marketplace {
        match self {
            ProviderError::RateLimited { marketplace, .. }
            | ProviderError::Retryable { marketplace, .. }
            | ProviderError::NotFound { marketplace, .. }
            | ProviderError::Permanent { marketplace, .. }
            | ProviderError::Auth { marketplace, .. }
            | ProviderError::Malformed { marketplace, .. }
            | ProviderError::Disabled { marketplace, .. }
            | ProviderError::Database { marketplace, .. } => *marketplace,
        }
    }

    pub(crate) fn malformed(
        marketplace: Marketplace,
        detail: impl Into<String>,
        body: &[u8],
    ) -> Self {
        ProviderError::Malformed {
            marketplace,
            detail: detail.into(),
            excerpt: excerpt(body),
        }
    }

    pub(crate) fn db(marketplace: Marketplace, e: impl Into<crate::core::db::DbError>) -> Self {
        let e = e.into();
        ProviderError::Database {
            marketplace,
            unavailable: e.is_unavailable(),
            detail: e.to_string(),
        }
    }
}

/// At most 200 characters of a body, control characters flattened, for error messages and logs.
pub fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(800)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_the_database_vocabulary() {
        let m = Marketplace::StockX;
        let e = ProviderError::RateLimited {
            marketplace: m,
            retry_after: Some(Duration::from_secs(2)),
            detail: "429".into(),
        };
        assert_eq!(e.kind(), "rate_limited");
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        let e = ProviderError::NotFound {
            marketplace: m,
            detail: String::new(),
        };
        assert_eq!(e.kind(), "not_found");
        assert!(!e.is_retryable());
        assert_eq!(excerpt(&[b'a'; 1000]).len(), 200);
        assert_eq!(excerpt(b"<html>\n<body>"), "<html> <body>");
    }
}
