//! The orchestrator (run by the sync-orchestrator Lambda): on each scheduled tick, plans due sync work and fans it out to SQS; in its
//! daily mode, runs housekeeping (retention, summary view, size budget) and loads FX rates.
//!
//! Event: `{"mode": "tick"}` (default, also for a plain EventBridge scheduled event) or
//! `{"mode": "daily"}`.

use crate::core::db::{DbError, DbPool, DbSettings};
use crate::core::domain::Marketplace;
use crate::marketplaces::{AliasConfig, StockxConfig};
use crate::sync::cleanup::{self, CleanupConfig, CleanupReport};
use crate::sync::fx_feed;
use crate::sync::planner::{self, PlanConfig, TickSummary};
use crate::sync::queue::JobQueue;
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::types::Type;

#[derive(Debug, thiserror::Error)]
pub enum OrchestratorError {
    #[error(transparent)]
    Config(#[from] crate::core::config::ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Plan(#[from] planner::PlanError),
    #[error("SYNC_QUEUE_URL is not configured")]
    NoQueue,
    #[error("unknown mode {0:?} (expected \"tick\" or \"daily\")")]
    Mode(String),
}

impl From<tokio_postgres::Error> for OrchestratorError {
    fn from(e: tokio_postgres::Error) -> Self {
        OrchestratorError::Db(DbError::Postgres(e))
    }
}

impl From<deadpool_postgres::PoolError> for OrchestratorError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        OrchestratorError::Db(DbError::from(e))
    }
}

/// Built once per Lambda instance.
pub struct State {
    pub pool: DbPool,
    pub queue: Option<JobQueue>,
    pub plan: PlanConfig,
    pub cleanup: CleanupConfig,
    pub http: reqwest::Client,
    pub fx_url: String,
    /// Marketplaces with credentials configured.
    pub configured: Vec<Marketplace>,
}

impl State {
    pub async fn from_env() -> Result<Self, OrchestratorError> {
        let settings = DbSettings::from_url(&crate::core::db::database_url_from_env())?;
        let mut configured = Vec::new();
        if StockxConfig::from_env().is_some() {
            configured.push(Marketplace::StockX);
        }
        if AliasConfig::from_env().is_some() {
            configured.push(Marketplace::Alias);
        }
        if configured.is_empty() {
            tracing::warn!("no marketplace credentials configured: ticks will plan nothing");
        }
        Ok(State {
            pool: settings.pool(2)?,
            queue: JobQueue::from_env().await,
            plan: PlanConfig::from_env()?,
            cleanup: CleanupConfig::from_env()?,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .map_err(|e| DbError::Config(e.to_string()))?,
            fx_url: crate::core::config::or_default("FX_FEED_URL", fx_feed::ECB_DAILY_URL),
            configured,
        })
    }
}

/// Result of the daily mode.
#[derive(Debug, Serialize)]
pub struct DailyReport {
    pub cleanup: CleanupReport,
    pub fx_rates_written: Option<u64>,
    pub fx_error: Option<String>,
}

