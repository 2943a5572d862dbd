//! What every other module builds on: domain types, sizes, sync tiers and their cadences,
//! environment configuration and database access.

pub mod config;
pub mod db;
pub mod domain;
pub mod sizes;
pub mod tier;
