//! The one error type of the HTTP API boundary (market-api and inventory-api), and how each
//! maps to a problem response.

use super::Problem;
use crate::api::jwt::AuthError;
use crate::core::db::DbError;
use crate::valuation::payout::PricingError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A client-facing problem (bad parameter, unknown product or route, ...).
    /// Boxed: it is the cold path and would otherwise make every `Result` large.
    #[error("{}", .0.title)]
    Problem(Box<Problem>),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Pricing(#[from] PricingError),
    #[error("unexpected database result: {0}")]
    Decode(String),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(Box::new(p))
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        ApiError::Db(DbError::from(e))
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        ApiError::Db(DbError::Postgres(e))
    }
}

impl ApiError {
    pub fn into_problem(self, path: &str) -> Problem {
        match self {
            ApiError::Problem(p) => (*p).with_instance(path),
            ApiError::Auth(e) => Problem::unauthorized(e.code(), e.to_string()).with_instance(path),
            ApiError::Db(e) if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                Problem::unavailable("the database is unavailable; retry shortly", 5)
            }
            ApiError::Pricing(PricingError::Fx(e)) => {
                tracing::warn!(error = %e, "exchange rates unavailable");
                Problem::unavailable(
                    "exchange rates for the requested currency are not available yet; retry later or ask for another currency",
                    300,
                )
            }
            other => {
                tracing::error!(error = %other, "request failed");
                Problem::internal()
            }
        }
    }
}
