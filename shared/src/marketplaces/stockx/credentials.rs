//! The StockX credential row (`market.marketplace_credentials`): its statements, how a row reads
//! back, and the two operations outside a refresh: storing a new human consent and reporting the
//! status. The refresh flow itself is in `tokens.rs`.

use std::time::Duration;

use tokio_postgres::types::Type;

use super::tokens::REFRESH_MARGIN;
use crate::core::db::DbPool;
use crate::core::domain::Marketplace;
use crate::marketplaces::config::Secret;
use crate::marketplaces::error::ProviderError;

const M: Marketplace = Marketplace::StockX;

pub(super) const SEED_SQL: &str = "
INSERT INTO market.marketplace_credentials (marketplace_id, refresh_token) VALUES ($1, $2)
ON CONFLICT (marketplace_id) DO UPDATE SET refresh_token = EXCLUDED.refresh_token, updated_at = now()
WHERE market.marketplace_credentials.refresh_token IS NULL AND NOT market.marketplace_credentials.needs_reauth";

/// Columns: access token, ms until it expires, needs_reauth, reason, has refresh token.
pub(super) const LOAD_SQL: &str = "
SELECT access_token,
       (extract(epoch FROM (access_token_expires_at - clock_timestamp())) * 1000)::int8,
       needs_reauth, reauth_reason, refresh_token
FROM market.marketplace_credentials WHERE marketplace_id = $1";

/// Marks re-consent needed, unless the refresh token changed since `$3` was spent (another
/// instance rotated it, or a human re-consented): then there is nothing to mark.
pub(super) const REAUTH_SQL: &str = "
UPDATE market.marketplace_credentials
SET needs_reauth = true, reauth_reason = $2, access_token = NULL, access_token_expires_at = NULL,
    updated_at = clock_timestamp()
WHERE marketplace_id = $1 AND refresh_token IS NOT DISTINCT FROM $3";

/// Stores a refreshed access token (and a rotated refresh token) as compare-and-set on the refresh
/// token spent (`$5`): inside the refresh transaction the row is locked and still holds it; when
/// that transaction was lost, a token stored since (a re-consent) is never overwritten. A stored
/// rotation also ends any re-consent another instance marked meanwhile.
pub(super) const STORE_SQL: &str = "
UPDATE market.marketplace_credentials
SET access_token = $2,
    access_token_expires_at = clock_timestamp() + $3 * interval '1 second',
    rotated_at = CASE WHEN $4::text IS NOT NULL AND $4::text IS DISTINCT FROM refresh_token
                      THEN clock_timestamp() ELSE rotated_at END,
    refresh_token = coalesce($4::text, refresh_token),
    needs_reauth = false, reauth_reason = NULL,
    updated_at = clock_timestamp()
WHERE marketplace_id = $1 AND refresh_token IS NOT DISTINCT FROM $5";

const RECONSENT_SQL: &str = "
INSERT INTO market.marketplace_credentials (marketplace_id, refresh_token) VALUES ($1, $2)
ON CONFLICT (marketplace_id) DO UPDATE
SET refresh_token = EXCLUDED.refresh_token, access_token = NULL, access_token_expires_at = NULL,
    needs_reauth = false, reauth_reason = NULL, rotated_at = clock_timestamp(), updated_at = clock_timestamp()";

pub(super) struct Stored {
    pub(super) access_token: Option<String>,
    pub(super) remaining_ms: Option<i64>,
    pub(super) needs_reauth: bool,
    pub(super) reason: Option<String>,
    pub(super) refresh_token: Option<String>,
}

impl Stored {
    pub(super) fn from_row(r: &tokio_postgres::Row) -> Self {
        Stored {
            access_token: r.get(0),
            remaining_ms: r.get(1),
            needs_reauth: r.get(2),
            reason: r.get(3),
            refresh_token: r.get(4),
        }
    }

    /// The stored access token when it is valid for longer than the refresh margin.
    pub(super) fn fresh(&self) -> Option<(Secret, Duration)> {
        let remaining = Duration::from_millis(self.remaining_ms.filter(|ms| *ms > 0)? as u64);
        let token = self.access_token.as_ref().filter(|t| !t.is_empty())?;
        (remaining > REFRESH_MARGIN)
            .then(|| (Secret::new(token.clone()), remaining - REFRESH_MARGIN))
    }

    pub(super) fn disabled(&self) -> ProviderError {
        ProviderError::Disabled {
            marketplace: M,
            reason: format!(
                "StockX needs a human to re-consent ({})",
                self.reason.as_deref().unwrap_or("refresh token rejected")
            ),
        }
    }
}

/// Stores a refresh token from a new human consent and re-enables StockX.
pub async fn reconsent(pool: &DbPool, refresh_token: &str) -> Result<(), ProviderError> {
    let client = pool.get().await.map_err(|e| ProviderError::db(M, e))?;
    client
        .query_typed(
            RECONSENT_SQL,
            &[(&M.id(), Type::INT2), (&refresh_token, Type::TEXT)],
        )
        .await
        .map_err(|e| ProviderError::db(M, e))?;
    Ok(())
}

/// Credential status for dashboards and tests (no token values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialStatus {
    pub needs_reauth: bool,
    pub reauth_reason: Option<String>,
    pub has_refresh_token: bool,
    pub access_token_valid_ms: Option<i64>,
}

pub async fn credential_status(
    pool: &DbPool,
    m: Marketplace,
) -> Result<Option<CredentialStatus>, ProviderError> {
    let client = pool.get().await.map_err(|e| ProviderError::db(m, e))?;
    let rows = client
        .query_typed(LOAD_SQL, &[(&m.id(), Type::INT2)])
        .await
        .map_err(|e| ProviderError::db(m, e))?;
    Ok(rows
        .first()
        .map(Stored::from_row)
        .map(|s| CredentialStatus {
            needs_reauth: s.needs_reauth,
            reauth_reason: s.reason,
            has_refresh_token: s.refresh_token.is_some_and(|t| !t.is_empty()),
            access_token_valid_ms: s.remaining_ms,
        }))
}
