//! Sync health in two views:
//! - `GET /v1/status`: public liveness (the database answers, when the last tick ran and how it
//!   ended). Nothing an outsider could use to learn how the sync fails.
//! - `GET /v1/ops/status`: the operator view (freshness per tier, failed and dead jobs of the last
//!   24 h by marketplace and error kind, open jobs, database budget), for signed-in users listed in
//!   `OPERATOR_USER_IDS` only. Aggregates only: no user data, no error messages.

use chrono::{DateTime, Utc};
use postgres_types::Json;
use serde::{Deserialize, Serialize};
use shared::api::{ApiRequest, CachePolicy, JsonResponse};

use shared::core::db::{query_bounded, Type};
use shared::core::domain::percent;

use crate::{ApiError, State};

const SQL: &str = include_str!("../sql/status.sql");
const LIVENESS_SQL: &str = "SELECT json_build_object('last_run', (SELECT row_to_json(r) FROM ( \
     SELECT kind, status, started_at, finished_at FROM market.sync_runs \
     WHERE kind = 'tick' ORDER BY started_at DESC LIMIT 1) r))";

#[derive(Debug, Deserialize, Serialize)]
struct LastRun {
    kind: String,
    status: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct LivenessRow {
    last_run: Option<LastRun>,
}

#[derive(Debug, Serialize)]
struct LivenessOut {
    /// `ok`: the API and its database answer.
    status: &'static str,
    checked_at: DateTime<Utc>,
    /// The last scheduled tick (null before the first).
    last_tick: Option<LastRun>,
}

/// `GET /v1/status`: public liveness.
pub async fn liveness(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    req.query.clone().finish(&[])?;
    let client = state.client().await?;
    state.count_round_trip();
    let rows = query_bounded(&client, LIVENESS_SQL, &[], state.limits).await?;
    drop(client);
    let Json(row): Json<LivenessRow> = rows
        .first()
        .ok_or_else(|| ApiError::Decode("no row".into()))?
        .try_get(0)?;
    Ok(JsonResponse::new(
        &LivenessOut {
            status: "ok",
            checked_at: Utc::now(),
            last_tick: row.last_run,
        },
        CachePolicy::Public {
            max_age: 30,
            stale_while_revalidate: 30,
        },
    )?)
}

#[derive(Debug, Deserialize)]
struct TierRow {
    tier: String,
    products: i64,
    fresh: i64,
}

#[derive(Debug, Deserialize, Serialize)]
struct RunRow {
    kind: String,
    status: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    jobs_planned: i64,
    jobs_enqueued: i64,
}

#[derive(Debug, Deserialize, Serialize)]
struct JobRow {
    marketplace: String,
    status: String,
    error_kind: Option<String>,
    jobs: i64,
}

#[derive(Debug, Deserialize)]
struct Row {
    tiers: Vec<TierRow>,
    last_run: Option<RunRow>,
    jobs: Vec<JobRow>,
    open_jobs: i64,
    db_size_bytes: i64,
}

#[derive(Debug, Serialize)]
struct TierOut {
    tier: String,
    cadence_hours: i64,
    products: i64,
    fresh: i64,
    /// Share of the tier's products synced within the cadence, percent with 1 decimal.
    fresh_pct: String,
}

#[derive(Debug, Serialize)]
struct DbOut {
    size_bytes: i64,
    budget_bytes: i64,
    used_pct: String,
    over_budget: bool,
}

#[derive(Debug, Serialize)]
struct Out {
    tiers: Vec<TierOut>,
    last_run: Option<RunRow>,
    /// Failed and dead-lettered jobs of the last 24 h, by marketplace, status and error kind.
    failed_jobs_24h: Vec<JobRow>,
    failed_24h: i64,
    dead_24h: i64,
    open_jobs: i64,
    database: DbOut,
}

/// `GET /v1/ops/status`: the operator view.
pub async fn operator(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    let user = state.verifier.verify_header(req.header("authorization"))?;
    if !state.operators.contains(&user.user_id) {
        return Err(shared::api::Problem::forbidden(
            "not_an_operator",
            "this view is for the install's operators (OPERATOR_USER_IDS)",
        )
        .into());
    }
    req.query.clone().finish(&[])?;
    let client = state.client().await?;
    state.count_round_trip();
    let c = &state.cadences;
    let (hot, warm, cold) = (c.secs("hot"), c.secs("warm"), c.secs("cold"));
    let rows = query_bounded(
        &client,
        SQL,
        &[
            (&hot, Type::FLOAT8),
            (&warm, Type::FLOAT8),
            (&cold, Type::FLOAT8),
        ],
        state.limits,
    )
    .await?;
    drop(client);
    let Json(row): Json<Row> = rows
        .first()
        .ok_or_else(|| ApiError::Decode("no row".into()))?
        .try_get(0)?;
    let tiers = shared::core::tier::Tier::ALL
        .iter()
        .map(|t| {
            let r = row.tiers.iter().find(|r| r.tier == t.code());
            let (products, fresh) = r.map(|r| (r.products, r.fresh)).unwrap_or((0, 0));
            TierOut {
                tier: t.code().to_string(),
                cadence_hours: state.cadences.cadence(*t).num_hours(),
                products,
                fresh,
                fresh_pct: percent(fresh, products, 1).unwrap_or_else(|| "0.0".into()),
            }
        })
        .collect();
    let budget_bytes =
        i64::try_from(state.db_budget_mb.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX);
    let count = |s: &str| {
        row.jobs
            .iter()
            .filter(|j| j.status == s)
            .map(|j| j.jobs)
            .sum()
    };
    let out = Out {
        tiers,
        last_run: row.last_run,
        failed_24h: count("failed"),
        dead_24h: count("dead"),
        failed_jobs_24h: row.jobs,
        open_jobs: row.open_jobs,
        database: DbOut {
            size_bytes: row.db_size_bytes,
            budget_bytes,
            used_pct: percent(row.db_size_bytes, budget_bytes, 1).unwrap_or_else(|| "0.0".into()),
            over_budget: row.db_size_bytes > budget_bytes,
        },
    };
    Ok(JsonResponse::new(&out, CachePolicy::PrivateRevalidate)?)
}
