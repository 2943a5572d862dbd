//! The $0/month cost model: given the catalogue size, the tier mix and cadences, it estimates each
//! month's use of every metered resource against its free allowance, flags what goes over, and
//! finds the largest catalogue that stays at $0 (and the limit that binds there).
//!
//! Pure functions over [`Inputs`]; `market cost` prints [`report`]. Every number that is not a
//! published allowance is an input with a default; durations say whether they were given
//! (measured) or are the built-in assumption. Replace the byte and duration assumptions with
//! measured numbers (CloudWatch REPORT lines, `pg_total_relation_size` / row counts).

use std::fmt::Write as _;

/// Days in the modelled month.
pub const DAYS_PER_MONTH: f64 = 30.0;
const SECONDS_PER_MONTH: f64 = DAYS_PER_MONTH * 86_400.0;

/// Memory from template.yaml (GB).
pub const ORCHESTRATOR_GB: f64 = 0.25;
pub const WORKER_GB: f64 = 0.25;
pub const MARKET_API_GB: f64 = 0.125;
/// inventory-api has 1 GB: its handler uses ~15 ms of CPU per 1,000-pair request (`market
/// bench-api`), and a Lambda's CPU share follows its memory (one vCPU at 1,769 MB), so at 128 MB
/// that CPU alone would take ~200 ms.
pub const INVENTORY_API_GB: f64 = 1.0;

/// SQS long-poll wait of the Lambda event source (seconds).
pub const SQS_LONG_POLL_SECS: f64 = 20.0;

/// Bytes per stored row, indexes included, measured by `market bench-api --regions US,UK,EU` as
/// written: the run writes day by day and vacuums by autovacuum's rule, so rows that are rewritten
/// (latest prices, the month arrays) carry the free space production's updates leave them.
/// A change event is counted as stored at steady state: packed into its product's month
/// (`market.price_history_months`, compacted after each day's packing), today's still raw rows.
pub const HISTORY_ROW_BYTES: f64 = 23.7;
/// Days a change event is kept beyond the raw retention on average: a packed month is dropped only
/// once its whole month is past the retention, half a month later on average.
pub const PACKED_MONTH_EXTRA_DAYS: f64 = 30.44 / 2.0;
pub const LATEST_ROW_BYTES: f64 = 150.3;
pub const DAILY_ROW_BYTES: f64 = 410.3;
/// Sales (Alias): a raw sale, one size's day of sales, one product's month of sales per region.
pub const SALE_ROW_BYTES: f64 = 128.2;
pub const SALE_SIZE_DAY_BYTES: f64 = 130.1;
pub const SALES_MONTH_BYTES: f64 = 581.1;
/// Sales per product, region and day over all sizes (470,592 over 500 products x 3 regions x 90
/// days), and the size-days they fall on (293,487), from the same run; its rates are drawn from
/// the real StockX sales (`bench::sales`).
pub const SALES_PER_PRODUCT_DAY: f64 = 3.49;
pub const SALE_SIZE_DAYS_PER_PRODUCT_DAY: f64 = 2.17;

/// A duration input: its value and whether it was given (measured) or is the default (assumed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    pub ms: f64,
    pub measured: bool,
}

impl Duration {
    pub const fn assumed(ms: f64) -> Self {
        Duration {
            ms,
            measured: false,
        }
    }
    pub fn label(&self) -> &'static str {
        if self.measured {
            "measured"
        } else {
            "assumed"
        }
    }
}

