//! Custom CloudWatch metrics through the Embedded Metric Format (EMF): one JSON line on stdout per
//! emission, which CloudWatch Logs turns into metrics. No `PutMetricData` calls, no extra IAM.
//!
//! CloudWatch bills each distinct (namespace, name, dimensions) series; the free tier covers 10.
//! [`CATALOGUE`] is therefore the complete, fixed list of series this backend emits (the test
//! `catalogue_fits_the_free_tier` keeps it at 10 or fewer), and every emission goes through it, so
//! a metric can never appear with a second dimension set by accident.
//!
//! | metric | unit | dimensions | emitted by |
//! |---|---|---|---|
//! | `JobsSucceeded` | Count | `Service=sync-worker` | worker, per batch |
//! | `JobsFailed` | Count | `Service=sync-worker` | worker, per batch (every failed attempt) |
//! | `Throttled429` | Count | `Marketplace=stockx\|alias` | worker, per batch |
//! | `MarketplaceErrors` | Count | `Marketplace=stockx\|alias` | worker, per batch |
//! | `HotStaleProducts` | Count | `Service=sync-orchestrator` | orchestrator tick |
//! | `HotFreshShare` | Percent | `Service=sync-orchestrator` | orchestrator tick |
//! | `StockxCallsToday` | Count | `Service=sync-orchestrator` | orchestrator tick |
//! | `DatabaseBytes` | Bytes | `Service=sync-orchestrator` | orchestrator daily mode |
//!
//! API latency and errors come from the free `AWS/Lambda` metrics (`Duration`, `Errors` per alias),
//! not from custom metrics.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Map, Value};

use crate::core::domain::Marketplace;

/// The CloudWatch namespace of every custom metric.
pub const NAMESPACE: &str = "SneakerMarket";

/// CloudWatch units used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Percent,
    Bytes,
    Milliseconds,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Percent => "Percent",
            Unit::Bytes => "Bytes",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// The dimension a metric is recorded under (exactly one, low cardinality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// `Service` = the emitting function (one value per metric).
    Service(&'static str),
    /// `Marketplace` = `stockx` | `alias`.
    Marketplace,
}

impl Dim {
    pub fn key(self) -> &'static str {
        match self {
            Dim::Service(_) => "Service",
            Dim::Marketplace => "Marketplace",
        }
    }

    /// How many series one metric with this dimension produces.
    pub fn cardinality(self) -> usize {
        match self {
            Dim::Service(_) => 1,
            Dim::Marketplace => Marketplace::ALL.len(),
        }
    }
}

/// One custom metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    pub dim: Dim,
}

pub const WORKER: &str = "sync-worker";
pub const ORCHESTRATOR: &str = "sync-orchestrator";

pub const JOBS_SUCCEEDED: Metric = Metric {
    name: "JobsSucceeded",
    unit: Unit::Count,
    dim: Dim::Service(WORKER),
};
pub const JOBS_FAILED: Metric = Metric {
    name: "JobsFailed",
    unit: Unit::Count,
    dim: Dim::Service(WORKER),
};
pub const THROTTLED_429: Metric = Metric {
    name: "Throttled429",
    unit: Unit::Count,
    dim: Dim::Marketplace,
};
pub const MARKETPLACE_ERRORS: Metric = Metric {
    name: "MarketplaceErrors",
    unit: Unit::Count,
    dim: Dim::Marketplace,
};
pub const HOT_STALE_PRODUCTS: Metric = Metric {
    name: "HotStaleProducts",
    unit: Unit::Count,
    dim: Dim::Service(ORCHESTRATOR),
};
pub const HOT_FRESH_SHARE: Metric = Metric {
    name: "HotFreshShare",
    unit: Unit::Percent,
    dim: Dim::Service(ORCHESTRATOR),
};
pub const STOCKX_CALLS_TODAY: Metric = Metric {
    name: "StockxCallsToday",
    unit: Unit::Count,
    dim: Dim::Service(ORCHESTRATOR),
};
pub const DATABASE_BYTES: Metric = Metric {
    name: "DatabaseBytes",
    unit: Unit::Bytes,
    dim: Dim::Service(ORCHESTRATOR),
};

