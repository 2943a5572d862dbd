//! The one library every function uses: domain types, database access, the migration runner, the
//! catalogue seed, marketplace clients, the sync pipeline, fees and the HTTP API plumbing.

pub mod auth;
pub mod catalog;
pub mod config;
pub mod db;
pub mod domain;
pub mod fees;
pub mod freshness;
pub mod fx;
pub mod http;
pub mod marketplace;
pub mod metrics;
pub mod migrate;
pub mod pricing;
pub mod quote;
pub mod secrets;
pub mod sizes;
pub mod sync;
pub mod telemetry;
