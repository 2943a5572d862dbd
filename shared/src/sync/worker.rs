//! The sync worker's logic, independent of Lambda: one SQS message = one product on one
//! marketplace. Claim the job, call the marketplace (through the shared limiter), write everything
//! for the product in one transaction, finish the job.

use std::time::Duration;

use chrono::Utc;
use futures::stream::{self, StreamExt};

use super::jobs::{self, Claim, ClaimedJob, FailureEnd, JobKind, JobMessage};
use super::sales::{self, SalesConfig};
use super::store;
use crate::core::config::{optional, parsed, ConfigError};
use crate::core::db::{DbError, DbPool};
use crate::core::domain::{Marketplace, Region};
use crate::core::tier::Cadences;
use crate::marketplaces::snapshot::{MarketSnapshot, MarketplaceVariant, MatchOutcome};
use crate::marketplaces::{links, MarketplaceClients, ProviderError};

/// Worker settings (environment: `SYNC_REGIONS`, `WORKER_CONCURRENCY`, `SQS_MAX_RECEIVE_COUNT`,
/// `WORKER_RETRY_DELAY_SECS`, plus the tier cadences).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Regions fetched per product: one call per region per marketplace.
    pub regions: Vec<Region>,
    /// Messages of one batch processed at once.
    pub concurrency: usize,
    /// The queue's redrive `maxReceiveCount`: the attempt that reaches it marks the job dead.
    pub max_receive_count: i64,
    /// Delay before a retry when the marketplace gave no `Retry-After`.
    pub retry_delay: Duration,
    pub cadences: Cadences,
    pub sales: SalesConfig,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            regions: vec![Region::US],
            concurrency: 4,
            max_receive_count: 5,
            retry_delay: Duration::from_secs(30),
            cadences: Cadences::default(),
            sales: SalesConfig::default(),
        }
    }
}

impl WorkerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = WorkerConfig::default();
        let regions = match optional("SYNC_REGIONS") {
            None => d.regions,
            Some(raw) => raw
                .split(',')
                .map(|r| {
                    r.trim().parse::<Region>().map_err(|e| ConfigError {
                        name: "SYNC_REGIONS".into(),
                        message: e.to_string(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(WorkerConfig {
            regions,
            concurrency: parsed("WORKER_CONCURRENCY", d.concurrency)?.clamp(1, 32),
            max_receive_count: parsed("SQS_MAX_RECEIVE_COUNT", d.max_receive_count)?.max(1),
            retry_delay: Duration::from_secs(parsed("WORKER_RETRY_DELAY_SECS", 30u64)?),
            cadences: Cadences::from_env()?,
            sales: SalesConfig::from_env()?,
        })
    }
}

/// One received message, as any SQS consumer sees it.
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: String,
    pub body: String,
    /// `ApproximateReceiveCount` (1 on first delivery).
    pub receive_count: i64,
}

/// What to do with a message after processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done (succeeded, permanently failed and recorded, or already finished): delete it.
    Ack,
    /// Leave it for another attempt, after `delay` when given (a 429's `Retry-After`).
    Retry { delay: Option<Duration> },
}

/// The sync worker: state built once per Lambda instance.
pub struct Worker {
    pool: DbPool,
    clients: MarketplaceClients,
    config: WorkerConfig,
    /// The regions last looked up, and when (see [`Worker::regions`]).
    regions_cache: tokio::sync::Mutex<Option<(std::time::Instant, Vec<Region>)>>,
}

/// How long a looked-up region list is reused.
const REGIONS_TTL: Duration = Duration::from_secs(60);

/// Why an attempt failed, classified for the retry decision.
pub(crate) enum Failure {
    Provider(ProviderError),
    Db(DbError),
    /// The marketplace has no single product with this style code: recorded on the link.
    Unmappable(String),
}

impl From<ProviderError> for Failure {
    fn from(e: ProviderError) -> Self {
        Failure::Provider(e)
    }
}
impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Failure::Db(DbError::Postgres(e))
    }
}
impl From<deadpool_postgres::PoolError> for Failure {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Failure::Db(DbError::from(e))
    }
}
impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::Db(e)
    }
}

