//! StockX OAuth tokens shared by every Lambda instance through `market.marketplace_credentials`.
//!
//! - The access token and its expiry are stored so instances reuse one token instead of each
//!   refreshing; it is refreshed 5 minutes before expiry.
//! - StockX refresh tokens may rotate: a refresh that returns a new one must persist it, or the
//!   next refresh fails. Refreshes run inside a transaction holding `SELECT ... FOR UPDATE` on the
//!   row, so two instances refreshing at once serialize: the second sees the first's fresh token
//!   and uses it instead of spending the (now invalid) old refresh token.
//! - `400 invalid_grant` means a human must consent again: the row gets `needs_reauth = true`
//!   with a reason, one error line is logged, and StockX calls fail fast as `Disabled` until
//!   [`reconsent`] stores a new refresh token.
//!
//! Tokens never reach logs or error messages.

use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio_postgres::types::Type;

use super::config::StockxConfig;
pub use super::credentials::{credential_status, reconsent, CredentialStatus};
use super::credentials::{Stored, LOAD_SQL, REAUTH_SQL, SEED_SQL, STORE_SQL};
use super::wire::{TokenError, TokenResponse};
use crate::core::db::DbPool;
use crate::core::domain::Marketplace;
use crate::marketplaces::config::Secret;
use crate::marketplaces::error::ProviderError;
use crate::marketplaces::normalize::decode;
use crate::marketplaces::transport::{send, RawResponse};

const M: Marketplace = Marketplace::StockX;
/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// Lifetime assumed when the token response has no `expires_in`.
const DEFAULT_EXPIRES_IN: i64 = 3600;

/// After `invalid_grant`, how long to watch for another instance storing a rotated refresh token
/// (one whose refresh transaction was cut off retries its store) before asking for a human.
const ROTATION_GRACE: Duration = Duration::from_secs(3);
/// Attempts, on fresh connections, to store a refreshed token whose transaction was lost.
const STORE_ATTEMPTS: u32 = 5;

struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// Outcome of one refresh attempt.
enum Refreshed {
    Token(Secret, Duration),
    /// The refresh token we spent was replaced by another instance meanwhile: try again.
    Superseded,
}

/// Outcome of one call to the token endpoint.
enum Grant {
    Issued(TokenResponse),
    InvalidGrant(String),
}

/// Hands out valid StockX access tokens.
pub struct StockxTokens {
    pool: DbPool,
    http: reqwest::Client,
    cfg: StockxConfig,
    cache: Mutex<Option<Cached>>,
    seeded: tokio::sync::OnceCell<()>,
}

impl StockxTokens {
    pub fn new(pool: DbPool, http: reqwest::Client, cfg: StockxConfig) -> Self {
        StockxTokens {
            pool,
            http,
            cfg,
            cache: Mutex::new(None),
            seeded: tokio::sync::OnceCell::new(),
        }
    }

    async fn conn(&self) -> Result<crate::core::db::PooledClient, ProviderError> {
        self.pool.get().await.map_err(|e| ProviderError::db(M, e))
    }

    /// Stores the configured initial refresh token when the database has none yet.
    async fn seed(&self) -> Result<(), ProviderError> {
        self.seeded
            .get_or_try_init(|| async {
                if let Some(rt) = &self.cfg.initial_refresh_token {
                    let client = self.conn().await?;
                    client
                        .query_typed(
                            SEED_SQL,
                            &[(&M.id(), Type::INT2), (&rt.expose(), Type::TEXT)],
                        )
                        .await
                        .map_err(|e| ProviderError::db(M, e))?;
                }
                Ok::<(), ProviderError>(())
            })
            .await
            .map(|_| ())
    }

