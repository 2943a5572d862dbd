//! Operator and local-stack commands (the `market` binary), as a library so tests drive the same code.

pub mod cost_model;
pub mod sqs_runner;