impl Worker {
    pub fn new(pool: DbPool, clients: MarketplaceClients, config: WorkerConfig) -> Self {
        Worker {
            pool,
            clients,
            config,
            regions_cache: tokio::sync::Mutex::new(None),
        }
    }

    /// The regions to fetch: the configured ones plus every region a seller who holds pairs sells
    /// in (`market.seller_regions`, from the app's user settings), so UK and EU sellers get their
    /// own markets without a global setting. Looked up at most once a minute per instance.
    async fn regions(&self) -> Result<Vec<Region>, Failure> {
        let mut cache = self.regions_cache.lock().await;
        if let Some((at, regions)) = &*cache {
            if at.elapsed() < REGIONS_TTL {
                return Ok(regions.clone());
            }
        }
        let client = self.pool.get().await?;
        let rows = client
            .query_typed("SELECT region FROM market.seller_regions", &[])
            .await?;
        let mut regions = self.config.regions.clone();
        for r in rows {
            let code: Option<String> = r.get(0);
            if let Some(region) = code.and_then(|c| c.parse::<Region>().ok()) {
                if !regions.contains(&region) {
                    regions.push(region);
                }
            }
        }
        *cache = Some((std::time::Instant::now(), regions.clone()));
        Ok(regions)
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// Processes a batch concurrently (bounded); one product's failure never affects another's.
    pub async fn process_batch(&self, messages: Vec<Received>) -> Vec<(String, Outcome)> {
        stream::iter(messages)
            .map(|m| async move {
                let outcome = self.process(&m).await;
                (m.message_id, outcome)
            })
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await
    }

    /// Processes one message.
    pub async fn process(&self, msg: &Received) -> Outcome {
        let job: JobMessage = match serde_json::from_str(&msg.body) {
            Ok(j) => j,
            Err(e) => {
                // A poison message: never ack it, so the queue's redrive moves it to the DLQ.
                tracing::error!(message_id = %msg.message_id, error = %e, "unreadable sync message");
                return Outcome::Retry { delay: None };
            }
        };
        let client = match self.pool.get().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(job_id = job.job_id, error = %e, "database unavailable; message retried");
                return Outcome::Retry { delay: None };
            }
        };
        let claimed = match jobs::claim(&**client, job.job_id).await {
            Ok(Claim::Run(j)) => j,
            Ok(Claim::Finished(status)) => {
                tracing::info!(job_id = job.job_id, %status, "job already finished; redelivery acknowledged");
                return Outcome::Ack;
            }
            Ok(Claim::Missing) => {
                tracing::warn!(job_id = job.job_id, "job no longer exists; acknowledged");
                return Outcome::Ack;
            }
            Err(e) => {
                tracing::warn!(job_id = job.job_id, error = %e, "cannot claim job; message retried");
                return Outcome::Retry { delay: None };
            }
        };
        drop(client);
        let span = tracing::info_span!(
            "job",
            message_id = %msg.message_id,
            job_id = claimed.id,
            product_id = claimed.product_id,
            marketplace = %claimed.marketplace,
            kind = %claimed.kind,
            attempt = claimed.attempts
        );
        let _enter = span.enter();
        let result = match claimed.kind {
            JobKind::Sales => self.run_sales(&claimed).await,
            JobKind::Prices if claimed.variants_mapped && claimed.external_id.is_some() => {
                self.run_prices(&claimed).await
            }
            // A prices job for a product whose mapping is incomplete maps it first.
            _ => self.run_map(&claimed).await,
        };
        match result {
            Ok(rows) => {
                tracing::info!(rows_written = rows, "job succeeded");
                crate::ops::metrics::job_succeeded(claimed.marketplace);
                Outcome::Ack
            }
            Err(f) => {
                crate::ops::metrics::job_failed(claimed.marketplace, is_marketplace_error(&f));
                self.record_failure(&claimed, f, msg.receive_count).await
            }
        }
    }

    async fn fetch_prices(
        &self,
        job: &ClaimedJob,
        external_id: &str,
    ) -> Result<Vec<MarketSnapshot>, Failure> {
        let regions = self.regions().await?;
        let mut snapshots = Vec::with_capacity(regions.len());
        for region in &regions {
            snapshots.push(
                self.clients
                    .market_data(job.marketplace, external_id, *region)
                    .await?,
            );
        }
        Ok(snapshots)
    }

    async fn run_sales(&self, job: &ClaimedJob) -> Result<i64, Failure> {
        let regions = self.regions().await?;
        let client = self.clients.alias()?;
        sales::job::run(&self.pool, client, &self.config.sales, &regions, job).await
    }

    async fn run_prices(&self, job: &ClaimedJob) -> Result<i64, Failure> {
        let external_id = job.external_id.clone().unwrap_or_default();
        let snapshots = self.fetch_prices(job, &external_id).await?;
        self.commit(job, None, &snapshots).await
    }

    async fn run_map(&self, job: &ClaimedJob) -> Result<i64, Failure> {
        let external_id = match (&job.link_status, &job.external_id) {
            (Some(status), Some(id)) if status == "matched" => id.clone(),
            _ => {
                let outcome = self
                    .clients
                    .search(job.marketplace, &job.style_code)
                    .await?;
                let client = self.pool.get().await?;
                links::save_match(&client, job.product_id, job.marketplace, &outcome).await?;
                match outcome {
                    MatchOutcome::Matched(c) => c.external_id,
                    MatchOutcome::NeedsReview(c) => {
                        return Err(Failure::Unmappable(format!(
                            "{} products on {} carry style code {}: left for review",
                            c.len(),
                            job.marketplace,
                            job.style_code
                        )));
                    }
                    MatchOutcome::NotFound(_) => {
                        return Err(Failure::Unmappable(format!(
                            "no product on {} carries style code {}",
                            job.marketplace, job.style_code
                        )));
                    }
                }
            }
        };
        let variants = self.clients.variants(job.marketplace, &external_id).await?;
        let snapshots = self.fetch_prices(job, &external_id).await?;
        self.commit(job, Some(&variants), &snapshots).await
    }

    /// Writes everything for the product in one transaction. A missing history partition (the
    /// orchestrator creates them ahead; this covers a skipped tick) is created and the write retried.
    async fn commit(
        &self,
        job: &ClaimedJob,
        variants: Option<&[MarketplaceVariant]>,
        snapshots: &[MarketSnapshot],
    ) -> Result<i64, Failure> {
        match self.try_commit(job, variants, snapshots).await {
            Err(Failure::Db(DbError::Postgres(e))) if is_missing_partition(&e) => {
                tracing::warn!("history partition missing; creating it");
                let client = self.pool.get().await?;
                for s in snapshots {
                    let day = s.observed_at.date_naive();
                    client
                        .query_typed(
                            "SELECT market.ensure_price_history_partitions($1, 2)",
                            &[(&day, tokio_postgres::types::Type::DATE)],
                        )
                        .await?;
                }
                drop(client);
                self.try_commit(job, variants, snapshots).await
            }
            other => other,
        }
    }

    async fn try_commit(
        &self,
        job: &ClaimedJob,
        variants: Option<&[MarketplaceVariant]>,
        snapshots: &[MarketSnapshot],
    ) -> Result<i64, Failure> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let now = Utc::now();
        let mut rows = 0i64;
        if let Some(v) = variants {
            let w = store::write_variants(&*tx, job.product_id, job.marketplace, v, now).await?;
            if w.unmapped > 0 {
                tracing::warn!(
                    unmapped = w.unmapped,
                    "sizes that map onto no size system were recorded on the link"
                );
            }
            rows += w.linked;
        }
        for s in snapshots {
            let w = store::write_snapshot(&*tx, job.product_id, s).await?;
            if w.unmapped > 0 {
                tracing::warn!(unmapped = w.unmapped, region = %s.region, "quotes for sizes we have not mapped");
            }
            rows += w.rows_written();
        }
        let cadence = self.config.cadences.for_tier(&job.tier);
        store::mark_synced(&*tx, job.product_id, job.marketplace, now, cadence).await?;
        jobs::succeed(&*tx, job.id, rows).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn record_failure(
        &self,
        job: &ClaimedJob,
        failure: Failure,
        receive_count: i64,
    ) -> Outcome {
        let last_attempt = receive_count >= self.config.max_receive_count;
        let (end, kind, message, link_status, delay) = match &failure {
            Failure::Provider(e) => {
                let link_status = match e {
                    // The product id we hold no longer exists there.
                    ProviderError::NotFound { .. } if job.external_id.is_some() => Some("gone"),
                    _ => None,
                };
                // Malformed bodies are usually a flaky upstream: retried like 5xx, up to the limit.
                let retry = e.is_retryable() || matches!(e, ProviderError::Malformed { .. });
                let end = match (retry, last_attempt) {
                    (false, _) => FailureEnd::Permanent,
                    (true, true) => FailureEnd::Dead,
                    (true, false) => FailureEnd::Retry,
                };
                let kind = e.kind();
                let delay = e
                    .retry_after()
                    .or(Some(self.config.retry_delay).filter(|_| retry));
                (end, kind, e.to_string(), link_status, delay)
            }
            Failure::Unmappable(message) => (
                FailureEnd::Permanent,
                "unmappable",
                message.clone(),
                None,
                None,
            ),
            Failure::Db(e) => {
                let end = if last_attempt {
                    FailureEnd::Dead
                } else {
                    FailureEnd::Retry
                };
                let kind = if e.is_unavailable() {
                    "retryable"
                } else {
                    "internal"
                };
                (end, kind, e.to_string(), None, None)
            }
        };
        match end {
            // A product one marketplace does not list (or lists ambiguously) is an expected data
            // outcome, recorded on the link: not a warning.
            FailureEnd::Permanent if matches!(kind, "not_found" | "unmappable") => {
                tracing::info!(error_kind = kind, error = %message, "product not on this marketplace")
            }
            FailureEnd::Permanent => {
                tracing::warn!(error_kind = kind, error = %message, "job failed permanently")
            }
            FailureEnd::Dead => {
                tracing::error!(error_kind = kind, error = %message, "job dead-lettered")
            }
            FailureEnd::Retry => {
                tracing::warn!(error_kind = kind, error = %message, "job will be retried")
            }
        }
        let recorded = match self.pool.get().await {
            Ok(c) => jobs::fail(&**c, job, end, kind, &message, link_status)
                .await
                .map_err(DbError::from),
            Err(e) => Err(DbError::from(e)),
        };
        if let Err(e) = recorded {
            // The database is down: let the message come back; the next attempt records it.
            tracing::warn!(error = %e, "cannot record the failure; message retried");
            return Outcome::Retry { delay: None };
        }
        match end {
            FailureEnd::Permanent => Outcome::Ack,
            FailureEnd::Dead => Outcome::Retry { delay: None },
            FailureEnd::Retry => Outcome::Retry { delay },
        }
    }

    pub fn marketplace_enabled(&self, m: Marketplace) -> bool {
        self.clients.is_enabled(m)
    }
}

/// For the `MarketplaceErrors` metric: the marketplace failed us (not our limiter, database or
/// configuration; 429s are counted separately as `Throttled429`).
fn is_marketplace_error(f: &Failure) -> bool {
    matches!(
        f,
        Failure::Provider(
            ProviderError::Retryable { .. }
                | ProviderError::Permanent { .. }
                | ProviderError::Auth { .. }
                | ProviderError::Malformed { .. }
        )
    )
}

fn is_missing_partition(e: &tokio_postgres::Error) -> bool {
    // 23514 check_violation: "no partition of relation ... found for row"
    e.as_db_error()
        .is_some_and(|d| d.code().code() == "23514" && d.message().contains("no partition"))
}
