//! HTTP plumbing shared by both clients: send, classify the status, read `Retry-After`.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::error::{excerpt, ProviderError};
use crate::core::domain::Marketplace;

/// A response whose body was read completely.
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Builds the shared `reqwest` client with the per-request timeout.
pub(crate) fn build_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("sneaker-market/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Sends a request and reads the body. Transport failures (timeout, refused or reset connection,
/// body cut off) are `Retryable`.
pub(crate) async fn send(
    m: Marketplace,
    req: reqwest::RequestBuilder,
) -> Result<RawResponse, ProviderError> {
    let transport = |e: reqwest::Error| {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else if e.is_body() || e.is_decode() {
            "response body interrupted"
        } else if e.is_builder() {
            return ProviderError::Permanent {
                marketplace: m,
                status: 0,
                detail: format!("invalid request: {}", e.without_url()),
            };
        } else {
            "transport error"
        };
        ProviderError::Retryable {
            marketplace: m,
            detail: format!("{what}: {e}"),
        }
    };
    let resp = req.send().await.map_err(transport)?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(transport)?;
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// Maps a non-success status to its error class; success passes the body through.
/// 429 → `RateLimited` (with `Retry-After` when sent), 408/5xx → `Retryable`, 401/403 → `Auth`,
/// 404 → `NotFound`, other 4xx → `Permanent`. Any other status is treated as a malformed answer.
pub(crate) fn classify(m: Marketplace, resp: RawResponse) -> Result<Bytes, ProviderError> {
    let status = resp.status;
    if status.is_success() {
        return Ok(resp.body);
    }
    let detail = format!("HTTP {}: {}", status.as_u16(), excerpt(&resp.body));
    Err(match status.as_u16() {
        429 => ProviderError::RateLimited {
            marketplace: m,
            retry_after: retry_after(&resp.headers, Utc::now()),
            detail,
        },
        408 | 500..=599 => ProviderError::Retryable {
            marketplace: m,
            detail,
        },
        401 | 403 => ProviderError::Auth {
            marketplace: m,
            detail,
        },
        404 => ProviderError::NotFound {
            marketplace: m,
            detail,
        },
        s @ 400..=499 => ProviderError::Permanent {
            marketplace: m,
            status: s,
            detail,
        },
        _ => ProviderError::malformed(
            m,
            format!("unexpected HTTP status {}", status.as_u16()),
            &resp.body,
        ),
    })
}

fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, now)
}

/// `Retry-After` as delay-seconds (`"2"`) or an HTTP-date (`"Sun, 06 Nov 1994 08:49:37 GMT"`).
/// A date in the past means "now" (zero); anything unreadable is ignored.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2025-11-28T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Fri, 28 Nov 2025 10:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Fri, 28 Nov 2025 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