/// Everything the model depends on. [`Inputs::default`] documents each assumption.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// Products in the catalogue.
    pub products: f64,
    /// Tier shares (normalised if they do not sum to 1).
    pub hot_share: f64,
    pub warm_share: f64,
    pub cold_share: f64,
    /// Sync cadences in hours (hot 6 h, warm 24 h, cold 7 d).
    pub hot_hours: f64,
    pub warm_hours: f64,
    pub cold_hours: f64,
    /// Regions priced per product (one call per region per marketplace).
    pub regions: f64,
    /// Marketplaces synced (StockX and Alias).
    pub marketplaces: f64,
    /// Sizes with a quote per product (one latest/history series per size).
    pub sizes_per_product: f64,
    /// Daily share of a product's sizes whose prices move (only changes are stored as history).
    pub move_share: f64,
    /// Per-size change events (RAW_RETENTION_DAYS) and the products' daily series
    /// (DAILY_RETENTION_DAYS).
    pub raw_retention_days: f64,
    pub daily_retention_days: f64,
    /// Stored bytes per row including indexes: a change event, a latest price, and one month of a
    /// product's daily series on one marketplace in one region.
    pub history_row_bytes: f64,
    pub latest_row_bytes: f64,
    pub daily_row_bytes: f64,
    /// Alias sales per product, region and day, the size-days they fall on, and the bytes per
    /// raw sale, size-day and product-month (kept as `SalesConfig`'s default retentions say).
    pub sales_per_product_day: f64,
    pub sale_size_days_per_product_day: f64,
    pub sale_row_bytes: f64,
    pub sale_size_day_bytes: f64,
    pub sales_month_bytes: f64,
    /// Catalogue rows per product (product, size variants, links, variant links) with indexes.
    pub static_bytes_per_product: f64,
    /// Everything else in the database: Supabase's own schemas, the existing app's tables (MB).
    pub base_db_mb: f64,
    /// StockX calls per day kept back for on-demand syncs (SYNC_DAILY_RESERVE).
    pub stockx_daily_reserve: f64,
    /// Orchestrator tick interval (minutes).
    pub tick_minutes: f64,
    /// Durations.
    pub tick: Duration,
    pub daily: Duration,
    /// Worker wall time per message (the StockX limiter's 1.05 s slot dominates).
    pub worker_per_job: Duration,
    pub api_request: Duration,
    /// Messages per worker invocation on average (BatchSize is 10; ticks enqueue in bursts).
    pub batch_fill: f64,
    /// Lambda's SQS pollers long-polling the queue all the time.
    pub sqs_pollers: f64,
    /// API requests per month (both APIs) and the JSON body size per response (KB).
    pub api_requests: f64,
    /// The share of API requests that are inventory requests (billed at inventory-api's memory).
    pub inventory_share: f64,
    pub api_response_kb: f64,
    /// Database egress per sync job (claim, reads, bookkeeping), bytes.
    pub db_egress_per_job_bytes: f64,
    /// Log bytes: per job, per invocation (START/END/REPORT + EMF lines), per API request.
    pub log_bytes_per_job: f64,
    pub log_bytes_per_invocation: f64,
    pub log_bytes_per_api_request: f64,
    /// Log retention (days) from template.yaml.
    pub log_retention_days: f64,
    /// API cold starts per month (each reads the SSM secret bundle once: one KMS request).
    pub api_cold_starts: f64,
    /// SecureString parameters read per cold start (1 with the per-function bundle).
    pub secrets_per_cold_start: f64,
    /// CloudWatch alarm metrics and dashboards defined in template.yaml.
    pub alarm_metrics: f64,
    pub dashboards: f64,
    /// Custom metric series (shared::ops::metrics::series_count()).
    pub custom_metrics: f64,
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            products: 500.0,
            hot_share: 0.2,
            warm_share: 0.3,
            cold_share: 0.5,
            hot_hours: 6.0,
            warm_hours: 24.0,
            cold_hours: 168.0,
            regions: 1.0,
            marketplaces: 2.0,
            // Measured by `market bench-sync --products 200`: 9,407 latest rows for 389 product x
            // marketplace links (about 24 sizes each).
            sizes_per_product: 24.0,
            // The median measured on the real StockX sales (`market bench-api --move-share`).
            move_share: 0.12,
            raw_retention_days: 97.0,
            daily_retention_days: 732.0,
            // Measured by `market bench-api --regions US,UK,EU` (pg_total_relation_size / rows
            // as written, indexes included).
            history_row_bytes: HISTORY_ROW_BYTES,
            latest_row_bytes: LATEST_ROW_BYTES,
            daily_row_bytes: DAILY_ROW_BYTES,
            sales_per_product_day: SALES_PER_PRODUCT_DAY,
            sale_size_days_per_product_day: SALE_SIZE_DAYS_PER_PRODUCT_DAY,
            sale_row_bytes: SALE_ROW_BYTES,
            sale_size_day_bytes: SALE_SIZE_DAY_BYTES,
            sales_month_bytes: SALES_MONTH_BYTES,
            static_bytes_per_product: 6_000.0,
            base_db_mb: 40.0,
            stockx_daily_reserve: 500.0,
            tick_minutes: 30.0,
            tick: Duration::assumed(3_000.0),
            daily: Duration::assumed(30_000.0),
            worker_per_job: Duration::assumed(1_500.0),
            api_request: Duration::assumed(80.0),
            batch_fill: 5.0,
            sqs_pollers: 5.0,
            api_requests: 100_000.0,
            // Assumed: an inventory load for every market page or search.
            inventory_share: 0.5,
            api_response_kb: 8.0,
            db_egress_per_job_bytes: 3_000.0,
            log_bytes_per_job: 1_500.0,
            log_bytes_per_invocation: 1_500.0,
            log_bytes_per_api_request: 700.0,
            log_retention_days: 14.0,
            api_cold_starts: 3_000.0,
            secrets_per_cold_start: 1.0,
            alarm_metrics: 10.0,
            dashboards: 1.0,
            custom_metrics: shared::ops::metrics::series_count() as f64,
        }
    }
}

impl Inputs {
    /// Tier shares normalised to sum to 1 (all zero: everything cold).
    pub fn shares(&self) -> [f64; 3] {
        let s = [
            self.hot_share.max(0.0),
            self.warm_share.max(0.0),
            self.cold_share.max(0.0),
        ];
        let total: f64 = s.iter().sum();
        if total <= 0.0 {
            [0.0, 0.0, 1.0]
        } else {
            [s[0] / total, s[1] / total, s[2] / total]
        }
    }

