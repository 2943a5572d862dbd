//! What every other module builds on: domain types, sizes, sync tiers and their cadences,
//! environment configuration, database access and the per-user rollout.

pub mod config;
pub mod db;
pub mod domain;
pub mod rollout;
pub mod sizes;
pub mod tier;