/// Every custom metric this backend emits.
pub const CATALOGUE: [Metric; 8] = [
    JOBS_SUCCEEDED,
    JOBS_FAILED,
    THROTTLED_429,
    MARKETPLACE_ERRORS,
    HOT_STALE_PRODUCTS,
    HOT_FRESH_SHARE,
    STOCKX_CALLS_TODAY,
    DATABASE_BYTES,
];

/// Distinct CloudWatch series the catalogue produces (what the free tier's 10 metrics count).
pub fn series_count() -> usize {
    CATALOGUE.iter().map(|m| m.dim.cardinality()).sum()
}

/// Builds one EMF document: the metrics share one dimension (key and value); `values` must all be
/// recorded under that dimension. Returns `None` when `values` is empty or mixes dimensions.
pub fn document(timestamp_ms: i64, dim_value: &str, values: &[(Metric, f64)]) -> Option<Value> {
    let first = values.first()?.0.dim;
    if values.iter().any(|(m, _)| m.dim.key() != first.key()) {
        return None;
    }
    let dim_value = match first {
        Dim::Service(s) => s,
        Dim::Marketplace => dim_value,
    };
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[first.key()]],
                "Metrics": values.iter().map(|(m, _)| json!({"Name": m.name, "Unit": m.unit.as_str()})).collect::<Vec<_>>(),
            }],
        }),
    );
    root.insert(first.key().into(), Value::String(dim_value.to_string()));
    for (m, v) in values {
        // Non-finite values are not valid EMF numbers: report 0 instead of dropping the line.
        let v = if v.is_finite() { *v } else { 0.0 };
        root.insert(m.name.into(), json!(v));
    }
    Some(Value::Object(root))
}

/// True when EMF lines should go to stdout: inside Lambda, or when `EMF_METRICS=1` (local checks).
/// Elsewhere (tests, the local CLI) the values are logged at debug level instead.
fn enabled() -> bool {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some()
        || std::env::var("EMF_METRICS").is_ok_and(|v| v == "1")
}

/// Emits one EMF line (Service metrics: `dim_value` is ignored; Marketplace metrics: the code).
pub fn emit(dim_value: &str, values: &[(Metric, f64)]) {
    let now = chrono::Utc::now().timestamp_millis();
    let Some(doc) = document(now, dim_value, values) else {
        tracing::warn!("metrics with different dimensions in one EMF document; not emitted");
        return;
    };
    if enabled() {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{doc}");
    } else {
        tracing::debug!(metrics = %doc, "metrics (EMF disabled outside Lambda)");
    }
}

/// Per-marketplace counters the sync worker fills while it processes a batch, flushed as EMF lines
/// once per batch. Process-wide: a Lambda instance handles one invocation at a time.
struct Tally {
    succeeded: AtomicU64,
    failed: AtomicU64,
    throttled: AtomicU64,
    errors: AtomicU64,
}

impl Tally {
    const fn new() -> Self {
        Tally {
            succeeded: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        }
    }
}

static TALLY: [Tally; 2] = [Tally::new(), Tally::new()];

fn slot(m: Marketplace) -> &'static Tally {
    match m {
        Marketplace::StockX => &TALLY[0],
        Marketplace::Alias => &TALLY[1],
    }
}

/// A job finished successfully.
pub fn job_succeeded(m: Marketplace) {
    slot(m).succeeded.fetch_add(1, Ordering::Relaxed);
}

