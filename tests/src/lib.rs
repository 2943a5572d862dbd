//! Support for the workspace's integration tests: a fresh migrated database per test, and helpers
//! that start the real servers the tests talk to.

pub mod api;
pub mod db;
pub mod pipeline;
pub mod sandbox;