/// One scheduled tick: plan and enqueue.
pub async fn tick(state: &State) -> Result<TickSummary, OrchestratorError> {
    let queue = state.queue.as_ref().ok_or(OrchestratorError::NoQueue)?;
    let client = state.pool.get().await?;
    // A marketplace whose refresh token was revoked waits for a human; the other keeps syncing.
    let blocked: Vec<i16> = client
        .query_typed(
            "SELECT marketplace_id FROM market.marketplace_credentials WHERE needs_reauth",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let marketplaces: Vec<Marketplace> = state
        .configured
        .iter()
        .copied()
        .filter(|m| !blocked.contains(&m.id()))
        .collect();
    // The existing app's styles become products (with the provider ids it holds) before planning,
    // so a pair added in the app is planned on this tick.
    let imported = client
        .query_typed("SELECT * FROM market.import_app_styles()", &[])
        .await?;
    let (products_added, links_added): (i32, i32) = (imported[0].get(0), imported[0].get(1));
    if products_added > 0 || links_added > 0 {
        tracing::info!(
            products_added,
            links_added,
            "styles imported from the app's catalogue"
        );
    }
    let plan = plan_config(state, queue).await;
    let (mut summary, messages) = planner::plan(&**client, &plan, &marketplaces).await?;
    planner::enqueue(&**client, queue, &mut summary, &messages).await?;
    tracing::info!(
        run_id = summary.run_id,
        planned = summary.planned,
        enqueued = summary.enqueued,
        send_failures = summary.send_failures,
        tier_changes = summary.tier_changes,
        stale_jobs_released = summary.stale_jobs_released,
        "tick finished"
    );
    emit_tick_metrics(&**client, state).await;
    Ok(summary)
}

/// The tick's plan settings: the stale-job window follows the queue's own redelivery settings
/// unless it is fixed by configuration (or the queue cannot say, then the fallback holds).
async fn plan_config(state: &State, queue: &JobQueue) -> PlanConfig {
    let mut plan = state.plan.clone();
    if plan.stale_job_from_queue {
        match queue.release_window().await {
            Ok(Some(window)) => plan.stale_job_after = window,
            Ok(None) => tracing::warn!(
                fallback_secs = plan.stale_job_after.as_secs(),
                "the queue has no redrive policy; the fixed stale-job window applies"
            ),
            Err(e) => tracing::warn!(
                error = %e,
                fallback_secs = plan.stale_job_after.as_secs(),
                "could not read the queue's settings; the fixed stale-job window applies"
            ),
        }
    }
    plan
}

// --- Metrics (EMF) -------------------------------------------------------------------------------

/// Hot products (that can be synced: no link yet, or a pending/matched one) not synced within the
/// hot cadence, and StockX calls used today from the shared limiter.
const TICK_METRICS_SQL: &str = "
SELECT count(*) FILTER (WHERE p.last_synced_at IS NULL
                           OR p.last_synced_at < now() - make_interval(secs => $1)) AS stale,
       count(*) AS hot,
       coalesce((SELECT CASE WHEN r.day < (now() AT TIME ZONE 'UTC')::date THEN 0 ELSE r.used_today END
                 FROM market.rate_limits r WHERE r.marketplace_id = $2), 0)::int8 AS stockx_used
FROM market.products p
WHERE p.tier = 'hot'
  AND (NOT EXISTS (SELECT 1 FROM market.marketplace_links l WHERE l.product_id = p.id)
       OR EXISTS (SELECT 1 FROM market.marketplace_links l
                  WHERE l.product_id = p.id AND l.status IN ('pending', 'matched')))";

/// Emits `HotStaleProducts`, `HotFreshShare` and `StockxCallsToday`. Never fails the tick.
async fn emit_tick_metrics<C: tokio_postgres::GenericClient>(client: &C, state: &State) {
    let hot_secs = state.plan.cadences.hot.as_secs_f64();
    let stockx = Marketplace::StockX.id();
    match client
        .query_typed(
            TICK_METRICS_SQL,
            &[(&hot_secs, Type::FLOAT8), (&stockx, Type::INT2)],
        )
        .await
    {
        Ok(rows) => {
            let (stale, hot, used): (i64, i64, i64) =
                (rows[0].get(0), rows[0].get(1), rows[0].get(2));
            let fresh_share = if hot == 0 {
                100.0
            } else {
                100.0 * (hot - stale) as f64 / hot as f64
            };
            crate::ops::metrics::emit(
                crate::ops::metrics::ORCHESTRATOR,
                &[
                    (crate::ops::metrics::HOT_STALE_PRODUCTS, stale as f64),
                    (crate::ops::metrics::HOT_FRESH_SHARE, fresh_share),
                    (crate::ops::metrics::STOCKX_CALLS_TODAY, used as f64),
                ],
            );
        }
        Err(e) => tracing::warn!(error = %e, "tick metrics not emitted"),
    }
}

/// Emits `DatabaseBytes` after the daily housekeeping.
fn emit_daily_metrics(report: &DailyReport) {
    crate::ops::metrics::emit(
        crate::ops::metrics::ORCHESTRATOR,
        &[(
            crate::ops::metrics::DATABASE_BYTES,
            report.cleanup.database_bytes as f64,
        )],
    );
}

/// The daily mode: housekeeping, then FX (a failing feed does not fail the housekeeping).
pub async fn daily(state: &State) -> Result<DailyReport, OrchestratorError> {
    let client = state.pool.get().await?;
    let run_id: i64 = client
        .query_typed(
            "INSERT INTO market.sync_runs (kind) VALUES ('cleanup') RETURNING id",
            &[],
        )
        .await?[0]
        .get(0);
    let cleanup = cleanup::run(&**client, &state.cleanup).await?;
    let (fx_rates_written, fx_error) = match fx_feed::fetch(&state.http, &state.fx_url).await {
        Ok(rates) => match fx_feed::store(&**client, &rates).await {
            Ok(n) => (Some(n), None),
            Err(e) => (None, Some(e.to_string())),
        },
        Err(e) => (None, Some(e.to_string())),
    };
    if let Some(e) = &fx_error {
        tracing::warn!(error = %e, "FX rates not updated today; conversions use the latest stored rates");
    }
    let report = DailyReport {
        cleanup,
        fx_rates_written,
        fx_error,
    };
    let summary = serde_json::to_value(&report).unwrap_or(Value::Null);
    client
        .query_typed(
            "UPDATE market.sync_runs SET status = 'succeeded', finished_at = now(), summary = $2 WHERE id = $1",
            &[(&run_id, Type::INT8), (&summary, Type::JSONB)],
        )
        .await?;
    tracing::info!(
        partitions_packed = report.cleanup.partitions_packed.len(),
        partitions_dropped = report.cleanup.partitions_dropped.len(),
        database_bytes = report.cleanup.database_bytes,
        fx_rates_written = ?report.fx_rates_written,
        "daily housekeeping finished"
    );
    emit_daily_metrics(&report);
    Ok(report)
}

/// The Lambda handler.
pub async fn handle(state: &State, event: Value) -> Result<Value, OrchestratorError> {
    let mode = event
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or("tick")
        .to_string();
    match mode.as_str() {
        "tick" => Ok(serde_json::to_value(tick(state).await?).unwrap_or(Value::Null)),
        "daily" => Ok(serde_json::to_value(daily(state).await?).unwrap_or(Value::Null)),
        other => Err(OrchestratorError::Mode(other.to_string())),
    }
}