    /// A valid access token: from memory, else from the database, else freshly refreshed.
    pub async fn access_token(&self) -> Result<Secret, ProviderError> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref() {
            if Instant::now() < c.refresh_at {
                return Ok(c.token.clone());
            }
        }
        self.seed().await?;
        let stored = {
            let client = self.conn().await?;
            let rows = client
                .query_typed(LOAD_SQL, &[(&M.id(), Type::INT2)])
                .await
                .map_err(|e| ProviderError::db(M, e))?;
            rows.first().map(Stored::from_row)
        };
        if let Some(s) = &stored {
            if s.needs_reauth {
                return Err(s.disabled());
            }
            if let Some((token, valid_for)) = s.fresh() {
                *cache = Some(Cached {
                    token: token.clone(),
                    refresh_at: Instant::now() + valid_for,
                });
                return Ok(token);
            }
        }
        let (token, valid_for) = self.refresh(None).await?;
        *cache = Some(Cached {
            token: token.clone(),
            refresh_at: Instant::now() + valid_for,
        });
        Ok(token)
    }

    /// Called after a 401 with the token that was rejected: refreshes unless another instance
    /// already replaced that token, and returns the token to retry with.
    pub async fn after_unauthorized(&self, rejected: &Secret) -> Result<Secret, ProviderError> {
        let mut cache = self.cache.lock().await;
        *cache = None;
        let (token, valid_for) = self.refresh(Some(rejected)).await?;
        *cache = Some(Cached {
            token: token.clone(),
            refresh_at: Instant::now() + valid_for,
        });
        Ok(token)
    }

    /// Refreshes under the row lock. Returns the token and how long it may be used.
    async fn refresh(
        &self,
        rejected: Option<&Secret>,
    ) -> Result<(Secret, Duration), ProviderError> {
        match self.refresh_once(rejected).await? {
            Refreshed::Token(token, valid_for) => Ok((token, valid_for)),
            // Another instance stored a newer refresh token while ours was being rejected:
            // start over with it (once; a second rejection is final).
            Refreshed::Superseded => match self.refresh_once(rejected).await? {
                Refreshed::Token(token, valid_for) => Ok((token, valid_for)),
                Refreshed::Superseded => Err(ProviderError::Auth {
                    marketplace: M,
                    detail: "refresh token rejected twice while others rotated it".into(),
                }),
            },
        }
    }

    async fn refresh_once(&self, rejected: Option<&Secret>) -> Result<Refreshed, ProviderError> {
        self.seed().await?;
        let mut client = self.conn().await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| ProviderError::db(M, e))?;
        let rows = tx
            .query_typed(&format!("{LOAD_SQL} FOR UPDATE"), &[(&M.id(), Type::INT2)])
            .await
            .map_err(|e| ProviderError::db(M, e))?;
        let Some(stored) = rows.first().map(Stored::from_row) else {
            return Err(ProviderError::Disabled {
                marketplace: M,
                reason: "no StockX refresh token stored or configured (STOCKX_REFRESH_TOKEN)"
                    .into(),
            });
        };
        if stored.needs_reauth {
            return Err(stored.disabled());
        }
        // Another instance refreshed while we waited for the lock: use its token.
        if let Some((token, valid_for)) = stored.fresh() {
            if rejected != Some(&token) {
                tx.commit().await.map_err(|e| ProviderError::db(M, e))?;
                return Ok(Refreshed::Token(token, valid_for));
            }
        }
        let Some(refresh_token) = stored.refresh_token.clone().filter(|t| !t.is_empty()) else {
            return Err(ProviderError::Disabled {
                marketplace: M,
                reason: "no StockX refresh token stored or configured (STOCKX_REFRESH_TOKEN)"
                    .into(),
            });
        };
        match self.call_token_endpoint(&refresh_token).await? {
            Grant::Issued(tok) => {
                let expires_in = tok
                    .expires_in
                    .filter(|s| *s > 0)
                    .unwrap_or(DEFAULT_EXPIRES_IN);
                let new_refresh = tok.refresh_token.clone().filter(|t| !t.is_empty());
                let stored = async {
                    tx.query_typed(
                        STORE_SQL,
                        &[
                            (&M.id(), Type::INT2),
                            (&tok.access_token, Type::TEXT),
                            (&expires_in, Type::INT8),
                            (&new_refresh, Type::TEXT),
                            (&refresh_token, Type::TEXT),
                        ],
                    )
                    .await?;
                    tx.commit().await
                }
                .await;
                if let Err(e) = stored {
                    // StockX has already rotated the refresh token: losing the new one would
                    // need a human. Store it again on a fresh connection.
                    tracing::warn!(error = %e, "StockX token refreshed but its transaction was lost; storing it again");
                    drop(client);
                    self.store_after_loss(
                        &refresh_token,
                        &tok.access_token,
                        expires_in,
                        &new_refresh,
                    )
                    .await?;
                }
                tracing::info!(
                    expires_in,
                    rotated = new_refresh.is_some(),
                    "StockX access token refreshed"
                );
                let lifetime = Duration::from_secs(expires_in as u64);
                // A token shorter-lived than the margin is still used once rather than looping.
                let valid_for = lifetime.saturating_sub(REFRESH_MARGIN).max(lifetime / 2);
                Ok(Refreshed::Token(Secret::new(tok.access_token), valid_for))
            }
            Grant::InvalidGrant(description) => {
                // Release the lock, then give an instance whose refresh was cut off after StockX
                // rotated the token the time to store it: the rejection may only mean that.
                drop(tx);
                drop(client);
                if self.rotated_since(&refresh_token, ROTATION_GRACE).await? {
                    return Ok(Refreshed::Superseded);
                }
                let reason = format!("refresh token rejected (invalid_grant: {description})");
                let marked = self
                    .conn()
                    .await?
                    .execute_typed(
                        REAUTH_SQL,
                        &[
                            (&M.id(), Type::INT2),
                            (&reason, Type::TEXT),
                            (&refresh_token, Type::TEXT),
                        ],
                    )
                    .await
                    .map_err(|e| ProviderError::db(M, e))?;
                if marked == 0 {
                    return Ok(Refreshed::Superseded);
                }
                tracing::error!(
                    marketplace = "stockx",
                    reason = %reason,
                    "StockX disabled: a human must re-consent and store a new refresh token"
                );
                Err(ProviderError::Auth {
                    marketplace: M,
                    detail: reason,
                })
            }
        }
    }

    /// Stores a refreshed token whose refresh transaction was lost, retrying on fresh connections.
    async fn store_after_loss(
        &self,
        spent: &str,
        access_token: &str,
        expires_in: i64,
        new_refresh: &Option<String>,
    ) -> Result<(), ProviderError> {
        let mut last = None;
        for attempt in 0..STORE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            let result = match self.conn().await {
                Ok(c) => c
                    .execute_typed(
                        STORE_SQL,
                        &[
                            (&M.id(), Type::INT2),
                            (&access_token, Type::TEXT),
                            (&expires_in, Type::INT8),
                            (new_refresh, Type::TEXT),
                            (&spent, Type::TEXT),
                        ],
                    )
                    .await
                    .map_err(|e| ProviderError::db(M, e)),
                Err(e) => Err(e),
            };
            match result {
                Ok(_) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        tracing::error!(
            "StockX token refreshed but could not be stored; a re-consent may be needed"
        );
        Err(last.unwrap_or_else(|| ProviderError::Disabled {
            marketplace: M,
            reason: "refreshed StockX token could not be stored".into(),
        }))
    }

    /// Whether the stored refresh token stops being `spent` within `grace`.
    async fn rotated_since(&self, spent: &str, grace: Duration) -> Result<bool, ProviderError> {
        let until = Instant::now() + grace;
        loop {
            let client = self.conn().await?;
            let rows = client
                .query_typed(LOAD_SQL, &[(&M.id(), Type::INT2)])
                .await
                .map_err(|e| ProviderError::db(M, e))?;
            drop(client);
            let current = rows.first().and_then(|r| Stored::from_row(r).refresh_token);
            if current.as_deref() != Some(spent) {
                return Ok(true);
            }
            if Instant::now() >= until {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn call_token_endpoint(&self, refresh_token: &str) -> Result<Grant, ProviderError> {
        let url = format!("{}/oauth/token", self.cfg.auth_base.trim_end_matches('/'));
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.cfg.client_id.as_str()),
            ("client_secret", self.cfg.client_secret.expose()),
            ("audience", "gateway.stockx.com"),
            ("refresh_token", refresh_token),
        ];
        let RawResponse { status, body, .. } = send(M, self.http.post(url).form(&form)).await?;
        if status.is_success() {
            // The body holds tokens: on failure report the shape problem, never the content.
            return serde_json::from_slice::<TokenResponse>(&body)
                .ok()
                .filter(|t| !t.access_token.is_empty())
                .map(Grant::Issued)
                .ok_or_else(|| ProviderError::Malformed {
                    marketplace: M,
                    detail: "token response is not a token".into(),
                    excerpt: "<withheld: token endpoint>".into(),
                });
        }
        let err: Option<TokenError> = decode(M, &body).ok();
        let code = err
            .as_ref()
            .and_then(|e| e.error.clone())
            .unwrap_or_default();
        let description = err
            .and_then(|e| e.error_description)
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
        match status.as_u16() {
            400 | 401 | 403 if code == "invalid_grant" => Ok(Grant::InvalidGrant(description)),
            429 => Err(ProviderError::RateLimited {
                marketplace: M,
                retry_after: None,
                detail: "token endpoint throttled".into(),
            }),
            s if s == 408 || s >= 500 => Err(ProviderError::Retryable {
                marketplace: M,
                detail: format!("token endpoint HTTP {s}"),
            }),
            s => Err(ProviderError::Auth {
                marketplace: M,
                detail: format!("token endpoint HTTP {s}: {code} {description}"),
            }),
        }
    }
}
