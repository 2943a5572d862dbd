//! The orchestrator's tick: make sure history partitions exist, release jobs whose messages were
//! lost, recompute tiers, choose the (product x marketplace) work that is due — highest priority
//! first, within each marketplace's remaining daily budget — record the run and its jobs, and send
//! them to SQS.
//!
//! Overlapping ticks never enqueue the same work twice: the guard is the unique partial index
//! `sync_jobs_one_open` (one open job per product x marketplace x kind), not memory.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::jobs::{JobKind, JobMessage};
use super::queue::JobQueue;
use super::sales::{self, SalesConfig};
use super::tiers;
use crate::core::config::{parsed, ConfigError};
use crate::core::domain::Marketplace;
use crate::core::tier::Cadences;

#[derive(Debug, Clone)]
pub struct PlanConfig {
    pub cadences: Cadences,
    /// Upper bound on jobs per tick (all marketplaces).
    pub max_jobs: i64,
    /// Calls per marketplace and day kept back for on-demand syncs from the inventory API.
    pub daily_reserve: i64,
    /// Provider calls a prices job costs (one per synced region).
    pub calls_per_prices_job: i64,
    /// An open job older than this lost its message (send failure, purge): it is released.
    /// When `stale_job_from_queue` is set the orchestrator replaces it, each tick, by the window
    /// the queue itself implies (`JobQueue::release_window`); this value is then the fallback.
    pub stale_job_after: Duration,
    /// Follow the queue's visibility timeout and `maxReceiveCount` (unless `SYNC_STALE_JOB_HOURS`
    /// fixes the window).
    pub stale_job_from_queue: bool,
    /// How often products that could not be matched are searched again.
    pub unmatched_recheck: Duration,
    /// Days of history partitions kept ready ahead.
    pub partitions_ahead: i32,
    /// Sales jobs' cadences and daily call budget.
    pub sales: SalesConfig,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            cadences: Cadences::default(),
            max_jobs: 5000,
            daily_reserve: 500,
            calls_per_prices_job: 1,
            stale_job_after: Duration::from_secs(6 * 3600),
            stale_job_from_queue: false,
            unmatched_recheck: Duration::from_secs(30 * 24 * 3600),
            partitions_ahead: 7,
            sales: SalesConfig::default(),
        }
    }
}

impl PlanConfig {
    /// `SYNC_MAX_JOBS_PER_TICK`, `SYNC_DAILY_RESERVE`, `SYNC_REGIONS` (count), `SYNC_STALE_JOB_HOURS`
    /// (unset: the window follows the queue, with 6 h as the fallback).
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = PlanConfig::default();
        let regions = crate::core::config::optional("SYNC_REGIONS")
            .map(|r| r.split(',').filter(|s| !s.trim().is_empty()).count() as i64)
            .unwrap_or(1)
            .max(1);
        Ok(PlanConfig {
            cadences: Cadences::from_env()?,
            max_jobs: parsed("SYNC_MAX_JOBS_PER_TICK", d.max_jobs)?.max(1),
            daily_reserve: parsed("SYNC_DAILY_RESERVE", d.daily_reserve)?.max(0),
            calls_per_prices_job: regions,
            stale_job_after: Duration::from_secs(parsed("SYNC_STALE_JOB_HOURS", 6u64)? * 3600),
            stale_job_from_queue: crate::core::config::optional("SYNC_STALE_JOB_HOURS").is_none(),
            sales: SalesConfig::from_env()?,
            ..d
        })
    }
}

/// What one tick did (also stored as the run's summary).
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct TickSummary {
    pub run_id: i64,
    pub partitions_created: i32,
    pub stale_jobs_released: i64,
    pub tier_changes: u64,
    pub planned: i64,
    pub planned_by_kind: Vec<(String, String, i64)>,
    pub enqueued: i64,
    pub send_failures: i64,
    pub marketplaces: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
}

