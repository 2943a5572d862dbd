//! Daily housekeeping: drop expired raw-history partitions, prune old months of the product-level
//! daily series, refresh the summary materialized view, and keep the database inside its size
//! budget (Supabase's free plan has 500 MB) by tightening raw retention when it grows past the
//! budget.

use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::core::config::{parsed, ConfigError};

#[derive(Debug, Clone)]
pub struct CleanupConfig {
    /// Per-size change events (`market.price_history`): the per-size charts' reach.
    pub raw_retention_days: i32,
    /// The product-level daily series (`market.product_daily`): the long charts' reach.
    pub daily_retention_days: i32,
    pub budget_bytes: i64,
    /// Raw retention is never tightened below this many days.
    pub min_raw_retention_days: i32,
    /// Sales retention (raw and aggregates): see `sync::sales::SalesConfig`.
    pub sales: crate::sync::sales::SalesConfig,
}

impl Default for CleanupConfig {
    fn default() -> Self {
        CleanupConfig {
            // 90 days of per-size charts plus a week, so the value at the start of a 90-day chart
            // is known even for a size synced weekly.
            raw_retention_days: 97,
            // Two years for the app's "13m" and "all" charts.
            daily_retention_days: 2 * 366,
            budget_bytes: 400 * 1024 * 1024,
            min_raw_retention_days: 7,
            sales: Default::default(),
        }
    }
}

impl CleanupConfig {
    /// `RAW_RETENTION_DAYS`, `DAILY_RETENTION_DAYS`, `DB_SIZE_BUDGET_MB`, `MIN_RAW_RETENTION_DAYS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = CleanupConfig::default();
        Ok(CleanupConfig {
            raw_retention_days: parsed("RAW_RETENTION_DAYS", d.raw_retention_days)?.max(1),
            daily_retention_days: parsed("DAILY_RETENTION_DAYS", d.daily_retention_days)?.max(1),
            budget_bytes: parsed("DB_SIZE_BUDGET_MB", 400i64)?.max(1) * 1024 * 1024,
            min_raw_retention_days: parsed("MIN_RAW_RETENTION_DAYS", d.min_raw_retention_days)?
                .max(1),
            sales: crate::sync::sales::SalesConfig::from_env()?,
        })
    }
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct CleanupReport {
    pub partitions_dropped: Vec<String>,
    /// Months of the product-level daily series past their retention, plus rows of the retired
    /// per-size rollups (`market.daily_rollups`, no longer written: drained here until a later
    /// migration drops the table).
    pub daily_pruned: i64,
    /// Raw sales and sales aggregates past their retention.
    pub sales_pruned: i64,
    pub database_bytes: i64,
    pub budget_bytes: i64,
    /// Set when the database was over budget and raw retention was tightened to this many days.
    pub tightened_raw_retention_days: Option<i32>,
    /// Set when raw retention was already at its minimum and the daily series was pruned to this
    /// many days.
    pub tightened_daily_retention_days: Option<i32>,
    pub over_budget_after: bool,
}

async fn db_size<C: GenericClient>(c: &C) -> Result<i64, tokio_postgres::Error> {
    Ok(
        c.query_typed("SELECT pg_database_size(current_database())", &[])
            .await?[0]
            .get(0),
    )
}

async fn drop_partitions<C: GenericClient>(
    c: &C,
    days: i32,
) -> Result<Vec<String>, tokio_postgres::Error> {
    Ok(c.query_typed(
        "SELECT market.drop_price_history_partitions($1)",
        &[(&days, Type::INT4)],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Prunes the product-level daily series to `days`, and drains the retired per-size rollups (the
/// product-level series holds what the long charts need; per-size charts read change events).
async fn prune_daily<C: GenericClient>(c: &C, days: i32) -> Result<i64, tokio_postgres::Error> {
    let row = c
        .query_typed(
            "SELECT market.prune_product_daily($1) + market.prune_daily_rollups(1)",
            &[(&days, Type::INT4)],
        )
        .await?;
    Ok(row[0].get(0))
}

pub async fn run<C: GenericClient>(
    c: &C,
    cfg: &CleanupConfig,
) -> Result<CleanupReport, tokio_postgres::Error> {
    let mut report = CleanupReport {
        budget_bytes: cfg.budget_bytes,
        ..Default::default()
    };
    report.partitions_dropped = drop_partitions(c, cfg.raw_retention_days).await?;
    report.daily_pruned = prune_daily(c, cfg.daily_retention_days).await?;
    report.sales_pruned = crate::sync::sales::store::prune(c, &cfg.sales).await?;
    c.query_typed("SELECT market.refresh_product_market_summary()", &[])
        .await?;

    report.database_bytes = db_size(c).await?;
    let mut retention = cfg.raw_retention_days;
    while report.database_bytes > cfg.budget_bytes && retention > cfg.min_raw_retention_days {
        retention = (retention * 2 / 3).max(cfg.min_raw_retention_days);
        tracing::warn!(
            database_bytes = report.database_bytes,
            budget_bytes = cfg.budget_bytes,
            raw_retention_days = retention,
            "database over its size budget: tightening raw history retention"
        );
        report
            .partitions_dropped
            .extend(drop_partitions(c, retention).await?);
        report.tightened_raw_retention_days = Some(retention);
        report.database_bytes = db_size(c).await?;
    }
    // Still over budget with raw history at its minimum: halve the daily series' retention (never
    // below 90 days). Deleted rows free space for reuse rather than shrinking files, so this is one
    // step per daily run, not a loop on the measured size.
    if report.database_bytes > cfg.budget_bytes && cfg.daily_retention_days > 90 {
        let days = (cfg.daily_retention_days / 2).max(90);
        tracing::warn!(
            daily_retention_days = days,
            "database over its size budget: pruning the daily series"
        );
        report.daily_pruned += prune_daily(c, days).await?;
        report.tightened_daily_retention_days = Some(days);
    }
    report.over_budget_after = report.database_bytes > cfg.budget_bytes;
    if report.over_budget_after {
        tracing::error!(
            database_bytes = report.database_bytes,
            budget_bytes = cfg.budget_bytes,
            "database still over its size budget at minimum raw retention"
        );
    }
    Ok(report)
}
