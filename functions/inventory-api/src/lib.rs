//! inventory-api: the signed-in user's inventory valued against the market, and the public sync
//! status, behind a Lambda Function URL.
//!
//! Routes: `GET /v1/inventory` and `GET /v1/me` (Bearer Supabase access token), `GET /v1/status` (public
//! liveness) and `GET /v1/ops/status` (operators only); `OPTIONS` preflight for each.

mod queue;

mod routes;

use routes::{inventory, me, status};
use std::sync::atomic::{AtomicU64, Ordering};

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::jwt::JwtVerifier;
use shared::api::{ApiRequest, Cors, JsonResponse, Problem};
use shared::core::db::{DbPool, DbSettings, PooledClient, QueryLimits};
use shared::core::tier::Cadences;
use shared::valuation::fees::FeeSchedule;

pub use routes::inventory::{QuoteCache, SizeMatches, SizeRuns};
pub use shared::api::ApiError;

/// Everything a request needs, built once per Lambda instance.
pub struct State {
    pub pool: DbPool,
    pub cors: Cors,
    pub fees: FeeSchedule,
    /// Tier cadences: the APIs' `stale` flag and cache lifetimes follow the sync schedule.
    pub cadences: Cadences,
    /// Statement and lock timeouts of every query (503 with `Retry-After` when hit).
    pub limits: QueryLimits,
    /// An ask above this percentage of the size's highest reference price is an outlier.
    pub outlier_ratio_pct: i64,
    /// Bounds on the sync jobs an inventory request may enqueue.
    pub on_demand: OnDemand,
    pub verifier: JwtVerifier,
    /// `None` when `SYNC_QUEUE_URL` is unset: on-demand jobs are recorded only.
    pub queue: Option<shared::sync::queue::JobQueue>,
    /// Supabase user ids allowed to read `/v1/ops/status` (`OPERATOR_USER_IDS`).
    pub operators: Vec<uuid::Uuid>,
    /// Database size budget for `/v1/ops/status`, in MiB.
    pub db_budget_mb: u64,
    /// Database round trips made so far (for the benchmark and tests).
    pub round_trips: AtomicU64,
    /// The products' size runs read so far, re-read only when a product's run changes.
    pub size_runs: SizeRuns,
    /// The pairs' sizes matched so far on those runs, matched again when a run changes.
    pub size_matches: SizeMatches,
    /// The matched sizes' quotes read so far, re-read when their product is synced again.
    pub quotes: QuoteCache,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Db(#[from] shared::core::db::DbError),
    #[error(transparent)]
    Config(#[from] shared::core::config::ConfigError),
    #[error(transparent)]
    Auth(#[from] shared::api::jwt::AuthConfigError),
}

pub const DEFAULT_DB_BUDGET_MB: u64 = 400;

/// How much on-demand sync work a signed-in user can cause: only the marketplaces listed (and
/// not waiting for re-consent), at most `per_request` jobs per inventory request, `per_user_day`
/// per user and `daily_max` for the whole install per day (drawn from the planner's reserve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDemand {
    pub marketplaces: Vec<i16>,
    pub per_request: i64,
    pub per_user_day: i64,
    pub daily_max: i64,
}

impl Default for OnDemand {
    fn default() -> Self {
        OnDemand {
            marketplaces: shared::core::domain::Marketplace::ALL
                .iter()
                .map(|m| m.id())
                .collect(),
            per_request: 20,
            per_user_day: 60,
            daily_max: 500,
        }
    }
}

impl OnDemand {
    /// `ON_DEMAND_MARKETPLACES` (codes, default every marketplace; `none` turns on-demand off),
    /// `ON_DEMAND_PER_REQUEST` (20), `ON_DEMAND_PER_USER_DAY` (60), `ON_DEMAND_DAILY_MAX` (500).
    pub fn from_env() -> Result<Self, shared::core::config::ConfigError> {
        use shared::core::config::{optional, parsed, ConfigError};
        let d = OnDemand::default();
        let marketplaces = match optional("ON_DEMAND_MARKETPLACES") {
            None => d.marketplaces,
            Some(raw) if raw.trim() == "none" => Vec::new(),
            Some(raw) => raw
                .split(',')
                .map(|code| {
                    code.trim()
                        .parse::<shared::core::domain::Marketplace>()
                        .map(|m| m.id())
                        .map_err(|e| ConfigError {
                            name: "ON_DEMAND_MARKETPLACES".into(),
                            message: e.to_string(),
                        })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(OnDemand {
            marketplaces,
            per_request: parsed("ON_DEMAND_PER_REQUEST", d.per_request)?.max(0),
            per_user_day: parsed("ON_DEMAND_PER_USER_DAY", d.per_user_day)?.max(0),
            daily_max: parsed("ON_DEMAND_DAILY_MAX", d.daily_max)?.max(0),
        })
    }
}

impl State {
    pub fn new(
        pool: DbPool,
        cors: Cors,
        fees: FeeSchedule,
        verifier: JwtVerifier,
        queue: Option<shared::sync::queue::JobQueue>,
    ) -> Self {
        State {
            pool,
            cors,
            fees,
            cadences: Cadences::default(),
            limits: QueryLimits::default(),
            outlier_ratio_pct: shared::valuation::outliers::ASK_RATIO_PCT,
            on_demand: OnDemand::default(),
            verifier,
            queue,
            operators: Vec::new(),
            db_budget_mb: DEFAULT_DB_BUDGET_MB,
            round_trips: AtomicU64::new(0),
            size_runs: SizeRuns::default(),
            size_matches: SizeMatches::default(),
            quotes: QuoteCache::default(),
        }
    }

    /// From `DATABASE_URL`, `DB_POOL_SIZE` (default 2), `CORS_ALLOWED_ORIGINS`, the JWT settings
    /// (`SUPABASE_JWT_SECRET`, `SUPABASE_JWKS`, `SUPABASE_JWKS_URL`, `JWT_LEEWAY_SECS`),
    /// `SYNC_QUEUE_URL`, `DB_SIZE_BUDGET_MB` (default 400), `INVENTORY_QUOTES_CACHE_SECS` (default
    /// 600) and the `FEE_*` overrides.
    pub async fn from_env() -> Result<Self, InitError> {
        let settings = DbSettings::from_url(&shared::core::db::database_url_from_env())?;
        let size = shared::core::config::parsed("DB_POOL_SIZE", 2usize)?;
        let verifier = JwtVerifier::from_env().await?;
        let queue = shared::sync::queue::JobQueue::from_env_with_budget(queue::SEND_BUDGET).await;
        let mut state = State::new(
            settings.pool(size)?,
            Cors::from_env(),
            FeeSchedule::from_env()?,
            verifier,
            queue,
        );
        state.db_budget_mb =
            shared::core::config::parsed("DB_SIZE_BUDGET_MB", DEFAULT_DB_BUDGET_MB)?;
        state.cadences = Cadences::from_env()?;
        state.limits = QueryLimits::from_env()?;
        state.outlier_ratio_pct = shared::valuation::outliers::ratio_from_env()?;
        state.on_demand = OnDemand::from_env()?;
        state.operators = operators_from_env()?;
        state.quotes = QuoteCache::from_env()?;
        Ok(state)
    }

    pub(crate) async fn client(&self) -> Result<PooledClient, ApiError> {
        Ok(self.pool.get().await?)
    }

    pub(crate) fn count_round_trip(&self) {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
    }
}

/// `OPERATOR_USER_IDS`: comma-separated Supabase user ids (UUIDs); unset means no operator.
fn operators_from_env() -> Result<Vec<uuid::Uuid>, shared::core::config::ConfigError> {
    let Some(raw) = shared::core::config::optional("OPERATOR_USER_IDS") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|_| shared::core::config::ConfigError {
                name: "OPERATOR_USER_IDS".into(),
                message: format!("{s:?} is not a UUID"),
            })
        })
        .collect()
}

/// Handles one request. Never fails: every error becomes a problem response.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    let api = ApiRequest::from_http(&req);
    shared::api::lambda::respond(&state.cors, &api, |api| route(state, api)).await
}

async fn route(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    match req.path.as_str() {
        "/v1/inventory" | "/v1/me" | "/v1/status" | "/v1/ops/status"
            if req.method != Method::GET && req.method != Method::HEAD =>
        {
            Err(Problem::method_not_allowed().into())
        }
        "/v1/inventory" => inventory::handle(state, req).await,
        "/v1/me" => me::handle(state, req).await,
        "/v1/status" => status::liveness(state, req).await,
        "/v1/ops/status" => status::operator(state, req).await,
        _ => Err(Problem::not_found("no such route").into()),
    }
}
