//! Sync jobs: the SQS message, and the job's life in `market.sync_jobs`.
//!
//! States: `queued` (enqueued, or waiting for a retry after a retryable failure — the slot stays
//! reserved so no second job for the same work is enqueued), `running`, `succeeded`, `failed`
//! (permanent: recorded and acknowledged), `dead` (retries exhausted: the message goes to the DLQ).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::core::domain::{Marketplace, UnknownValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Resolve marketplace ids and sizes (then fetch prices).
    Map,
    /// Fetch prices for a mapped product.
    Prices,
    /// Fetch recent sales, one call per size and region (Alias only; see `sync::sales`).
    Sales,
}

impl JobKind {
    pub fn code(self) -> &'static str {
        match self {
            JobKind::Map => "map",
            JobKind::Prices => "prices",
            JobKind::Sales => "sales",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for JobKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "map" => Ok(JobKind::Map),
            "prices" => Ok(JobKind::Prices),
            "sales" => Ok(JobKind::Sales),
            _ => Err(UnknownValue::new("job kind", s)),
        }
    }
}

/// The SQS message body: one product on one marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub job_id: i64,
    pub product_id: i32,
    pub marketplace: Marketplace,
    pub kind: JobKind,
}

/// A job the worker has claimed, with what it needs to run it.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub product_id: i32,
    pub marketplace: Marketplace,
    pub kind: JobKind,
    pub attempts: i32,
    pub style_code: String,
    pub tier: String,
    pub link_status: Option<String>,
    pub external_id: Option<String>,
    pub variants_mapped: bool,
}

#[derive(Debug)]
pub enum Claim {
    Run(Box<ClaimedJob>),
    /// Already finished (a redelivered message): acknowledge without work.
    Finished(String),
    /// No such job (its product was deleted): acknowledge.
    Missing,
}

/// Claims a job for this attempt (autocommitted, so the attempt counts even if the worker dies).
pub async fn claim<C: GenericClient>(c: &C, job_id: i64) -> Result<Claim, tokio_postgres::Error> {
    let rows = c
        .query_typed(
            "WITH j AS (
               UPDATE market.sync_jobs SET status = 'running', attempts = attempts + 1, started_at = now()
               WHERE id = $1 AND status IN ('queued', 'running')
               RETURNING id, product_id, marketplace_id, kind, attempts
             )
             SELECT j.id, j.product_id, j.marketplace_id, j.kind, j.attempts, p.style_code, p.tier,
                    l.status, l.external_id, l.variants_mapped_at IS NOT NULL
             FROM j
             JOIN market.products p ON p.id = j.product_id
             LEFT JOIN market.marketplace_links l ON l.product_id = j.product_id AND l.marketplace_id = j.marketplace_id",
            &[(&job_id, Type::INT8)],
        )
        .await?;
    if let Some(r) = rows.first() {
        let kind: String = r.get(3);
        let mp: i16 = r.get(2);
        return Ok(Claim::Run(Box::new(ClaimedJob {
            id: r.get(0),
            product_id: r.get(1),
            marketplace: Marketplace::from_id(mp).unwrap_or(Marketplace::StockX),
            kind: kind.parse().unwrap_or(JobKind::Prices),
            attempts: r.get(4),
            style_code: r.get(5),
            tier: r.get(6),
            link_status: r.get(7),
            external_id: r.get(8),
            variants_mapped: r.get::<_, Option<bool>>(9).unwrap_or(false),
        })));
    }
    let status = c
        .query_typed(
            "SELECT status FROM market.sync_jobs WHERE id = $1",
            &[(&job_id, Type::INT8)],
        )
        .await?;
    Ok(match status.first() {
        Some(r) => Claim::Finished(r.get(0)),
        None => Claim::Missing,
    })
}

/// Marks the job succeeded (inside the product's write transaction).
pub async fn succeed<C: GenericClient>(
    c: &C,
    job_id: i64,
    rows_written: i64,
) -> Result<(), tokio_postgres::Error> {
    let rows = i32::try_from(rows_written).unwrap_or(i32::MAX);
    c.query_typed(
        "UPDATE market.sync_jobs SET status = 'succeeded', finished_at = clock_timestamp(),
           duration_ms = greatest(0, (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int),
           rows_written = $2, error_kind = NULL, error_message = NULL
         WHERE id = $1",
        &[(&job_id, Type::INT8), (&rows, Type::INT4)],
    )
    .await?;
    Ok(())
}

/// How a failed attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureEnd {
    /// The message goes back to the queue for another attempt.
    Retry,
    /// Retries are exhausted: the message goes to the DLQ.
    Dead,
    /// Retrying cannot help: recorded and acknowledged.
    Permanent,
}

/// Records a failed attempt on the job and on the product's marketplace link.
pub async fn fail<C: GenericClient>(
    c: &C,
    job: &ClaimedJob,
    end: FailureEnd,
    kind: &str,
    message: &str,
    link_status: Option<&str>,
) -> Result<(), tokio_postgres::Error> {
    let status = match end {
        FailureEnd::Retry => "queued",
        FailureEnd::Dead => "dead",
        FailureEnd::Permanent => "failed",
    };
    let message: String = message.chars().take(2000).collect();
    let mp = job.marketplace.id();
    c.query_typed(
        "WITH j AS (
           UPDATE market.sync_jobs SET status = $2, error_kind = $3, error_message = $4,
             finished_at = CASE WHEN $2 = 'queued' THEN NULL ELSE clock_timestamp() END,
             duration_ms = greatest(0, (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int)
           WHERE id = $1
           RETURNING 1
         ), l AS (
           UPDATE market.marketplace_links SET
             consecutive_failures = consecutive_failures + 1, last_error_kind = $3, last_error = $4,
             status = coalesce($7, status), updated_at = now(),
             -- a product that failed for good is not planned again before a day has passed
             next_due_at = CASE WHEN $2 = 'queued' THEN next_due_at
                                ELSE greatest(next_due_at, now() + interval '1 day') END
           WHERE product_id = $5 AND marketplace_id = $6
           RETURNING 1
         )
         UPDATE market.products SET sync_failures = sync_failures + 1 WHERE id = $5",
        &[
            (&job.id, Type::INT8),
            (&status, Type::TEXT),
            (&kind, Type::TEXT),
            (&message, Type::TEXT),
            (&job.product_id, Type::INT4),
            (&mp, Type::INT2),
            (&link_status, Type::TEXT),
        ],
    )
    .await?;
    Ok(())
}
