//! Writes the outcome of matching a catalogue product on a marketplace to
//! `market.marketplace_links`: matched → the external id; needs_review → every candidate sharing
//! the style code; not_found → the near misses. Candidates are stored for the human who reviews.

use tokio_postgres::types::Type;

use super::error::ProviderError;
use super::matching::link_status;
use crate::core::domain::Marketplace;
use crate::marketplaces::snapshot::{CatalogCandidate, MatchOutcome};

const UPSERT_SQL: &str = "
INSERT INTO market.marketplace_links
  (product_id, marketplace_id, status, external_id, url_key, confidence, candidates, matched_at, updated_at,
   last_error_kind, last_error)
VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 = 'matched' THEN 1.00 END, $6,
        CASE WHEN $3 = 'matched' THEN now() END, now(), NULL, NULL)
ON CONFLICT (product_id, marketplace_id) DO UPDATE
SET status = EXCLUDED.status, external_id = EXCLUDED.external_id, url_key = EXCLUDED.url_key,
    confidence = EXCLUDED.confidence, candidates = EXCLUDED.candidates,
    matched_at = EXCLUDED.matched_at, updated_at = now(), last_error_kind = NULL, last_error = NULL";

/// Stores `outcome` as the link of `product_id` on `m` and returns the status written. A match
/// whose external id is already linked to another of our products is downgraded to
/// `needs_review` (two catalogue rows claim one marketplace product: a human must decide).
pub async fn save_match(
    client: &tokio_postgres::Client,
    product_id: i32,
    m: Marketplace,
    outcome: &MatchOutcome,
) -> Result<&'static str, ProviderError> {
    let (status, chosen, candidates): (
        &'static str,
        Option<&CatalogCandidate>,
        Vec<&CatalogCandidate>,
    ) = match outcome {
        MatchOutcome::Matched(c) => (link_status(outcome), Some(c), vec![c]),
        MatchOutcome::NeedsReview(v) | MatchOutcome::NotFound(v) => {
            (link_status(outcome), None, v.iter().collect())
        }
    };
    let json = serde_json::to_value(&candidates).map_err(|e| ProviderError::Database {
        marketplace: m,
        detail: format!("cannot encode candidates: {e}"),
        unavailable: false,
    })?;
    let run = |status: &'static str, chosen: Option<&CatalogCandidate>| {
        let external_id = chosen.map(|c| c.external_id.clone());
        let url_key = chosen.and_then(|c| c.url_key.clone());
        let json = json.clone();
        async move {
            client
                .query_typed(
                    UPSERT_SQL,
                    &[
                        (&product_id, Type::INT4),
                        (&m.id(), Type::INT2),
                        (&status, Type::TEXT),
                        (&external_id, Type::TEXT),
                        (&url_key, Type::TEXT),
                        (&json, Type::JSONB),
                    ],
                )
                .await
        }
    };
    match run(status, chosen).await {
        Ok(_) => Ok(status),
        Err(e)
            if status == "matched"
                && e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) =>
        {
            run("needs_review", None)
                .await
                .map_err(|e| ProviderError::db(m, e))?;
            Ok("needs_review")
        }
        Err(e) => Err(ProviderError::db(m, e)),
    }
}