    fn cadence_hours(&self) -> [f64; 3] {
        [self.hot_hours, self.warm_hours, self.cold_hours].map(|h| h.max(1.0 / 60.0))
    }

    /// Syncs per product per day, averaged over the tier mix.
    pub fn syncs_per_product_day(&self) -> f64 {
        let s = self.shares();
        let c = self.cadence_hours();
        (0..3).map(|i| s[i] * 24.0 / c[i]).sum()
    }

    /// Change events per size series per day: each sync stores a size whose prices moved since
    /// the previous sync, which at a daily share `move_share` is 1 - (1 - share)^(days between).
    pub fn changes_per_series_day(&self) -> f64 {
        let s = self.shares();
        let c = self.cadence_hours();
        let m = self.move_share.clamp(0.0, 1.0);
        (0..3)
            .map(|i| s[i] * 24.0 / c[i] * (1.0 - (1.0 - m).powf(c[i] / 24.0)))
            .sum()
    }

    /// Sync jobs (one product on one marketplace) per day.
    pub fn jobs_per_day(&self) -> f64 {
        self.products * self.marketplaces * self.syncs_per_product_day()
    }

    /// StockX calls per day: one per region per StockX job, plus the on-demand reserve.
    pub fn stockx_calls_per_day(&self) -> f64 {
        let stockx_jobs = if self.marketplaces >= 1.0 {
            self.products * self.syncs_per_product_day()
        } else {
            0.0
        };
        stockx_jobs * self.regions + self.stockx_daily_reserve
    }

    pub fn ticks_per_month(&self) -> f64 {
        DAYS_PER_MONTH * 24.0 * 60.0 / self.tick_minutes.max(1.0)
    }
}

/// How a line's numbers print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    GbSeconds,
    Gb,
    Mb,
    PerDay,
}

/// One metered resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub service: &'static str,
    pub resource: &'static str,
    pub used: f64,
    /// `None`: no charge at any volume (e.g. EventBridge scheduled rules).
    pub allowance: Option<f64>,
    pub unit: Unit,
    /// A hard external limit (not a price): going over does not cost money, it stops the sync.
    pub hard_limit: bool,
    pub note: &'static str,
}

impl Line {
    pub fn over(&self) -> bool {
        self.allowance.is_some_and(|a| self.used > a)
    }
    pub fn share(&self) -> Option<f64> {
        self.allowance.map(|a| {
            if a > 0.0 {
                self.used / a
            } else {
                f64::INFINITY
            }
        })
    }
}

/// The memory an average API request is billed at, with `inventory_share` of them inventory's.
fn api_gb(inventory_share: f64) -> f64 {
    let share = inventory_share.clamp(0.0, 1.0);
    share * INVENTORY_API_GB + (1.0 - share) * MARKET_API_GB
}

