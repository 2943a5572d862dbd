//! Running in production: secrets from SSM, structured logs, CloudWatch EMF metrics.

pub mod metrics;
pub mod secrets;
pub mod telemetry;