/// Records a run and plans its jobs (without sending them). Returns the run id and the messages.
pub async fn plan<C: GenericClient>(
    c: &C,
    cfg: &PlanConfig,
    marketplaces: &[Marketplace],
) -> Result<(TickSummary, Vec<JobMessage>), PlanError> {
    let mut summary = TickSummary {
        marketplaces: marketplaces.iter().map(|m| m.code().to_string()).collect(),
        ..Default::default()
    };
    summary.partitions_created = c
        .query_typed(
            "SELECT market.ensure_price_history_partitions((now() AT TIME ZONE 'UTC')::date - 1, $1)",
            &[(&(cfg.partitions_ahead + 2), Type::INT4)],
        )
        .await?[0]
        .get(0);
    let stale = cfg.stale_job_after.as_secs_f64();
    summary.stale_jobs_released = c
        .query_typed(
            "WITH released AS (
               UPDATE market.sync_jobs SET status = 'failed', error_kind = 'lost', finished_at = now(),
                 error_message = 'no worker finished this job within the stale-job window; its message was lost'
               WHERE status IN ('queued', 'running') AND enqueued_at < now() - make_interval(secs => $1)
               RETURNING 1
             ) SELECT count(*) FROM released",
            &[(&stale, Type::FLOAT8)],
        )
        .await?[0]
        .get(0);
    // A run still `running` long after any invocation could have ended (the orchestrator's timeout
    // is 5 minutes) was cut short by a timeout or a crash: close it so it does not look live.
    c.query_typed(
        "UPDATE market.sync_runs SET status = 'failed', finished_at = now(),
           error = 'abandoned: still running 15 minutes after it started (the invocation timed out or crashed)'
         WHERE status = 'running' AND started_at < now() - interval '15 minutes'",
        &[],
    )
    .await?;
    summary.tier_changes = tiers::recompute(c, &cfg.cadences).await?;
    summary.run_id = c
        .query_typed(
            "INSERT INTO market.sync_runs (kind, status) VALUES ('tick', 'running') RETURNING id",
            &[],
        )
        .await?[0]
        .get(0);

    // The worker also fetches every region a seller holding pairs sells in: budget for those too
    // (an upper bound: a seller region may also be configured; there are three regions at most).
    let seller_regions: i64 = c
        .query_typed("SELECT count(*) FROM market.seller_regions", &[])
        .await?[0]
        .get(0);
    let calls_per_prices_job = (cfg.calls_per_prices_job + seller_regions).min(3);
    let ids: Vec<i16> = marketplaces.iter().map(|m| m.id()).collect();
    let recheck = cfg.unmatched_recheck.as_secs_f64();
    let rows = c
        .query_typed(
            "WITH budget AS (
               SELECT marketplace_id,
                      greatest(0, CASE WHEN day < (now() AT TIME ZONE 'UTC')::date THEN daily_limit
                                       ELSE daily_limit - used_today END - $4) AS remaining
               FROM market.rate_limits
             ), candidates AS (
               SELECT p.id AS product_id, m.id AS marketplace_id,
                      CASE WHEN l.status = 'matched' AND l.variants_mapped_at IS NOT NULL THEN 'prices' ELSE 'map' END AS kind,
                      CASE p.tier WHEN 'hot' THEN 3 WHEN 'warm' THEN 2 ELSE 1 END AS priority,
                      coalesce(l.next_due_at, p.next_due_at) AS due
               FROM market.products p
               CROSS JOIN unnest($1::int2[]) AS m(id)
               LEFT JOIN market.marketplace_links l ON l.product_id = p.id AND l.marketplace_id = m.id
               WHERE CASE
                       WHEN l.product_id IS NULL THEN p.next_due_at <= now() OR p.tier = 'hot'
                       WHEN l.status IN ('pending', 'matched') THEN l.next_due_at <= now()
                       ELSE l.updated_at < now() - make_interval(secs => $5) AND l.next_due_at <= now()
                     END
                 AND NOT EXISTS (SELECT 1 FROM market.sync_jobs j
                                 WHERE j.product_id = p.id AND j.marketplace_id = m.id
                                   AND j.kind IN ('map', 'prices') AND j.status IN ('queued', 'running'))
             ), costed AS (
               SELECT c.*, CASE WHEN kind = 'prices' THEN $3 ELSE $3 + 2 END AS cost FROM candidates c
             ), ranked AS (
               SELECT c.*, sum(cost) OVER (PARTITION BY marketplace_id ORDER BY priority DESC, due, product_id) AS spent
               FROM costed c
             ), chosen AS (
               SELECT r.* FROM ranked r JOIN budget b USING (marketplace_id)
               WHERE r.spent <= b.remaining
               ORDER BY priority DESC, due, product_id
               LIMIT $6
             )
             INSERT INTO market.sync_jobs (run_id, product_id, marketplace_id, kind, priority)
             SELECT $2, product_id, marketplace_id, kind, priority FROM chosen
             ON CONFLICT (product_id, marketplace_id, kind) WHERE status IN ('queued', 'running') DO NOTHING
             RETURNING id, product_id, marketplace_id, kind",
            &[
                (&ids, Type::INT2_ARRAY),
                (&summary.run_id, Type::INT8),
                (&calls_per_prices_job, Type::INT8),
                (&cfg.daily_reserve, Type::INT8),
                (&recheck, Type::FLOAT8),
                (&cfg.max_jobs, Type::INT8),
            ],
        )
        .await?;
    let mut messages: Vec<JobMessage> = rows
        .iter()
        .filter_map(|r| {
            let mp: i16 = r.get(2);
            let kind: String = r.get(3);
            Some(JobMessage {
                job_id: r.get(0),
                product_id: r.get(1),
                marketplace: Marketplace::from_id(mp)?,
                kind: kind.parse::<JobKind>().ok()?,
            })
        })
        .collect();
    // Sales come after prices: they only use what the tick's cap and the budgets leave.
    if marketplaces.contains(&Marketplace::Alias) {
        messages.extend(
            sales::plan::plan(
                c,
                &cfg.sales,
                summary.run_id,
                calls_per_prices_job,
                cfg.daily_reserve,
                cfg.max_jobs - messages.len() as i64,
            )
            .await?,
        );
    }
    summary.planned = messages.len() as i64;
    let mut by_kind: std::collections::BTreeMap<(String, String), i64> = Default::default();
    for m in &messages {
        *by_kind
            .entry((m.marketplace.code().into(), m.kind.code().into()))
            .or_default() += 1;
    }
    summary.planned_by_kind = by_kind.into_iter().map(|((m, k), n)| (m, k, n)).collect();
    Ok((summary, messages))
}

