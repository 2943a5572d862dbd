//! The one library every function uses, arranged by concern:
//! - [`core`]: domain types, sizes, tiers and cadences, configuration, database access;
//! - [`marketplaces`]: the StockX and Alias clients, one folder per provider;
//! - [`valuation`]: fees, FX and payouts;
//! - [`sync`]: the pipeline (orchestrator, planner, worker, write path, queue);
//! - [`api`]: the HTTP API plumbing and JWT verification;
//! - [`ops`]: secrets, logs and metrics;
//! - [`admin`] (feature `admin`): the migration runner and the catalogue seed, which the Lambdas
//!   don't link.

#[cfg(feature = "admin")]
pub mod admin;
pub mod api;
pub mod core;
pub mod marketplaces;
pub mod ops;
pub mod sync;
pub mod valuation;