/// The month's use of every metered resource.
pub fn monthly(i: &Inputs) -> Vec<Line> {
    let jobs_month = i.jobs_per_day() * DAYS_PER_MONTH;
    let ticks = i.ticks_per_month();
    let dailies = DAYS_PER_MONTH;
    let worker_invocations = jobs_month / i.batch_fill.max(1.0);
    let jobs_per_tick = jobs_month / ticks;

    // Lambda.
    let orchestrator_invocations = ticks + dailies;
    let lambda_requests = orchestrator_invocations + worker_invocations + i.api_requests;
    let gb_s = (ticks * i.tick.ms + dailies * i.daily.ms) / 1000.0 * ORCHESTRATOR_GB
        + jobs_month * i.worker_per_job.ms / 1000.0 * WORKER_GB
        + i.api_requests * i.api_request.ms / 1000.0 * api_gb(i.inventory_share);

    // SQS: idle long polls all month, plus receives/deletes per batch, sends in tens, visibility
    // changes for throttled messages (~2 % of jobs) and on-demand sends (~1 % of API requests).
    let idle_polls = i.sqs_pollers * SECONDS_PER_MONTH / SQS_LONG_POLL_SECS;
    let sends = ticks * (jobs_per_tick / 10.0).ceil();
    let sqs =
        idle_polls + 2.0 * worker_invocations + sends + 0.02 * jobs_month + 0.01 * i.api_requests;

    // CloudWatch Logs.
    let log_bytes = jobs_month * i.log_bytes_per_job
        + (orchestrator_invocations + worker_invocations) * i.log_bytes_per_invocation
        + i.api_requests * i.log_bytes_per_api_request;
    let log_gb = log_bytes / 1e9;
    let stored_log_gb = log_gb * (i.log_retention_days / DAYS_PER_MONTH);

    // KMS: one request per SecureString read per cold start. Assumed cold starts: every
    // orchestrator invocation (30 min apart), both worker instances on every tick, and the APIs'.
    let cold_starts =
        orchestrator_invocations + 2.0 * ticks.min(worker_invocations) + i.api_cold_starts;
    let kms = cold_starts * i.secrets_per_cold_start;

    // Supabase.
    let series = i.products * i.sizes_per_product * i.marketplaces * i.regions;
    let latest_bytes = series * i.latest_row_bytes;
    let history_rows =
        series * i.changes_per_series_day() * (i.raw_retention_days + PACKED_MONTH_EXTRA_DAYS);
    // One row per product x marketplace x region x month kept.
    let daily_rows =
        i.products * i.marketplaces * i.regions * (i.daily_retention_days / 30.44).ceil();
    // Sales: raw rows, the sizes' days and the products' months, each kept as long as the sales
    // sync keeps them.
    let kept = shared::sync::sales::SalesConfig::default();
    let sales_bytes = i.products
        * i.regions
        * (i.sales_per_product_day * f64::from(kept.retention_days) * i.sale_row_bytes
            + i.sale_size_days_per_product_day
                * f64::from(kept.size_aggregate_retention_days)
                * i.sale_size_day_bytes
            + (f64::from(kept.aggregate_retention_days) / 30.44).ceil() * i.sales_month_bytes);
    let db_bytes = i.base_db_mb * 1e6
        + i.products * i.static_bytes_per_product
        + latest_bytes
        + history_rows * i.history_row_bytes
        + daily_rows * i.daily_row_bytes
        + sales_bytes;
    let egress_gb =
        (i.api_requests * i.api_response_kb * 1e3 + jobs_month * i.db_egress_per_job_bytes) / 1e9;

    vec![
        Line {
            service: "Lambda",
            resource: "requests",
            used: lambda_requests,
            allowance: Some(1_000_000.0),
            unit: Unit::Count,
            hard_limit: false,
            note: "ticks + daily + worker batches + API requests",
        },
        Line {
            service: "Lambda",
            resource: "compute",
            used: gb_s,
            allowance: Some(400_000.0),
            unit: Unit::GbSeconds,
            hard_limit: false,
            note: "orchestrator 256 MB, worker 256 MB, market-api 128 MB, inventory-api 1,024 MB",
        },
        Line {
            service: "SQS",
            resource: "requests",
            used: sqs,
            allowance: Some(1_000_000.0),
            unit: Unit::Count,
            hard_limit: false,
            note: "incl. idle long polling: pollers x 20 s polls all month",
        },
        Line {
            service: "EventBridge",
            resource: "scheduled invocations",
            used: orchestrator_invocations,
            allowance: None,
            unit: Unit::Count,
            hard_limit: false,
            note: "scheduled rules are free",
        },
        Line {
            service: "CloudWatch",
            resource: "custom metrics",
            used: i.custom_metrics,
            allowance: Some(10.0),
            unit: Unit::Count,
            hard_limit: false,
            note: "EMF series (shared::ops::metrics)",
        },
        Line {
            service: "CloudWatch",
            resource: "alarm metrics",
            used: i.alarm_metrics,
            allowance: Some(10.0),
            unit: Unit::Count,
            hard_limit: false,
            note: "template.yaml",
        },
        Line {
            service: "CloudWatch",
            resource: "dashboards",
            used: i.dashboards,
            allowance: Some(3.0),
            unit: Unit::Count,
            hard_limit: false,
            note: "",
        },
        Line {
            service: "CloudWatch",
            resource: "log ingestion",
            used: log_gb,
            allowance: Some(5.0),
            unit: Unit::Gb,
            hard_limit: false,
            note: "",
        },
        Line {
            service: "CloudWatch",
            resource: "log storage",
            used: stored_log_gb,
            allowance: Some(5.0),
            unit: Unit::Gb,
            hard_limit: false,
            note: "retention from template.yaml",
        },
        Line {
            service: "KMS",
            resource: "requests",
            used: kms,
            allowance: Some(20_000.0),
            unit: Unit::Count,
            hard_limit: false,
            note: "SSM SecureString reads at cold starts (assumed counts)",
        },
        Line {
            service: "AWS",
            resource: "data transfer out",
            used: i.api_requests * i.api_response_kb * 1e3 / 1e9,
            allowance: Some(100.0),
            unit: Unit::Gb,
            hard_limit: false,
            note: "API responses (before compression)",
        },
        Line {
            service: "Supabase",
            resource: "database size",
            used: db_bytes / 1e6,
            allowance: Some(500.0),
            unit: Unit::Mb,
            hard_limit: false,
            note: "steady state: full raw and daily-series retention",
        },
        Line {
            service: "Supabase",
            resource: "egress",
            used: egress_gb,
            allowance: Some(5.0),
            unit: Unit::Gb,
            hard_limit: false,
            note: "API reads + worker bookkeeping",
        },
        Line {
            service: "StockX",
            resource: "calls per day",
            used: i.stockx_calls_per_day(),
            allowance: Some(25_000.0),
            unit: Unit::PerDay,
            hard_limit: true,
            note: "hard external limit per API key, incl. the on-demand reserve",
        },
    ]
}

/// True when nothing goes over its allowance.
pub fn fits(i: &Inputs) -> bool {
    monthly(i).iter().all(|l| !l.over())
}

