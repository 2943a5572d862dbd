//! The sync pipeline: planning (orchestrator), the worker's write path, SQS plumbing, cleanup and
//! FX. Lambda binaries are thin adapters over these modules.

pub mod cleanup;
pub mod fx_feed;
pub mod jobs;
pub mod orchestrator;
pub mod planner;
pub mod queue;
pub mod sales;
pub mod store;
pub mod tiers;
pub mod worker;