/// Sends the planned messages, releases jobs whose message could not be sent, and closes the run.
pub async fn enqueue<C: GenericClient>(
    c: &C,
    queue: &JobQueue,
    summary: &mut TickSummary,
    messages: &[JobMessage],
) -> Result<(), PlanError> {
    let report = queue.send(messages).await;
    summary.enqueued = report.sent.len() as i64;
    summary.send_failures = report.failed.len() as i64;
    if !report.failed.is_empty() {
        let ids: Vec<i64> = report.failed.iter().map(|(id, _)| *id).collect();
        let reason = report.failed[0].1.clone();
        tracing::error!(failed = ids.len(), error = %reason, "some sync messages could not be sent");
        c.query_typed(
            "UPDATE market.sync_jobs SET status = 'failed', error_kind = 'lost', finished_at = now(),
               error_message = left('message could not be sent to SQS: ' || $2, 2000)
             WHERE id = ANY($1)",
            &[(&ids, Type::INT8_ARRAY), (&reason, Type::TEXT)],
        )
        .await?;
    }
    finish_run(
        c,
        summary,
        if report.failed.is_empty() {
            None
        } else {
            Some("some messages could not be sent")
        },
    )
    .await
}

/// Closes the run with its summary.
pub async fn finish_run<C: GenericClient>(
    c: &C,
    summary: &TickSummary,
    error: Option<&str>,
) -> Result<(), PlanError> {
    let summary_json = json!(summary);
    let status = if error.is_some() {
        "failed"
    } else {
        "succeeded"
    };
    c.query_typed(
        "UPDATE market.sync_runs SET status = $2, finished_at = now(), jobs_planned = $3, jobs_enqueued = $4,
           summary = $5, error = $6
         WHERE id = $1",
        &[
            (&summary.run_id, Type::INT8),
            (&status, Type::TEXT),
            (&(summary.planned as i32), Type::INT4),
            (&(summary.enqueued as i32), Type::INT4),
            (&summary_json, Type::JSONB),
            (&error, Type::TEXT),
        ],
    )
    .await?;
    Ok(())
}
