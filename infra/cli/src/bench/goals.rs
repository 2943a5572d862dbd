//! The performance and storage goals `market bench-api` is measured against, printed last as one
//! table (goal, measured, ratio, met) with the machine's load: the one place the README and the
//! issue notes take their figures from.

use market_cli::cost_model::{self, Inputs};

/// p99 of `GET /v1/inventory` for 1,000 pairs, handler + database, ms.
pub const INVENTORY_P99_MS: f64 = 25.0;
/// The default inventory page as sent (gzip), KB.
pub const INVENTORY_GZIP_KB: f64 = 60.0;
/// p99 of the market page and of the 90-day history, ms.
pub const PAGE_P99_MS: f64 = 10.0;
pub const HISTORY_P99_MS: f64 = 10.0;
/// Market data at steady state for 500 products x 3 regions x 2 marketplaces, MB.
pub const STORAGE_MB: f64 = 250.0;
/// The largest catalogue `market cost` keeps at $0 with three regions, products.
pub const FREE_PRODUCTS: f64 = 1_500.0;

/// What the run measured (None: not measured in this mode).
#[derive(Debug, Default, Clone)]
pub struct Measured {
    pub inventory_p99_ms: Option<f64>,
    pub inventory_gzip_bytes: Option<usize>,
    pub page_p99_ms: Option<f64>,
    pub history_p99_ms: Option<f64>,
    pub load: String,
    pub storage: Option<Storage>,
}

/// Storage as written, and the rates the cost model takes from it.
#[derive(Debug, Clone)]
pub struct Storage {
    pub products: usize,
    pub regions: usize,
    pub steady_mb: f64,
    pub history_row_bytes: f64,
    pub latest_row_bytes: f64,
    pub daily_row_bytes: f64,
    pub sale_row_bytes: f64,
    pub sale_size_day_bytes: f64,
    pub sales_month_bytes: f64,
    pub sales_per_product_day: f64,
    pub sale_size_days_per_product_day: f64,
}

impl Storage {
    /// `market cost`'s model at three regions with this run's bytes per row and sales rates in
    /// place of its defaults: the largest catalogue at $0.
    pub fn free_products(&self) -> u64 {
        let inputs = Inputs {
            regions: 3.0,
            history_row_bytes: self.history_row_bytes,
            latest_row_bytes: self.latest_row_bytes,
            daily_row_bytes: self.daily_row_bytes,
            sale_row_bytes: self.sale_row_bytes,
            sale_size_day_bytes: self.sale_size_day_bytes,
            sales_month_bytes: self.sales_month_bytes,
            sales_per_product_day: self.sales_per_product_day,
            sale_size_days_per_product_day: self.sale_size_days_per_product_day,
            ..Inputs::default()
        };
        cost_model::largest_free_catalogue(&inputs, cost_model::SEARCH_MAX).0
    }
}

/// One row: what, goal text, goal, measured, unit; `at_most`: the goal is an upper bound.
fn row(what: &str, goal: f64, measured: Option<f64>, unit: &str, at_most: bool) {
    let Some(m) = measured else {
        println!(
            "| {what} | {} {goal} {unit} | not measured in this mode | | |",
            if at_most { "≤" } else { "≥" }
        );
        return;
    };
    let met = if at_most { m <= goal } else { m >= goal };
    // Counts are whole; times, sizes and bytes carry one decimal.
    let digits = usize::from(unit != "products");
    println!(
        "| {what} | {} {goal} {unit} | {m:.digits$} {unit} | {:.2} | {} |",
        if at_most { "≤" } else { "≥" },
        m / goal,
        if met { "yes" } else { "**no**" }
    );
}

pub fn print(m: &Measured) {
    println!();
    println!("## Goals");
    println!();
    println!("machine load (1/5/15 min) during the requests: {}", m.load);
    println!();
    println!("| what | goal | measured | ratio | met |");
    println!("|---|---|---|---:|---|");
    row(
        "inventory `GET /v1/inventory` p99 (handler + DB)",
        INVENTORY_P99_MS,
        m.inventory_p99_ms,
        "ms",
        true,
    );
    row(
        "inventory response, gzip (median)",
        INVENTORY_GZIP_KB,
        m.inventory_gzip_bytes.map(|b| b as f64 / 1_000.0),
        "KB",
        true,
    );
    row("market page p99", PAGE_P99_MS, m.page_p99_ms, "ms", true);
    row(
        "history (90 days) p99",
        HISTORY_P99_MS,
        m.history_p99_ms,
        "ms",
        true,
    );
    let s = m.storage.as_ref();
    row(
        &s.map_or("market data at steady state, as written".into(), |s| {
            format!(
                "market data at steady state, as written ({} products x {} regions; the goal is for 500 x 3)",
                s.products, s.regions
            )
        }),
        STORAGE_MB,
        s.map(|s| s.steady_mb),
        "MB",
        true,
    );
    row(
        "`market cost`: largest catalogue at $0, 3 regions, this run's bytes per row",
        FREE_PRODUCTS,
        s.map(|s| s.free_products() as f64),
        "products",
        false,
    );
}
