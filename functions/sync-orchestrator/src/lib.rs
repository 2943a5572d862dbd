//! sync-orchestrator: the scheduled entry point of the sync. The logic (tick: plan due work and fan
//! it out to SQS; daily: housekeeping and FX) lives in `shared::sync::orchestrator`, where the
//! `market` command and the tests run the same code.

pub use shared::sync::orchestrator::{daily, handle, tick, DailyReport, OrchestratorError, State};