/// The largest catalogue (whole products, up to `max`) that stays within every allowance, and the
/// limits that are exceeded one product later (the binding ones; empty when `max` itself fits).
/// Every line grows (or stays flat) with the catalogue, so feasibility is monotonic and a binary
/// search finds the boundary.
pub fn largest_free_catalogue(i: &Inputs, max: u64) -> (u64, Vec<Line>) {
    let at = |p: u64| Inputs {
        products: p as f64,
        ..i.clone()
    };
    if !fits(&at(0)) {
        let over = monthly(&at(0)).into_iter().filter(Line::over).collect();
        return (0, over);
    }
    if fits(&at(max)) {
        return (max, Vec::new());
    }
    // Invariant: lo fits, hi does not.
    let (mut lo, mut hi) = (0u64, max);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(&at(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let binding = monthly(&at(hi)).into_iter().filter(Line::over).collect();
    (lo, binding)
}

fn thousands(n: f64) -> String {
    let n = n.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A value with its unit.
pub fn format_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => thousands(v),
        Unit::PerDay => format!("{}/day", thousands(v)),
        Unit::GbSeconds => format!("{} GB-s", thousands(v)),
        Unit::Gb => {
            if v < 0.01 {
                format!("{:.1} MB", v * 1000.0)
            } else {
                format!("{v:.2} GB")
            }
        }
        Unit::Mb => format!("{v:.0} MB"),
    }
}

/// `market cost` flags: every one optional, defaults from [`Inputs::default`].
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CostArgs {
    /// Products in the catalogue [default: 500].
    #[arg(long)]
    pub products: Option<f64>,
    /// Tier shares (normalised) [defaults: 0.2 / 0.3 / 0.5].
    #[arg(long)]
    pub hot: Option<f64>,
    #[arg(long)]
    pub warm: Option<f64>,
    #[arg(long)]
    pub cold: Option<f64>,
    /// Cadences in hours [defaults: 6 / 24 / 168].
    #[arg(long)]
    pub hot_hours: Option<f64>,
    #[arg(long)]
    pub warm_hours: Option<f64>,
    #[arg(long)]
    pub cold_hours: Option<f64>,
    /// Regions priced per product [default: 1].
    #[arg(long)]
    pub regions: Option<f64>,
    /// Marketplaces synced [default: 2].
    #[arg(long)]
    pub marketplaces: Option<f64>,
    /// Sizes with quotes per product [default: 24, measured].
    #[arg(long)]
    pub sizes: Option<f64>,
    /// Daily share of sizes whose prices move [default: 0.12, measured on real StockX sales].
    #[arg(long)]
    pub move_share: Option<f64>,
    #[arg(long)]
    pub raw_retention_days: Option<f64>,
    #[arg(long)]
    pub daily_retention_days: Option<f64>,
    /// Bytes per stored row incl. indexes [defaults measured by `market bench-api`].
    #[arg(long)]
    pub history_row_bytes: Option<f64>,
    #[arg(long)]
    pub latest_row_bytes: Option<f64>,
    /// Bytes per month of one product's daily series on one marketplace and region.
    #[arg(long)]
    pub daily_row_bytes: Option<f64>,
    /// Alias sales per product, region and day [default: measured by `market bench-api`].
    #[arg(long)]
    pub sales_per_day: Option<f64>,
    /// Database size not modelled per row: Supabase schemas, the app's tables [default: 40 MB].
    #[arg(long)]
    pub base_db_mb: Option<f64>,
    /// API requests per month, both APIs [default: 100,000].
    #[arg(long)]
    pub api_requests: Option<f64>,
    /// The share of them that are inventory requests (inventory-api: 1 GB) [default: 0.5].
    #[arg(long)]
    pub inventory_share: Option<f64>,
    #[arg(long)]
    pub api_response_kb: Option<f64>,
    /// Measured durations (ms); without them the assumptions are used and labelled so.
    #[arg(long)]
    pub tick_ms: Option<f64>,
    #[arg(long)]
    pub daily_ms: Option<f64>,
    #[arg(long)]
    pub worker_ms_per_job: Option<f64>,
    #[arg(long)]
    pub api_ms: Option<f64>,
    /// Orchestrator tick interval [default: 30 minutes].
    #[arg(long)]
    pub tick_minutes: Option<f64>,
    /// Messages per worker invocation [default: 5].
    #[arg(long)]
    pub batch_fill: Option<f64>,
    /// Lambda SQS pollers long-polling all month [default: 5].
    #[arg(long)]
    pub sqs_pollers: Option<f64>,
    /// API cold starts per month [default: 3,000].
    #[arg(long)]
    pub api_cold_starts: Option<f64>,
    /// SecureString parameters read per cold start [default: 1, the per-function bundle].
    #[arg(long)]
    pub secrets_per_cold_start: Option<f64>,
}

impl CostArgs {
    pub fn inputs(&self) -> Inputs {
        let d = Inputs::default();
        let measured = |v: Option<f64>, default: Duration| match v {
            Some(ms) => Duration { ms, measured: true },
            None => default,
        };
        Inputs {
            products: self.products.unwrap_or(d.products),
            hot_share: self.hot.unwrap_or(d.hot_share),
            warm_share: self.warm.unwrap_or(d.warm_share),
            cold_share: self.cold.unwrap_or(d.cold_share),
            hot_hours: self.hot_hours.unwrap_or(d.hot_hours),
            warm_hours: self.warm_hours.unwrap_or(d.warm_hours),
            cold_hours: self.cold_hours.unwrap_or(d.cold_hours),
            regions: self.regions.unwrap_or(d.regions),
            marketplaces: self.marketplaces.unwrap_or(d.marketplaces),
            sizes_per_product: self.sizes.unwrap_or(d.sizes_per_product),
            move_share: self.move_share.unwrap_or(d.move_share),
            raw_retention_days: self.raw_retention_days.unwrap_or(d.raw_retention_days),
            daily_retention_days: self.daily_retention_days.unwrap_or(d.daily_retention_days),
            history_row_bytes: self.history_row_bytes.unwrap_or(d.history_row_bytes),
            latest_row_bytes: self.latest_row_bytes.unwrap_or(d.latest_row_bytes),
            daily_row_bytes: self.daily_row_bytes.unwrap_or(d.daily_row_bytes),
            sales_per_product_day: self.sales_per_day.unwrap_or(d.sales_per_product_day),
            base_db_mb: self.base_db_mb.unwrap_or(d.base_db_mb),
            api_requests: self.api_requests.unwrap_or(d.api_requests),
            inventory_share: self.inventory_share.unwrap_or(d.inventory_share),
            api_response_kb: self.api_response_kb.unwrap_or(d.api_response_kb),
            tick: measured(self.tick_ms, d.tick),
            daily: measured(self.daily_ms, d.daily),
            worker_per_job: measured(self.worker_ms_per_job, d.worker_per_job),
            api_request: measured(self.api_ms, d.api_request),
            tick_minutes: self.tick_minutes.unwrap_or(d.tick_minutes),
            batch_fill: self.batch_fill.unwrap_or(d.batch_fill),
            sqs_pollers: self.sqs_pollers.unwrap_or(d.sqs_pollers),
            api_cold_starts: self.api_cold_starts.unwrap_or(d.api_cold_starts),
            secrets_per_cold_start: self
                .secrets_per_cold_start
                .unwrap_or(d.secrets_per_cold_start),
            ..d
        }
    }
}

/// Upper bound of the catalogue search.
pub const SEARCH_MAX: u64 = 10_000_000;

/// The printed report (a Markdown table, so the README can quote it).
pub fn report(i: &Inputs) -> String {
    let [h, w, c] = i.shares();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Monthly use for {} products: tiers hot {:.0} % / warm {:.0} % / cold {:.0} %, cadences {} h / {} h / {} h, \
         {} region(s), {} marketplaces, {} sizes per product, {}-day month.",
        thousands(i.products),
        h * 100.0,
        w * 100.0,
        c * 100.0,
        i.hot_hours,
        i.warm_hours,
        i.cold_hours,
        i.regions,
        i.marketplaces,
        i.sizes_per_product,
        DAYS_PER_MONTH
    );
    let _ = writeln!(
        out,
        "Durations: tick {} ms ({}), daily {} ms ({}), worker {} ms per job ({}), API {} ms per request ({}). \
         SQS: {} pollers x {} s long polls. Bytes per row: history {}, latest {}, daily-series month {}; \
         sales {} a product-region-day at {} B, size-day {} B, month {} B (defaults measured by market bench-api).",
        i.tick.ms,
        i.tick.label(),
        i.daily.ms,
        i.daily.label(),
        i.worker_per_job.ms,
        i.worker_per_job.label(),
        i.api_request.ms,
        i.api_request.label(),
        i.sqs_pollers,
        SQS_LONG_POLL_SECS,
        i.history_row_bytes,
        i.latest_row_bytes,
        i.daily_row_bytes,
        i.sales_per_product_day,
        i.sale_row_bytes,
        i.sale_size_day_bytes,
        i.sales_month_bytes
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| service | resource | per month | free allowance | used | status | note |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---|---|");
    let lines = monthly(i);
    for l in &lines {
        let (allow, share) = match (l.allowance, l.share()) {
            (Some(a), Some(s)) => (format_value(a, l.unit), format!("{:.1} %", s * 100.0)),
            _ => ("no charge".to_string(), "-".to_string()),
        };
        let status = match (l.over(), l.hard_limit) {
            (false, _) => "ok",
            (true, true) => "OVER (hard limit)",
            (true, false) => "OVER",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            l.service,
            l.resource,
            format_value(l.used, l.unit),
            allow,
            share,
            status,
            l.note
        );
    }
    let _ = writeln!(out);
    let over: Vec<&Line> = lines.iter().filter(|l| l.over()).collect();
    if over.is_empty() {
        let _ = writeln!(out, "Everything is within the free allowances: $0/month.");
    } else {
        let names: Vec<String> = over
            .iter()
            .map(|l| format!("{} {}", l.service, l.resource))
            .collect();
        let _ = writeln!(out, "Over the free allowance: {}.", names.join(", "));
    }
    let (max, binding) = largest_free_catalogue(i, SEARCH_MAX);
    let binding: Vec<String> = binding
        .iter()
        .map(|l| format!("{} {}", l.service, l.resource))
        .collect();
    if binding.is_empty() {
        let _ = writeln!(
            out,
            "Largest catalogue at $0: more than {} products.",
            thousands(max as f64)
        );
    } else {
        let _ = writeln!(
            out,
            "Largest catalogue at $0 with this mix: {} products (binding limit: {}).",
            thousands(max as f64),
            binding.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(lines: &'a [Line], service: &str, resource: &str) -> &'a Line {
        lines
            .iter()
            .find(|l| l.service == service && l.resource == resource)
            .unwrap_or_else(|| panic!("{service} {resource}"))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * b.abs().max(1.0)
    }

    #[test]
    fn syncs_follow_tiers_and_cadences() {
        let i = Inputs {
            products: 100.0,
            ..Inputs::default()
        };
        // 0.2 x 4 + 0.3 x 1 + 0.5 x 1/7 syncs per product and day.
        let per_product = 0.8 + 0.3 + 0.5 / 7.0;
        assert!(close(i.syncs_per_product_day(), per_product));
        assert!(close(i.jobs_per_day(), 100.0 * 2.0 * per_product));
        // Changes: a hot series moves within 6 h with 1 - 0.88^0.25, a cold one within a week
        // with 1 - 0.88^7; at 100 % every sync stores a change.
        let changes = 0.2 * 4.0 * (1.0 - 0.88f64.powf(0.25))
            + 0.3 * 0.12
            + 0.5 / 7.0 * (1.0 - 0.88f64.powf(7.0));
        assert!(close(i.changes_per_series_day(), changes));
        let all_move = Inputs {
            move_share: 1.0,
            ..i.clone()
        };
        assert!(close(all_move.changes_per_series_day(), per_product));
        // StockX: one call per StockX job per region, plus the reserve.
        assert!(close(i.stockx_calls_per_day(), 100.0 * per_product + 500.0));
        let two_regions = Inputs {
            regions: 2.0,
            ..i.clone()
        };
        assert!(close(
            two_regions.stockx_calls_per_day(),
            200.0 * per_product + 500.0
        ));
    }

    #[test]
    fn shares_are_normalised() {
        let i = Inputs {
            hot_share: 1.0,
            warm_share: 1.0,
            cold_share: 2.0,
            ..Inputs::default()
        };
        assert_eq!(i.shares(), [0.25, 0.25, 0.5]);
        let none = Inputs {
            hot_share: 0.0,
            warm_share: 0.0,
            cold_share: 0.0,
            ..Inputs::default()
        };
        assert_eq!(none.shares(), [0.0, 0.0, 1.0]);
    }

    #[test]
    fn idle_sqs_polling_is_the_floor() {
        // No products, no API traffic: only the pollers' empty long polls remain.
        let i = Inputs {
            products: 0.0,
            api_requests: 0.0,
            ..Inputs::default()
        };
        let lines = monthly(&i);
        // 5 pollers x (30 x 86,400 s / 20 s) = 648,000.
        assert!(close(line(&lines, "SQS", "requests").used, 648_000.0));
    }

    #[test]
    fn lambda_arithmetic() {
        let i = Inputs {
            products: 1000.0,
            api_requests: 50_000.0,
            ..Inputs::default()
        };
        let lines = monthly(&i);
        let jobs_month = i.jobs_per_day() * 30.0;
        let ticks = 30.0 * 24.0 * 2.0;
        let requests = ticks + 30.0 + jobs_month / 5.0 + 50_000.0;
        assert!(close(line(&lines, "Lambda", "requests").used, requests));
        let gb_s =
            (ticks * 3.0 + 30.0 * 30.0) * 0.25 + jobs_month * 1.5 * 0.25 + 50_000.0 * 0.08 * 0.5625;
        assert!(close(line(&lines, "Lambda", "compute").used, gb_s));
    }

    #[test]
    fn database_size_from_rows() {
        let i = Inputs {
            products: 10.0,
            sizes_per_product: 10.0,
            marketplaces: 1.0,
            hot_share: 0.0,
            warm_share: 1.0,
            cold_share: 0.0,
            base_db_mb: 0.0,
            static_bytes_per_product: 0.0,
            history_row_bytes: 100.0,
            latest_row_bytes: 90.0,
            daily_row_bytes: 500.0,
            raw_retention_days: 35.0,
            daily_retention_days: 730.0,
            move_share: 0.25,
            sales_per_product_day: 0.0,
            sale_size_days_per_product_day: 0.0,
            sales_month_bytes: 0.0,
            ..Inputs::default()
        };
        // 100 series, synced daily: latest 100 rows, history 100 x 0.25 changes a day kept 35
        // days plus half a month (a packed month goes when its whole month is past retention),
        // daily series 10 products x 1 marketplace x 1 region x 24 months (730 / 30.44 rounded up).
        let bytes = 100.0 * 90.0 + 100.0 * 0.25 * (35.0 + 15.22) * 100.0 + 10.0 * 24.0 * 500.0;
        let lines = monthly(&i);
        assert!(close(
            line(&lines, "Supabase", "database size").used,
            bytes / 1e6
        ));
    }

    #[test]
    fn sales_add_raw_rows_size_days_and_product_months() {
        let base = Inputs {
            products: 10.0,
            regions: 3.0,
            sales_per_product_day: 0.0,
            sale_size_days_per_product_day: 0.0,
            sales_month_bytes: 0.0,
            ..Inputs::default()
        };
        let with = Inputs {
            sales_per_product_day: 4.0,
            sale_size_days_per_product_day: 2.0,
            sale_row_bytes: 100.0,
            sale_size_day_bytes: 120.0,
            sales_month_bytes: 600.0,
            ..base.clone()
        };
        let db = |i: &Inputs| line(&monthly(i), "Supabase", "database size").used;
        // 30 product-regions: 4 sales x 35 days x 100 B, 2 size-days x 90 days x 120 B, and
        // 25 months (732 days / 30.44 rounded up) x 600 B.
        let bytes = 30.0 * (4.0 * 35.0 * 100.0 + 2.0 * 90.0 * 120.0 + 25.0 * 600.0);
        assert!(close(db(&with) - db(&base), bytes / 1e6));
    }

    #[test]
    fn binary_search_finds_the_boundary() {
        let i = Inputs::default();
        let (max, binding) = largest_free_catalogue(&i, SEARCH_MAX);
        assert!(max > 0 && max < SEARCH_MAX);
        assert!(fits(&Inputs {
            products: max as f64,
            ..i.clone()
        }));
        assert!(!fits(&Inputs {
            products: (max + 1) as f64,
            ..i.clone()
        }));
        assert!(!binding.is_empty());
        // The binding limit is the one over at max + 1.
        let next = monthly(&Inputs {
            products: (max + 1) as f64,
            ..i.clone()
        });
        for b in &binding {
            assert!(line(&next, b.service, b.resource).over());
        }
    }

    #[test]
    fn stockx_binds_when_storage_is_cheap() {
        // With everything else generous the StockX daily limit is what binds: calls per day =
        // products x syncs per product-day + reserve <= 25,000.
        let i = Inputs {
            daily_retention_days: 1.0,
            raw_retention_days: 1.0,
            latest_row_bytes: 50.0,
            sizes_per_product: 18.0,
            api_requests: 0.0,
            sqs_pollers: 0.0,
            batch_fill: 10.0,
            worker_per_job: Duration::assumed(300.0),
            db_egress_per_job_bytes: 500.0,
            sales_per_product_day: 0.0,
            sale_size_days_per_product_day: 0.0,
            sales_month_bytes: 0.0,
            ..Inputs::default()
        };
        let (max, binding) = largest_free_catalogue(&i, SEARCH_MAX);
        let expected = ((25_000.0 - 500.0) / i.syncs_per_product_day()).floor() as u64;
        assert_eq!(max, expected);
        assert_eq!(binding.len(), 1);
        assert_eq!(binding[0].service, "StockX");
        assert!(binding[0].hard_limit);
    }

    #[test]
    fn search_edges() {
        // Nothing fits when a constant line is already over.
        let i = Inputs {
            alarm_metrics: 11.0,
            ..Inputs::default()
        };
        let (max, binding) = largest_free_catalogue(&i, 1000);
        assert_eq!(max, 0);
        assert_eq!(binding[0].resource, "alarm metrics");
        // Everything fits up to the search bound.
        let tiny = Inputs {
            daily_retention_days: 1.0,
            ..Inputs::default()
        };
        assert_eq!(largest_free_catalogue(&tiny, 10), (10, Vec::new()));
    }

    #[test]
    fn report_mentions_every_line_and_the_answer() {
        let text = report(&Inputs::default());
        for l in monthly(&Inputs::default()) {
            assert!(text.contains(l.resource), "{}", l.resource);
        }
        assert!(text.contains("Largest catalogue at $0"));
        assert!(text.contains("(assumed)"));
        let measured = Inputs {
            api_request: Duration {
                ms: 40.0,
                measured: true,
            },
            ..Inputs::default()
        };
        assert!(report(&measured).contains("API 40 ms per request (measured)"));
    }

    #[test]
    fn flags_override_defaults_and_mark_durations_measured() {
        assert_eq!(CostArgs::default().inputs(), Inputs::default());
        let args = CostArgs {
            products: Some(2000.0),
            worker_ms_per_job: Some(1200.0),
            ..CostArgs::default()
        };
        let i = args.inputs();
        assert_eq!(i.products, 2000.0);
        assert_eq!(
            i.worker_per_job,
            Duration {
                ms: 1200.0,
                measured: true
            }
        );
        assert!(!i.api_request.measured);
    }

    #[test]
    fn formatting() {
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(format_value(0.004, Unit::Gb), "4.0 MB");
        assert_eq!(format_value(1.5, Unit::Gb), "1.50 GB");
        assert_eq!(format_value(24_000.0, Unit::PerDay), "24,000/day");
    }
}