/// A job attempt failed; `marketplace_error` when the cause was the marketplace (not our database).
pub fn job_failed(m: Marketplace, marketplace_error: bool) {
    slot(m).failed.fetch_add(1, Ordering::Relaxed);
    if marketplace_error {
        slot(m).errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// The marketplace answered 429.
pub fn throttled(m: Marketplace) {
    slot(m).throttled.fetch_add(1, Ordering::Relaxed);
}

/// One batch's counts, taken (and reset) from the process-wide tally.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchCounts {
    pub succeeded: u64,
    pub failed: u64,
    /// Per marketplace, in [`Marketplace::ALL`] order.
    pub throttled: [u64; 2],
    pub errors: [u64; 2],
}

pub fn take_batch_counts() -> BatchCounts {
    let mut c = BatchCounts::default();
    for (i, m) in Marketplace::ALL.iter().enumerate() {
        let t = slot(*m);
        c.succeeded += t.succeeded.swap(0, Ordering::Relaxed);
        c.failed += t.failed.swap(0, Ordering::Relaxed);
        c.throttled[i] = t.throttled.swap(0, Ordering::Relaxed);
        c.errors[i] = t.errors.swap(0, Ordering::Relaxed);
    }
    c
}

/// Emits the worker's per-batch metrics (three EMF lines: jobs, and one per marketplace).
pub fn flush_worker_batch() -> BatchCounts {
    let c = take_batch_counts();
    emit(
        WORKER,
        &[
            (JOBS_SUCCEEDED, c.succeeded as f64),
            (JOBS_FAILED, c.failed as f64),
        ],
    );
    for (i, m) in Marketplace::ALL.iter().enumerate() {
        emit(
            m.code(),
            &[
                (THROTTLED_429, c.throttled[i] as f64),
                (MARKETPLACE_ERRORS, c.errors[i] as f64),
            ],
        );
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_fits_the_free_tier() {
        assert!(series_count() <= 10, "{} series", series_count());
        let mut names: Vec<_> = CATALOGUE.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "metric names are unique");
    }

    #[test]
    fn emf_document_shape() {
        let doc = document(
            1_700_000_000_123,
            "stockx",
            &[(THROTTLED_429, 3.0), (MARKETPLACE_ERRORS, 1.0)],
        )
        .unwrap();
        let aws = &doc["_aws"];
        assert_eq!(aws["Timestamp"], json!(1_700_000_000_123i64));
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        let d = &directives[0];
        assert_eq!(d["Namespace"], "SneakerMarket");
        assert_eq!(d["Dimensions"], json!([["Marketplace"]]));
        assert_eq!(
            d["Metrics"],
            json!([{"Name": "Throttled429", "Unit": "Count"}, {"Name": "MarketplaceErrors", "Unit": "Count"}])
        );
        // Target members: every dimension key and metric name at the root.
        assert_eq!(doc["Marketplace"], "stockx");
        assert_eq!(doc["Throttled429"], json!(3.0));
        assert_eq!(doc["MarketplaceErrors"], json!(1.0));
        // Nothing else at the root (the EMF document is a log line of its own).
        assert_eq!(doc.as_object().unwrap().len(), 4);
        // One line of JSON.
        assert!(!doc.to_string().contains('\n'));
    }

    #[test]
    fn service_metrics_use_their_fixed_dimension_value() {
        let doc = document(
            1,
            "ignored",
            &[(HOT_STALE_PRODUCTS, 2.0), (HOT_FRESH_SHARE, 97.5)],
        )
        .unwrap();
        assert_eq!(doc["Service"], "sync-orchestrator");
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Service"]])
        );
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][1],
            json!({"Name": "HotFreshShare", "Unit": "Percent"})
        );
        assert_eq!(doc["HotFreshShare"], json!(97.5));
    }

    #[test]
    fn rejects_mixed_dimensions_and_empty_sets() {
        assert!(document(1, "stockx", &[(THROTTLED_429, 1.0), (JOBS_FAILED, 1.0)]).is_none());
        assert!(document(1, "stockx", &[]).is_none());
    }

    #[test]
    fn non_finite_values_become_zero() {
        let doc = document(1, "", &[(HOT_FRESH_SHARE, f64::NAN)]).unwrap();
        assert_eq!(doc["HotFreshShare"], json!(0.0));
    }

    #[test]
    fn tally_counts_per_marketplace_and_resets() {
        // The tally is process-wide; this is the only test that touches it.
        let _ = take_batch_counts();
        job_succeeded(Marketplace::StockX);
        job_succeeded(Marketplace::Alias);
        job_failed(Marketplace::StockX, true);
        job_failed(Marketplace::Alias, false);
        throttled(Marketplace::StockX);
        throttled(Marketplace::StockX);
        let c = take_batch_counts();
        let sx = Marketplace::ALL
            .iter()
            .position(|m| *m == Marketplace::StockX)
            .unwrap();
        let al = 1 - sx;
        assert_eq!(c.succeeded, 2);
        assert_eq!(c.failed, 2);
        assert_eq!(c.throttled[sx], 2);
        assert_eq!(c.throttled[al], 0);
        assert_eq!(c.errors[sx], 1);
        assert_eq!(c.errors[al], 0);
        assert_eq!(take_batch_counts(), BatchCounts::default());
    }
}
