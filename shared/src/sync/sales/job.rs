//! The worker's sales job: one product, every region the worker syncs, one `recent_sales` call per
//! size. Each region is written in its own transaction as soon as its sizes are fetched, so a
//! retry after a failure part-way re-fetches but never double-counts (the natural key). A job
//! walks for at most `SALES_JOB_BUDGET_SECS` (every call waits for the shared Alias limiter, and
//! the worker's batch must end inside its timeout): then it stores what it has, records the
//! region and size to go on from, and the product is due again at the next tick.
//!
//! Bad data never fails the product: rows the normalizer skipped (no time, "0" price, another
//! size, duplicates in a page) and sizes the API rejects with a 400 are counted in the job's
//! result (`market.sales_sync.last_result`). Throttling, 5xx and auth failures fail the job like a
//! prices job, and it is retried.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;

use super::store::{self, SalesWrite, SizeSales, WalkEnd};
use super::SalesConfig;
use crate::core::db::DbPool;
use crate::core::domain::{Marketplace, Region};
use crate::marketplaces::snapshot::{SalesPage, SalesSkipped};
use crate::marketplaces::{AliasClient, ProviderError};
use crate::sync::jobs::{self, ClaimedJob};
use crate::sync::worker::Failure;

/// The job's result, kept on `market.sales_sync.last_result` and logged.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SalesResult {
    pub full_walk: bool,
    pub sizes: usize,
    pub regions: usize,
    /// Provider calls made (one per size and region).
    pub calls: i64,
    /// Sizes the marketplace answered 400 for (e.g. a size it no longer lists).
    pub sizes_rejected: i64,
    pub received: i64,
    pub inserted: i64,
    pub already_stored: i64,
    pub older_than_retention: i64,
    pub skipped: SalesSkipped,
    /// This job went on from where an earlier one ran out of time.
    pub resumed: bool,
    /// Every size of every region was asked (false: the time budget ran out; due again at once).
    pub complete: bool,
}

impl SalesResult {
    fn add_write(&mut self, w: SalesWrite) {
        self.received += w.received;
        self.inserted += w.inserted;
        self.already_stored += w.already_stored;
        self.older_than_retention += w.older_than_retention;
    }

    fn add_skipped(&mut self, s: &SalesSkipped) {
        self.skipped.no_time += s.no_time;
        self.skipped.bad_price += s.bad_price;
        self.skipped.other_size += s.other_size;
        self.skipped.duplicate += s.duplicate;
        self.skipped.future += s.future;
    }
}

/// Runs one product's sales walk; returns the rows written.
pub(crate) async fn run(
    pool: &DbPool,
    client: &AliasClient,
    cfg: &SalesConfig,
    regions: &[Region],
    job: &ClaimedJob,
) -> Result<i64, Failure> {
    let m = Marketplace::Alias;
    let Some(catalog_id) = job.external_id.as_deref().filter(|_| job.variants_mapped) else {
        return Err(Failure::Unmappable(format!(
            "product {} has no mapped Alias catalog item: nothing to fetch sales for",
            job.product_id
        )));
    };
    let (sizes, full_walk) = {
        let c = pool.get().await?;
        store::sizes_to_walk(
            &**c,
            job.product_id,
            m,
            cfg.full_walk_every.as_secs_f64(),
            cfg.recent_days,
        )
        .await?
    };
    let mut result = SalesResult {
        full_walk,
        sizes: sizes.len(),
        regions: regions.len(),
        ..Default::default()
    };
    // An unfinished walk goes on where it stopped, if that region and size still exist.
    let resume = {
        let c = pool.get().await?;
        store::resume_point(&**c, job.product_id).await?
    }
    .filter(|(r, v)| regions.contains(r) && sizes.iter().any(|s| s.variant_id == *v));
    result.resumed = resume.is_some();
    let started = Instant::now();
    let retain_from = Utc::now() - Duration::days(i64::from(cfg.retention_days));
    let mut stopped: Option<(Region, i32)> = None;
    let mut skipping = resume.is_some();
    'regions: for region in regions {
        let mut pages: Vec<(i32, SalesPage)> = Vec::with_capacity(sizes.len());
        for s in &sizes {
            if skipping {
                match resume {
                    Some((r, from)) if r == *region && s.variant_id == from => skipping = false,
                    _ => continue,
                }
            }
            // At least one call per job, so even a tiny budget makes progress.
            if result.calls > 0 && started.elapsed() >= cfg.job_budget {
                stopped = Some((*region, s.variant_id));
                write_region(pool, job, *region, &pages, retain_from, &mut result).await?;
                break 'regions;
            }
            result.calls += 1;
            match client.recent_sales(catalog_id, &s.size, *region).await {
                Ok(page) => {
                    result.add_skipped(&page.skipped);
                    pages.push((s.variant_id, page));
                }
                // The marketplace rejects this one size (no longer listed, not in its chart):
                // skip it, keep the product.
                Err(ProviderError::Permanent { status: 400, .. }) => result.sizes_rejected += 1,
                Err(e) => return Err(e.into()),
            }
        }
        write_region(pool, job, *region, &pages, retain_from, &mut result).await?;
    }
    result.complete = stopped.is_none();
    let end = match stopped {
        Some((region, from_variant)) => WalkEnd::Stopped {
            region,
            from_variant,
        },
        None => WalkEnd::Complete {
            due_in_secs: cfg.every(&job.tier).as_secs_f64(),
        },
    };
    let result_json = serde_json::to_value(&result).unwrap_or_default();
    tracing::info!(
        calls = result.calls,
        inserted = result.inserted,
        already_stored = result.already_stored,
        skipped = result.skipped.total(),
        sizes_rejected = result.sizes_rejected,
        full_walk,
        complete = result.complete,
        "sales walked"
    );
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    store::finish_walk(&*tx, job.product_id, full_walk, &end, &result_json).await?;
    let calls = i32::try_from(result.calls).unwrap_or(i32::MAX);
    tx.query_typed(
        "UPDATE market.sync_jobs SET calls = $2 WHERE id = $1",
        &[(&job.id, Type::INT8), (&calls, Type::INT4)],
    )
    .await?;
    jobs::succeed(&*tx, job.id, result.inserted).await?;
    tx.commit().await?;
    Ok(result.inserted)
}

/// Stores one region's fetched pages in their own transaction.
async fn write_region(
    pool: &DbPool,
    job: &ClaimedJob,
    region: Region,
    pages: &[(i32, SalesPage)],
    retain_from: DateTime<Utc>,
    result: &mut SalesResult,
) -> Result<(), Failure> {
    if pages.is_empty() {
        return Ok(());
    }
    let pages: Vec<SizeSales<'_>> = pages
        .iter()
        .map(|(variant_id, page)| SizeSales {
            variant_id: *variant_id,
            page,
        })
        .collect();
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let w = store::write_sales(
        &*tx,
        job.product_id,
        Marketplace::Alias,
        region,
        &pages,
        retain_from,
    )
    .await?;
    tx.commit().await?;
    result.add_write(w);
    Ok(())
}
