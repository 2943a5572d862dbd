//! market-api: the public, read-only market data API behind a Lambda Function URL.
//!
//! Routes (all `GET`, plus `OPTIONS` preflight):
//! - `/v1/products?q=&brand=&limit=&cursor=&market=&currency=`: catalogue search;
//! - `/v1/products/{style_code}?market=&currency=&size=`: the whole market page;
//! - `/v1/products/{style_code}/history?size=&marketplace=&days=&market=&currency=`.
//!
//! Each request is one database round trip (one SQL statement that returns a JSON document).

mod history;
mod page;
mod params;
mod search;

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_http::{Body, Request, Response};
use shared::db::{DbPool, DbSettings, PooledClient};
use shared::fees::FeeSchedule;
use shared::http::{ApiRequest, Cors, Problem};

pub use shared::http::ApiError;

/// Everything a request needs, built once per Lambda instance.
pub struct State {
    pub pool: DbPool,
    pub cors: Cors,
    pub fees: FeeSchedule,
    /// Database round trips made so far (for the benchmark and tests).
    pub round_trips: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Db(#[from] shared::db::DbError),
    #[error(transparent)]
    Config(#[from] shared::config::ConfigError),
}

impl State {
    pub fn new(pool: DbPool, cors: Cors, fees: FeeSchedule) -> Self {
        State {
            pool,
            cors,
            fees,
            round_trips: AtomicU64::new(0),
        }
    }

    /// From `DATABASE_URL`, `DB_POOL_SIZE` (default 2), `CORS_ALLOWED_ORIGINS` and the `FEE_*`
    /// overrides. Connections open lazily and are then reused across invocations.
    pub fn from_env() -> Result<Self, InitError> {
        let settings = DbSettings::from_url(&shared::db::database_url_from_env())?;
        let size = shared::config::parsed("DB_POOL_SIZE", 2usize)?;
        Ok(State::new(
            settings.pool(size)?,
            Cors::from_env(),
            FeeSchedule::from_env()?,
        ))
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
    let mut response = if api.method == lambda_http::http::Method::OPTIONS {
        state.cors.preflight(&api.headers, "GET, OPTIONS")
    } else {
        match route(state, &api).await {
            Ok(r) => r,
            Err(e) => e.into_problem(&api.path).into_response(),
        }
    };
    if api.method != lambda_http::http::Method::OPTIONS {
        state.cors.apply(&api.headers, &mut response);
    }
    into_lambda(response)
}

async fn route(state: &State, req: &ApiRequest) -> Result<Response<Vec<u8>>, ApiError> {
    let Some(segments) = req.segments_after("/v1/products") else {
        return Err(Problem::not_found("no such route").into());
    };
    if req.method != lambda_http::http::Method::GET && req.method != lambda_http::http::Method::HEAD
    {
        return Err(Problem::method_not_allowed().into());
    }
    let json = match segments.as_slice() {
        [] => search::handle(state, req).await?,
        [style] => page::handle(state, req, style).await?,
        [style, h] if h == "history" => history::handle(state, req, style).await?,
        _ => return Err(Problem::not_found("no such route").into()),
    };
    let mut response = json.finish(&req.headers);
    if req.method == lambda_http::http::Method::HEAD {
        response.body_mut().clear();
    }
    Ok(response)
}

/// Uncompressed JSON goes out as text; compressed bodies as binary (base64 in the event).
pub(crate) fn into_lambda(response: Response<Vec<u8>>) -> Response<Body> {
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
