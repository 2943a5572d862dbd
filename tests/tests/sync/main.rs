//! The sync pipeline end to end (orchestrator, moto SQS, worker, sandbox marketplaces, real database) and its housekeeping.
//!
//! One test binary per area (`cargo test -p e2e-tests --test sync`); each module is one concern.

mod existing_app;
mod history_storage;
mod housekeeping;
mod pipeline;
mod queues;
mod sales;
mod sales_store;
mod sqs_stalls;
