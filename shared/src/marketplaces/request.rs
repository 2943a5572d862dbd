//! The retry loop around one provider GET: rate-limit slot, send, classify, back off.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

use super::config::ClientSettings;
use super::error::ProviderError;
use super::ratelimit::RateLimiter;
use super::transport::{classify, RawResponse};
use crate::core::domain::Marketplace;

/// What one attempt produced, before classification.
pub(crate) enum Attempt {
    Response(RawResponse),
    /// The attempt failed before a response (transport error, token failure).
    Failed(ProviderError),
}

/// Runs `attempt` until it succeeds or fails for good. Every attempt first reserves a slot from
/// the shared limiter. A 429 blocks the limiter for `Retry-After` (or an exponential back-off) so
/// all instances pause; 5xx/timeouts back off exponentially; after `max_attempts` the last error
/// is returned. `on_unauthorized` gets one chance per call to fix a 401 (StockX token refresh).
pub(crate) async fn with_retries<F, Fut, U, UFut>(
    m: Marketplace,
    limiter: &RateLimiter,
    settings: &ClientSettings,
    mut attempt: F,
    mut on_unauthorized: Option<U>,
) -> Result<Bytes, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt>,
    U: FnMut() -> UFut,
    UFut: Future<Output = Result<(), ProviderError>>,
{
    let mut n = 0u32;
    loop {
        n += 1;
        limiter.acquire(m, settings.max_wait).await?;
        let result = match attempt().await {
            Attempt::Response(resp) if resp.status.as_u16() == 401 => {
                match on_unauthorized.take() {
                    Some(mut fix) => {
                        fix().await?;
                        // The retry after a refresh is not counted as a failed attempt.
                        n -= 1;
                        continue;
                    }
                    None => classify(m, resp),
                }
            }
            Attempt::Response(resp) => classify(m, resp),
            Attempt::Failed(e) => Err(e),
        };
        let err = match result {
            Ok(body) => return Ok(body),
            Err(e) => e,
        };
        let last = n >= settings.max_attempts.max(1);
        match &err {
            ProviderError::RateLimited { retry_after, .. } => {
                let block = retry_after.unwrap_or_else(|| backoff(settings.throttle_backoff, n));
                crate::ops::metrics::throttled(m);
                limiter.record_throttle(m, block).await?;
                tracing::warn!(marketplace = %m, block_ms = block.as_millis() as u64, attempt = n, "provider throttled us (429)");
                if last || block > settings.max_wait {
                    return Err(err);
                }
            }
            ProviderError::Retryable { .. } if !last => {
                let pause = backoff(settings.retry_backoff, n);
                tracing::warn!(marketplace = %m, error = %err, retry_in_ms = pause.as_millis() as u64, "retrying");
                tokio::time::sleep(pause).await;
            }
            _ => return Err(err),
        }
    }
}

fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1u32 << attempt.saturating_sub(1).min(5))
        .min(Duration::from_secs(60))
}

/// Rejects ids that could change the request path (they go into URL path segments).
pub(crate) fn check_id(m: Marketplace, what: &str, id: &str) -> Result<(), ProviderError> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && id != "."
        && id != "..";
    if ok {
        Ok(())
    } else {
        Err(ProviderError::Permanent {
            marketplace: m,
            status: 0,
            detail: format!(
                "invalid {what} {:?}",
                id.chars().take(60).collect::<String>()
            ),
        })
    }
}
