//! inventory-api: the signed-in user's inventory valued against the market, and the public sync
//! status, behind a Lambda Function URL.
//!
//! Routes: `GET /v1/inventory?status=&currency=` (Bearer Supabase access token) and
//! `GET /v1/status` (public, aggregate only); `OPTIONS` preflight for both.

mod inventory;
mod queue;
mod status;

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::auth::JwtVerifier;
use shared::db::{DbPool, DbSettings, PooledClient};
use shared::fees::FeeSchedule;
use shared::http::{ApiRequest, Cors, Problem};

pub use shared::http::ApiError;

/// Everything a request needs, built once per Lambda instance.
pub struct State {
    pub pool: DbPool,
    pub cors: Cors,
    pub fees: FeeSchedule,
    pub verifier: JwtVerifier,
    /// `None` when `SYNC_QUEUE_URL` is unset: on-demand jobs are recorded only.
    pub queue: Option<shared::sync::queue::JobQueue>,
    /// Database size budget for `/v1/status`, in MiB.
    pub db_budget_mb: u64,
    /// Database round trips made so far (for the benchmark and tests).
    pub round_trips: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Db(#[from] shared::db::DbError),
    #[error(transparent)]
    Config(#[from] shared::config::ConfigError),
    #[error(transparent)]
    Auth(#[from] shared::auth::AuthConfigError),
}

pub const DEFAULT_DB_BUDGET_MB: u64 = 400;

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
            verifier,
            queue,
            db_budget_mb: DEFAULT_DB_BUDGET_MB,
            round_trips: AtomicU64::new(0),
        }
    }

    /// From `DATABASE_URL`, `DB_POOL_SIZE` (default 2), `CORS_ALLOWED_ORIGINS`, the JWT settings
    /// (`SUPABASE_JWT_SECRET`, `SUPABASE_JWKS`, `SUPABASE_JWKS_URL`, `JWT_LEEWAY_SECS`),
    /// `SYNC_QUEUE_URL`, `DB_SIZE_BUDGET_MB` (default 400) and the `FEE_*` overrides.
    pub async fn from_env() -> Result<Self, InitError> {
        let settings = DbSettings::from_url(&shared::db::database_url_from_env())?;
        let size = shared::config::parsed("DB_POOL_SIZE", 2usize)?;
        let verifier = JwtVerifier::from_env().await?;
        let queue = shared::sync::queue::JobQueue::from_env().await;
        let mut state = State::new(
            settings.pool(size)?,
            Cors::from_env(),
            FeeSchedule::from_env()?,
            verifier,
            queue,
        );
        state.db_budget_mb = shared::config::parsed("DB_SIZE_BUDGET_MB", DEFAULT_DB_BUDGET_MB)?;
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
    let mut response = if api.method == Method::OPTIONS {
        state.cors.preflight(&api.headers, "GET, OPTIONS")
    } else {
        match route(state, &api).await {
            Ok(r) => r,
            Err(e) => e.into_problem(&api.path).into_response(),
        }
    };
    if api.method != Method::OPTIONS {
        state.cors.apply(&api.headers, &mut response);
    }
    into_lambda(response)
}

async fn route(state: &State, req: &ApiRequest) -> Result<Response<Vec<u8>>, ApiError> {
    let json = match req.path.as_str() {
        "/v1/inventory" | "/v1/status"
            if req.method != Method::GET && req.method != Method::HEAD =>
        {
            return Err(Problem::method_not_allowed().into());
        }
        "/v1/inventory" => inventory::handle(state, req).await?,
        "/v1/status" => status::handle(state, req).await?,
        _ => return Err(Problem::not_found("no such route").into()),
    };
    let mut response = json.finish(&req.headers);
    if req.method == Method::HEAD {
        response.body_mut().clear();
    }
    Ok(response)
}

/// Uncompressed JSON goes out as text; compressed bodies as binary (base64 in the event).
fn into_lambda(response: Response<Vec<u8>>) -> Response<Body> {
    let compressed = response
        .headers()
        .contains_key(lambda_http::http::header::CONTENT_ENCODING);
    response.map(|bytes| {
        if bytes.is_empty() {
            Body::Empty
        } else if compressed {
            Body::Binary(bytes)
        } else {
            match String::from_utf8(bytes) {
                Ok(s) => Body::Text(s),
                Err(e) => Body::Binary(e.into_bytes()),
            }
        }
    })
}
