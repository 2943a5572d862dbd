//! Daily housekeeping: pack past days of per-size history into months, drop expired history
//! partitions, prune old months of the product-level daily series, refresh the summary
//! materialized view, and keep the database inside its size budget (Supabase's free plan has
//! 500 MB) by tightening raw retention when it grows past the budget.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::core::config::{parsed, ConfigError};

#[derive(Debug, Clone)]
pub struct CleanupConfig {
    /// Per-size change events (`market.price_history`, then packed by month in
    /// `market.price_history_months`): the per-size charts' reach. A packed month is dropped once
    /// its whole month is past it, so up to a month more is kept.
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
    /// Daily partitions of per-size history packed into their months and dropped.
    pub partitions_packed: Vec<String>,
    /// Month partitions rewritten compactly after packing appended to them.
    pub months_compacted: Vec<String>,
    /// History partitions past their retention: days not yet packed, and whole months.
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

/// How long one daily run spends packing history days: well inside the orchestrator's 300-second
/// Lambda timeout, leaving the rest of the housekeeping and the FX load their time. The first run
/// after this version is deployed has ~95 raw days to pack; what is left waits for the next run.
const PACK_BUDGET: Duration = Duration::from_secs(120);

/// Packs the days before today (UTC) of `market.price_history` into their months' rows
/// (`market.price_history_months`) and drops their partitions, one day per statement so each day
/// commits on its own and no statement runs long. The daily run is at 03:15 UTC: yesterday's syncs
/// are over (a late write re-creates its day's partition and is packed by the next run).
async fn pack_days<C: GenericClient>(c: &C) -> Result<Vec<String>, tokio_postgres::Error> {
    let started = Instant::now();
    let mut packed = Vec::new();
    while started.elapsed() < PACK_BUDGET {
        let day = c
            .query_typed("SELECT market.pack_price_history(p_max_days => 1)", &[])
            .await?;
        let Some(row) = day.first() else { break };
        packed.push(row.get(0));
    }
    Ok(packed)
}

/// Rewrites compactly the month partitions packing appended to (`market.compact_price_history_months`):
/// each append rewrites the month's rows, which leaves about as much free space as data.
async fn compact_months<C: GenericClient>(c: &C) -> Result<Vec<String>, tokio_postgres::Error> {
    Ok(
        c.query_typed("SELECT market.compact_price_history_months()", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect(),
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
    report.partitions_packed = pack_days(c).await?;
    report.partitions_dropped = drop_partitions(c, cfg.raw_retention_days).await?;
    report.months_compacted = compact_months(c).await?;
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
