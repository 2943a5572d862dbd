//! market-api: the public, read-only market data API behind a Lambda Function URL.
//!
//! Routes (all `GET`, plus `OPTIONS` preflight):
//! - `/v1/products?q=&brand=&limit=&cursor=&market=&currency=`: catalogue search;
//! - `/v1/products/{style_code}?market=&currency=&size=`: the whole market page;
//! - `/v1/products/{style_code}/history?size=&marketplace=&days=|range=&metric=prices|sales&market=&currency=`.
//!
//! Each request is one database round trip (one SQL statement that returns a JSON document).

mod params;

mod routes;

use routes::{history, page, sales_history, search};
use std::sync::atomic::{AtomicU64, Ordering};

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::jwt::JwtVerifier;
use shared::api::{ApiRequest, Cors, JsonResponse, Problem};
use shared::core::db::{DbPool, DbSettings, PooledClient, QueryLimits};
use shared::core::tier::Cadences;
use shared::valuation::fees::FeeSchedule;

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
    /// Verifies the optional bearer token of a page request: only signed-in views count towards
    /// a product's popularity (anonymous requests could make the whole catalogue hot). `None`: no
    /// view is counted.
    pub verifier: Option<JwtVerifier>,
    /// Database round trips made so far (for the benchmark and tests).
    pub round_trips: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Db(#[from] shared::core::db::DbError),
    #[error(transparent)]
    Config(#[from] shared::core::config::ConfigError),
}

impl State {
    pub fn new(pool: DbPool, cors: Cors, fees: FeeSchedule) -> Self {
        State {
            pool,
            cors,
            fees,
            cadences: Cadences::default(),
            limits: QueryLimits::default(),
            outlier_ratio_pct: shared::valuation::outliers::ASK_RATIO_PCT,
            verifier: None,
            round_trips: AtomicU64::new(0),
        }
    }

    /// From `DATABASE_URL`, `DB_POOL_SIZE` (default 2), `CORS_ALLOWED_ORIGINS`, the `SYNC_*_HOURS`
    /// cadences and the `FEE_*` overrides. Connections open lazily and are then reused across invocations.
    pub async fn from_env() -> Result<Self, InitError> {
        let settings = DbSettings::from_url(&shared::core::db::database_url_from_env())?;
        let size = shared::core::config::parsed("DB_POOL_SIZE", 2usize)?;
        let mut state = State::new(
            settings.pool(size)?,
            Cors::from_env(),
            FeeSchedule::from_env()?,
        );
        state.cadences = Cadences::from_env()?;
        state.limits = QueryLimits::from_env()?;
        state.outlier_ratio_pct = shared::valuation::outliers::ratio_from_env()?;
        state.verifier = match JwtVerifier::from_env().await {
            Ok(v) => Some(v),
            Err(shared::api::jwt::AuthConfigError::NoKeys) => None,
            Err(e) => {
                // The page stays public; only view counting is off.
                tracing::warn!(error = %e, "JWT keys unusable: page views are not counted");
                None
            }
        };
        Ok(state)
    }

    pub(crate) async fn client(&self) -> Result<PooledClient, ApiError> {
        Ok(self.pool.get().await?)
    }

    pub(crate) fn count_round_trip(&self) {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
    }
}

/// Handles one request. Never fails: every error becomes a problem response.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    let api = ApiRequest::from_http(&req);
    shared::api::lambda::respond(&state.cors, &api, |api| route(state, api)).await
}

async fn route(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    let Some(segments) = req.segments_after("/v1/products") else {
        return Err(Problem::not_found("no such route").into());
    };
    if req.method != Method::GET && req.method != Method::HEAD {
        return Err(Problem::method_not_allowed().into());
    }
    match segments.as_slice() {
        [] => search::handle(state, req).await,
        [style] => page::handle(state, req, style).await,
        [style, h] if h == "history" => history::handle(state, req, style).await,
        _ => Err(Problem::not_found("no such route").into()),
    }
}
