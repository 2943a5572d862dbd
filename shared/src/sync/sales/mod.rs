//! Sales sync: Alias's `recent_sales`, one call per product x size x region (the only access
//! pattern that works: without a size the API answers 400). StockX's public API has no sales
//! history, so only Alias is walked and the APIs say so for StockX.
//!
//! - [`SalesConfig`]: the one place the sales cadences, the daily call budget and retention live.
//! - [`plan`]: which products' sales are due this tick, within the daily budget.
//! - [`store`]: each sale stored once under its natural key, daily aggregates updated from exactly
//!   the new rows.
//! - [`job`]: the worker's walk over one product's sizes and regions.
//!
//! Calls per day at 500 products (25 sizes, 3 regions, defaults): hot products daily and the rest
//! weekly, and between weekly full walks only sizes that sold in the last 30 days are asked. With
//! 50 hot products that is at most 50 x 75 + 450 x 75 / 7 = 8,571 calls a day (less on days
//! without full walks), inside the default budget of 10,000.

use std::time::Duration;

use crate::core::config::{parsed, ConfigError};

pub mod job;
pub mod plan;
pub mod store;

/// Sales cadences, budget and retention (environment: `SALES_HOT_HOURS`, `SALES_OTHER_HOURS`,
/// `SALES_FULL_WALK_HOURS`, `SALES_RECENT_DAYS`, `SALES_DAILY_CALLS`, `SALES_RETENTION_DAYS`,
/// `SALES_AGGREGATE_RETENTION_DAYS`, `SALES_SIZE_AGGREGATE_RETENTION_DAYS`, `SALES_JOB_BUDGET_SECS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesConfig {
    /// How often a hot product's sales are fetched.
    pub hot_every: Duration,
    /// How often every other product's sales are fetched.
    pub other_every: Duration,
    /// How often every size is asked; in between only sizes that sold within `recent_days`.
    pub full_walk_every: Duration,
    pub recent_days: i32,
    /// Alias calls all sales jobs may make in 24 hours (Alias publishes no limit; prices come first).
    pub daily_calls: i64,
    /// Raw sales are kept this many days; sales older than this are not stored (their day's
    /// aggregate could otherwise count them twice after the raw row expired and was fetched again).
    pub retention_days: i32,
    /// The products' daily aggregates (the 13-month and all-time charts) are kept this many days.
    pub aggregate_retention_days: i32,
    /// The sizes' daily aggregates (per-size sales charts, a size's last sale) are kept this many
    /// days: like per-size prices, 90 days. Two years of them would be the largest table of all
    /// (one row per size, region and day with a sale). Never shorter than raw sales, whose new
    /// rows are what the aggregates add up.
    pub size_aggregate_retention_days: i32,
    /// How long one job may walk before it stores what it has and leaves the rest for the next
    /// tick. Every call waits for a slot of the shared Alias limiter (4/s by default), so a batch
    /// of 10 jobs at the worker's concurrency 4 takes at most 3 rounds x 30 s, inside the
    /// worker's 120 s timeout.
    pub job_budget: Duration,
}

impl Default for SalesConfig {
    fn default() -> Self {
        SalesConfig {
            hot_every: Duration::from_secs(24 * 3600),
            other_every: Duration::from_secs(7 * 24 * 3600),
            full_walk_every: Duration::from_secs(7 * 24 * 3600),
            recent_days: 30,
            daily_calls: 10_000,
            // Every read of raw sales looks back at most 30 days (72-hour, 7-day and 30-day
            // volumes, the sizes that sold recently); the charts read the aggregates. 35 days
            // keeps those reads whole. Measured at 500 products x 3 regions (`market bench-api
            // --regions US,UK,EU`), 90 days of raw sales were 72 MB of the 500 MB database.
            retention_days: 35,
            aggregate_retention_days: 2 * 366,
            size_aggregate_retention_days: 90,
            job_budget: Duration::from_secs(30),
        }
    }
}

impl SalesConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = SalesConfig::default();
        let hours = |name: &str, default: Duration| -> Result<Duration, ConfigError> {
            let h: f64 = parsed(name, default.as_secs_f64() / 3600.0)?;
            if !(1.0..=24.0 * 366.0).contains(&h) {
                return Err(ConfigError {
                    name: name.into(),
                    message: format!("must be between 1 and 8784 hours, got {h}"),
                });
            }
            Ok(Duration::from_secs_f64(h * 3600.0))
        };
        let days = |name: &str, default: i32, min: i32| -> Result<i32, ConfigError> {
            let v: i32 = parsed(name, default)?;
            if !(min..=3660).contains(&v) {
                return Err(ConfigError {
                    name: name.into(),
                    message: format!("must be between {min} and 3660 days, got {v}"),
                });
            }
            Ok(v)
        };
        let retention_days = days("SALES_RETENTION_DAYS", d.retention_days, 31)?;
        Ok(SalesConfig {
            hot_every: hours("SALES_HOT_HOURS", d.hot_every)?,
            other_every: hours("SALES_OTHER_HOURS", d.other_every)?,
            full_walk_every: hours("SALES_FULL_WALK_HOURS", d.full_walk_every)?,
            recent_days: days("SALES_RECENT_DAYS", d.recent_days, 1)?,
            daily_calls: parsed("SALES_DAILY_CALLS", d.daily_calls)?.max(0),
            retention_days,
            aggregate_retention_days: days(
                "SALES_AGGREGATE_RETENTION_DAYS",
                d.aggregate_retention_days,
                retention_days,
            )?,
            size_aggregate_retention_days: days(
                "SALES_SIZE_AGGREGATE_RETENTION_DAYS",
                d.size_aggregate_retention_days.max(retention_days),
                retention_days,
            )?,
            job_budget: Duration::from_secs(parsed("SALES_JOB_BUDGET_SECS", 30u64)?.clamp(1, 100)),
        })
    }

    /// How long until a product of `tier` is due again.
    pub fn every(&self, tier: &str) -> Duration {
        if tier == "hot" {
            self.hot_every
        } else {
            self.other_every
        }
    }
}
