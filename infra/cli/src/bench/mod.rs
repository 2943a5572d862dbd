//! The benchmarks of the `market` command: `bench-api` (the API benchmark, with the data set the
//! fuzz and load scripts use and the write load) and `bench-sync`.
//!
//! - [`dataset`]: builds the benchmark database through the real write path;
//! - [`api`]: times the handlers and reports response sizes and storage;
//! - [`goals`]: the goals those figures are measured against, printed last;
//! - [`write_load`]: the sync write path at a fixed rate while sampling lock waits;
//! - [`sync`]: the end-to-end sync benchmark against the sandbox.

pub mod api;
pub mod dataset;
pub mod goals;
pub mod sales;
pub mod sync;
pub mod write_load;

use anyhow::Context;
use shared::core::db::Type;
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

/// The benchmark user (fixed so scripts can mint a token for it).
pub const BENCH_USER: &str = "b0000000-0000-4000-8000-000000000001";

#[derive(clap::Args, Debug, Clone)]
pub struct BenchApiArgs {
    /// Products of the real catalogue to load (first N valid rows).
    #[arg(long, default_value_t = 500)]
    pub products: usize,
    /// Days of history to generate (ending now).
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Observations per day of hot-tier products (warm: 1 a day, cold: 1 a week).
    #[arg(long, default_value_t = 4)]
    pub obs_per_day: u32,
    /// Percent of products in the hot and warm tiers (the rest is cold).
    #[arg(long, default_value_t = 20)]
    pub hot_pct: u32,
    #[arg(long, default_value_t = 30)]
    pub warm_pct: u32,
    /// Inventory items of the benchmark user.
    #[arg(long, default_value_t = 1000)]
    pub items: usize,
    /// Measured market page requests (random products).
    #[arg(long, default_value_t = 200)]
    pub page_requests: usize,
    /// Measured history requests (random products, 90 days).
    #[arg(long, default_value_t = 50)]
    pub history_requests: usize,
    /// Measured inventory requests.
    #[arg(long, default_value_t = 50)]
    pub inventory_requests: usize,
    /// Concurrent connections generating history.
    #[arg(long, default_value_t = 4)]
    pub writers: usize,
    /// Seed of the random walks and request mix.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Only seed market data into the DATABASE_URL database (migrated and `market seed`ed).
    #[arg(long)]
    pub setup_only: bool,
    /// Keep the benchmark database instead of dropping it.
    #[arg(long)]
    pub keep_db: bool,
    /// Only time the requests, against the DATABASE_URL database (one kept by --keep-db): the
    /// same data measured again, e.g. before and after a change to the handlers.
    #[arg(long)]
    pub measure_only: bool,
    /// Run the sync write path against the DATABASE_URL database for SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub write_load: Option<u64>,
    /// Product snapshots per second in --write-load mode.
    #[arg(long, default_value_t = 20.0)]
    pub write_rate: f64,
    /// Markets written for every product, comma-separated (US, UK, EU): StockX quotes each in
    /// its own currency, Alias in USD.
    #[arg(long, default_value = "US")]
    pub regions: String,
    /// Daily share of a product's sizes whose price moves (a sale). The default is the median
    /// measured on the real StockX sales data (`dataset::DEFAULT_MOVE_SHARE`).
    #[arg(long, default_value_t = dataset::DEFAULT_MOVE_SHARE)]
    pub move_share: f64,
    /// Write no Alias sales (by default `--days` days of them, through the sales write path).
    #[arg(long)]
    pub no_sales: bool,
    /// Print an HS256 access token for the benchmark user (SUPABASE_JWT_SECRET) and exit.
    #[arg(long)]
    pub print_token: bool,
}

impl BenchApiArgs {
    /// `--regions` parsed; at least one, no repeats.
    pub fn regions(&self) -> anyhow::Result<Vec<shared::core::domain::Region>> {
        let mut out = Vec::new();
        for code in self
            .regions
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let region = code
                .parse::<shared::core::domain::Region>()
                .map_err(|_| anyhow::anyhow!("--regions: unknown market {code:?} (US, UK, EU)"))?;
            if !out.contains(&region) {
                out.push(region);
            }
        }
        anyhow::ensure!(
            !out.is_empty(),
            "--regions: give at least one of US, UK, EU"
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.move_share),
            "--move-share must be between 0 and 1"
        );
        Ok(out)
    }
}

// --- small deterministic PRNG (SplitMix64) ----------------------------------------------------

pub(crate) struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        self.unit() * 2.0 - 1.0
    }
}

pub(crate) async fn q(
    c: &Client,
    sql: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> anyhow::Result<Vec<tokio_postgres::Row>> {
    c.query_typed(sql, params)
        .await
        .with_context(|| format!("SQL failed: {}", sql.lines().next().unwrap_or_default()))
}

pub(crate) fn url_with_db(base: &str, db: &str) -> anyhow::Result<String> {
    // postgres://user@host:port/db?params
    let (head, params) = match base.split_once('?') {
        Some((h, p)) => (h, Some(p)),
        None => (base, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = head[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(head.len());
    let mut out = format!("{}/{}", &head[..path_start], db);
    if let Some(p) = params {
        out.push('?');
        out.push_str(p);
    }
    Ok(out)
}
