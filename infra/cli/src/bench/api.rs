//! `market bench-api`, the measurement: handler calls (`market_api::handle`, `inventory_api::handle`)
//! with states from their own `State::from_env()`, timing handler + database per call, counting
//! round trips and response bytes (raw JSON and gzip as sent), then storage per table.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use lambda_http::http::HeaderMap;
use shared::admin::{catalog, migrate};
use shared::core::db::DbSettings;
use tokio_postgres::Client;

use crate::serve_apis::function_url_request;

use super::dataset::{setup, WriteTotals};
use super::goals;
use super::write_load::write_load;
use super::*;

// --- measurement ------------------------------------------------------------------------------

/// An HS256 access token for `user` signed with `secret`, valid for an hour.
pub fn token(user: &str, secret: &str) -> anyhow::Result<String> {
    let now = Utc::now().timestamp();
    let claims = serde_json::json!({
        "sub": user, "aud": "authenticated", "role": "authenticated",
        "iat": now, "exp": now + 86_400, "email": "bench@example.com"
    });
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes())?,
    )?)
}

#[derive(Default)]
pub(crate) struct Samples {
    pub(crate) ms: Vec<f64>,
    pub(crate) raw: Vec<usize>,
    pub(crate) gz: Vec<usize>,
    pub(crate) round_trips: u64,
    pub(crate) errors: usize,
    /// This process's CPU time in the handler calls, ms (see `process_cpu_ms`).
    pub(crate) cpu_ms: f64,
}

/// CPU time this process has used, in ms: the handler and the database connection's task, not
/// PostgreSQL's (another process). On Lambda a function's CPU share follows its memory (one vCPU
/// at 1,769 MB), so this, not the wall time here, is what the memory setting multiplies.
pub(crate) fn process_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer; nothing else is touched.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(crate) fn median(v: &[usize]) -> usize {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

pub(crate) fn body_sizes(resp: lambda_http::Response<lambda_http::Body>) -> (u16, usize, usize) {
    let status = resp.status().as_u16();
    let gz = resp
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let sent = match resp.into_body() {
        lambda_http::Body::Text(s) => s.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    if gz {
        let mut raw = Vec::new();
        let _ = flate2::read::GzDecoder::new(sent.as_slice()).read_to_end(&mut raw);
        (status, raw.len(), sent.len())
    } else {
        (status, sent.len(), sent.len())
    }
}

pub(crate) fn request(
    path: &str,
    query: &str,
    auth: Option<&str>,
) -> anyhow::Result<lambda_http::Request> {
    let mut h = HeaderMap::new();
    h.insert("host", "bench.lambda-url.eu-west-1.on.aws".parse()?);
    h.insert("accept-encoding", "gzip, deflate, br".parse()?);
    h.insert("x-forwarded-proto", "https".parse()?);
    if let Some(t) = auth {
        h.insert("authorization", format!("Bearer {t}").parse()?);
    }
    function_url_request(
        "GET",
        path,
        query,
        &h,
        &[],
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10)),
    )
    .map_err(anyhow::Error::msg)
}

pub(crate) fn print_table(rows: &[(&str, &Samples)]) {
    println!("| request | n | p50 ms | p99 ms | max ms | our CPU ms / req (mean) | DB round trips / req | raw bytes (median) | gzip bytes (median) | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, s) in rows {
        let mut ms = s.ms.clone();
        ms.sort_by(f64::total_cmp);
        let n = ms.len().max(1);
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
            ms.len(),
            percentile(&ms, 50.0),
            percentile(&ms, 99.0),
            ms.last().copied().unwrap_or(f64::NAN),
            s.cpu_ms / n as f64,
            s.round_trips as f64 / n as f64,
            median(&s.raw),
            median(&s.gz),
            s.errors
        );
    }
}

pub(crate) async fn measure(
    args: &BenchApiArgs,
    codes: &[String],
) -> anyhow::Result<goals::Measured> {
    let market = market_api::State::from_env()
        .await
        .context("market-api state")?;
    let inventory = inventory_api::State::from_env()
        .await
        .context("inventory-api state")?;
    let secret = std::env::var("SUPABASE_JWT_SECRET").unwrap_or_default();
    let tok = token(BENCH_USER, &secret)?;
    let mut rng = Rng(args.seed ^ 0x5EED);
    let load_before = load_average();
    // Warm-up: pool connections, first-touch of the catalogue pages.
    for code in codes.iter().take(5) {
        let _ =
            market_api::handle(&market, request(&format!("/v1/products/{code}"), "", None)?).await;
    }
    // The instance's first inventory request also reads every owned product's size run; later
    // ones only runs whose version moved (`inventory_api::SizeRuns`), so it is reported apart.
    let t = Instant::now();
    let _ = inventory_api::handle(&inventory, request("/v1/inventory", "", Some(&tok))?).await;
    let first_inventory_ms = t.elapsed().as_secs_f64() * 1e3;

    let mut page = Samples::default();
    for _ in 0..args.page_requests {
        let code = &codes[rng.below(codes.len())];
        let req = request(&format!("/v1/products/{code}"), "", None)?;
        let rt = market.round_trips.load(Ordering::Relaxed);
        let (t, cpu) = (Instant::now(), process_cpu_ms());
        let resp = market_api::handle(&market, req).await;
        page.ms.push(t.elapsed().as_secs_f64() * 1e3);
        page.cpu_ms += process_cpu_ms() - cpu;
        page.round_trips += market.round_trips.load(Ordering::Relaxed) - rt;
        let (status, raw, gz) = body_sizes(resp);
        page.errors += usize::from(status != 200);
        page.raw.push(raw);
        page.gz.push(gz);
    }
    let mut history = Samples::default();
    for _ in 0..args.history_requests {
        let code = &codes[rng.below(codes.len())];
        let req = request(&format!("/v1/products/{code}/history"), "days=90", None)?;
        let rt = market.round_trips.load(Ordering::Relaxed);
        let (t, cpu) = (Instant::now(), process_cpu_ms());
        let resp = market_api::handle(&market, req).await;
        history.ms.push(t.elapsed().as_secs_f64() * 1e3);
        history.cpu_ms += process_cpu_ms() - cpu;
        history.round_trips += market.round_trips.load(Ordering::Relaxed) - rt;
        let (status, raw, gz) = body_sizes(resp);
        history.errors += usize::from(status != 200);
        history.raw.push(raw);
        history.gz.push(gz);
    }
    let inv = inventory_samples(&inventory, &tok, args.inventory_requests).await?;
    // The same requests with the quotes read every time, as on an instance that holds none of
    // them yet or after every product was synced again (its size runs are held already).
    let mut uncached = inventory_api::State::from_env()
        .await
        .context("inventory-api state")?;
    uncached.quotes = inventory_api::QuoteCache::new(std::time::Duration::ZERO);
    let _ = inventory_api::handle(&uncached, request("/v1/inventory", "", Some(&tok))?).await;
    let inv_uncached = inventory_samples(&uncached, &tok, args.inventory_requests).await?;
    // What one inventory response carries.
    let one = inventory_api::handle(&inventory, request("/v1/inventory", "", Some(&tok))?).await;
    let body = match one.into_body() {
        lambda_http::Body::Text(s) => s.into_bytes(),
        lambda_http::Body::Binary(b) => {
            let mut raw = Vec::new();
            let _ = flate2::read::GzDecoder::new(b.as_slice()).read_to_end(&mut raw);
            raw
        }
        _ => Vec::new(),
    };
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let valued = &v["totals"];
    println!();
    println!(
        "inventory response: {} open items, {} valued, {} with cost",
        valued["items"], valued["items_valued"], valued["items_with_cost"]
    );
    println!();
    println!(
        "machine load (1/5/15 min): {load_before} before the requests, {} after; {} cores",
        load_average(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    print_table(&[
        ("market page `GET /v1/products/{style}`", &page),
        (
            "history `GET /v1/products/{style}/history?days=90`",
            &history,
        ),
        ("inventory `GET /v1/inventory` (open items)", &inv),
        (
            "inventory, every quote read (`INVENTORY_QUOTES_CACHE_SECS=0`)",
            &inv_uncached,
        ),
    ]);
    println!();
    println!(
        "inventory, the instance's first request (reads all {} products' size runs): {first_inventory_ms:.1} ms",
        inventory.size_runs.len()
    );
    let p99 = |s: &Samples| {
        let mut ms = s.ms.clone();
        ms.sort_by(f64::total_cmp);
        (!ms.is_empty()).then(|| percentile(&ms, 99.0))
    };
    Ok(goals::Measured {
        inventory_p99_ms: p99(&inv),
        inventory_gzip_bytes: (!inv.gz.is_empty()).then(|| median(&inv.gz)),
        page_p99_ms: p99(&page),
        history_p99_ms: p99(&history),
        load: format!("{load_before} before, {} after", load_average()),
        storage: None,
    })
}

/// `n` inventory requests of the bench user, one after the other, on `state`.
async fn inventory_samples(
    state: &inventory_api::State,
    tok: &str,
    n: usize,
) -> anyhow::Result<Samples> {
    let mut inv = Samples::default();
    for _ in 0..n {
        let req = request("/v1/inventory", "", Some(tok))?;
        let rt = state.round_trips.load(Ordering::Relaxed);
        let (t, cpu) = (Instant::now(), process_cpu_ms());
        let resp = inventory_api::handle(state, req).await;
        inv.ms.push(t.elapsed().as_secs_f64() * 1e3);
        inv.cpu_ms += process_cpu_ms() - cpu;
        inv.round_trips += state.round_trips.load(Ordering::Relaxed) - rt;
        let (status, raw, gz) = body_sizes(resp);
        inv.errors += usize::from(status != 200);
        inv.raw.push(raw);
        inv.gz.push(gz);
    }
    Ok(inv)
}

/// Storage per table after the run, and the steady state it implies for `products` products in
/// `regions` markets at the default retentions (`CleanupConfig`, `SalesConfig`): tables the run
/// filled for `days` days scale to their retention at the measured bytes per row; the products'
/// daily series is one row per product x marketplace x region x month kept.
///
/// Printed twice: as written (after VACUUM), and compacted (after VACUUM FULL). The benchmark
/// writes day by day and vacuums by autovacuum's rule after each day (`dataset`), so "as written"
/// is the steady state production's writes leave, rewrites' free space included; compacted is the
/// floor a `VACUUM FULL` would reach.
pub(crate) async fn storage(
    c: &Client,
    totals: &WriteTotals,
    products: usize,
    regions: usize,
    days: u32,
) -> anyhow::Result<goals::Storage> {
    const TABLES: &str = "market.price_history, market.price_history_months, market.latest_prices, market.product_daily,
                          market.sales, market.sales_daily_sizes, market.product_sales_daily";
    q(c, &format!("VACUUM ANALYZE {TABLES}"), &[]).await?;
    println!("\nStorage as written (after VACUUM):");
    let as_written = storage_table(c, totals, products, regions, days).await?;
    q(c, &format!("VACUUM FULL {TABLES}"), &[]).await?;
    println!("\nStorage compacted (after VACUUM FULL):");
    storage_table(c, totals, products, regions, days).await?;
    Ok(as_written)
}

async fn storage_table(
    c: &Client,
    totals: &WriteTotals,
    products: usize,
    regions: usize,
    days: u32,
) -> anyhow::Result<goals::Storage> {
    let cleanup = shared::sync::cleanup::CleanupConfig::default();
    let sales = shared::sync::sales::SalesConfig::default();
    let rows = q(
        c,
        "SELECT 'price_history (raw days + packed months)',
                (SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::int8
                   FROM pg_partition_tree('market.price_history') WHERE isleaf)
                + (SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::int8
                     FROM pg_partition_tree('market.price_history_months') WHERE isleaf),
                (SELECT count(*) FROM market.price_history)
                + (SELECT coalesce(sum(cardinality(variant_id)), 0)::int8 FROM market.price_history_months)
         UNION ALL
         SELECT 'latest_prices', pg_total_relation_size('market.latest_prices'),
                (SELECT count(*) FROM market.latest_prices)
         UNION ALL
         SELECT 'product_daily', pg_total_relation_size('market.product_daily'),
                (SELECT count(*) FROM market.product_daily)
         UNION ALL
         SELECT 'sales', pg_total_relation_size('market.sales'), (SELECT count(*) FROM market.sales)
         UNION ALL
         SELECT 'sales_daily_sizes', pg_total_relation_size('market.sales_daily_sizes'),
                (SELECT count(*) FROM market.sales_daily_sizes)
         UNION ALL
         SELECT 'product_sales_daily', pg_total_relation_size('market.product_sales_daily'),
                (SELECT count(*) FROM market.product_sales_daily)",
        &[],
    )
    .await?;
    let written = f64::from(days.max(1));
    let months = (f64::from(cleanup.daily_retention_days) / 30.44).ceil();
    let sales_months = (f64::from(sales.aggregate_retention_days) / 30.44).ceil();
    println!();
    println!(
        "| table | rows | total bytes (heap+indexes+TOAST) | bytes / row | kept (days) | steady state MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let mut sum = 0i64;
    let mut steady = 0f64;
    let series_days = (products * regions) as f64 * written;
    let mut out = goals::Storage {
        products,
        regions,
        steady_mb: 0.0,
        history_row_bytes: 0.0,
        latest_row_bytes: 0.0,
        daily_row_bytes: 0.0,
        sale_row_bytes: 0.0,
        sale_size_day_bytes: 0.0,
        sales_month_bytes: 0.0,
        sales_per_product_day: 0.0,
        sale_size_days_per_product_day: 0.0,
    };
    for r in &rows {
        let name: &str = r.get(0);
        let bytes: i64 = r.get(1);
        let n: i64 = r.get(2);
        sum += bytes;
        let per_row = bytes as f64 / n.max(1) as f64;
        match name {
            "product_daily" => out.daily_row_bytes = per_row,
            "latest_prices" => out.latest_row_bytes = per_row,
            "sales" => {
                out.sale_row_bytes = per_row;
                out.sales_per_product_day = n as f64 / series_days.max(1.0);
            }
            "sales_daily_sizes" => {
                out.sale_size_day_bytes = per_row;
                out.sale_size_days_per_product_day = n as f64 / series_days.max(1.0);
            }
            "product_sales_daily" => out.sales_month_bytes = per_row,
            _ => out.history_row_bytes = per_row,
        }
        let (kept, at_steady) = match name {
            "product_daily" => (
                cleanup.daily_retention_days,
                per_row * products as f64 * 2.0 * regions as f64 * months,
            ),
            "latest_prices" => (0, bytes as f64),
            "sales" => (
                sales.retention_days,
                bytes as f64 * f64::from(sales.retention_days) / written,
            ),
            "sales_daily_sizes" => (
                sales.size_aggregate_retention_days,
                bytes as f64 * f64::from(sales.size_aggregate_retention_days) / written,
            ),
            // One row per series and month, like product_daily; the series are the products
            // with sales on Alias (one marketplace) in each region.
            "product_sales_daily" => (
                sales.aggregate_retention_days,
                per_row * products as f64 * regions as f64 * sales_months,
            ),
            // A packed month is kept until its whole month is past the retention: half a month
            // more on average.
            _ => (
                cleanup.raw_retention_days,
                bytes as f64
                    * (f64::from(cleanup.raw_retention_days)
                        + market_cli::cost_model::PACKED_MONTH_EXTRA_DAYS)
                    / written,
            ),
        };
        steady += at_steady;
        println!(
            "| {name} | {n} | {bytes} | {per_row:.1} | {} | {:.1} |",
            if kept == 0 {
                "latest".to_string()
            } else {
                kept.to_string()
            },
            at_steady / 1_048_576.0
        );
    }
    println!(
        "| **market data** | | {sum} | {:.1} per size quote received | | **{:.1}** |",
        sum as f64 / totals.quotes.max(1) as f64,
        steady / 1_048_576.0
    );
    out.steady_mb = steady / 1_048_576.0;
    Ok(out)
}

/// The benchmark's own token secret when none is configured (its tokens are minted here).
fn ensure_jwt_secret() {
    if std::env::var("SUPABASE_JWT_SECRET").is_err() {
        std::env::set_var(
            "SUPABASE_JWT_SECRET",
            "bench-only-hs256-secret-0123456789abcdef",
        );
    }
}

async fn style_codes(c: &Client) -> anyhow::Result<Vec<String>> {
    Ok(
        q(c, "SELECT style_code FROM market.products ORDER BY id", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect(),
    )
}

/// The machine's load averages (1, 5, 15 min), printed beside every timing.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

pub(crate) fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let profile = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    format!("cargo run -p market-cli{profile} -- {}", args.join(" "))
}

pub async fn run(settings: &DbSettings, url: &str, args: BenchApiArgs) -> anyhow::Result<()> {
    if args.print_token {
        let secret = std::env::var("SUPABASE_JWT_SECRET")
            .context("SUPABASE_JWT_SECRET must be set to mint a token")?;
        println!("{}", token(BENCH_USER, &secret)?);
        return Ok(());
    }
    if let Some(secs) = args.write_load {
        return write_load(settings, secs, &args).await;
    }
    if args.measure_only {
        ensure_jwt_secret();
        let c = settings.connect().await?;
        let codes = style_codes(&c).await?;
        println!("## API benchmark (requests only, on the existing database)");
        println!();
        println!("command: `{}`", command_line());
        let measured = measure(&args, &codes).await?;
        goals::print(&measured);
        return Ok(());
    }
    if args.setup_only {
        let r = setup(settings, &args).await?;
        println!(
            "bench data: {} products, {} sizes, {} snapshots written ({} quotes; {} history, {} latest, {} daily-series writes, {} Alias sales) in {:.1}s ({} autovacuum-rule vacuums); {} inventory items for user {BENCH_USER}; {:.1}s total",
            r.products, r.variants, r.totals.snapshots, r.totals.quotes, r.totals.history,
            r.totals.latest, r.totals.daily, r.totals.sales, r.history_secs, r.vacuums, r.items, r.total_secs
        );
        return Ok(());
    }

    let started = Instant::now();
    let db = format!("market_bench_{}", Utc::now().format("%Y%m%d%H%M%S"));
    let admin = settings.connect().await?;
    q(&admin, &format!("CREATE DATABASE {db}"), &[]).await?;
    let bench_url = url_with_db(url, &db)?;
    let result = async {
        let bench = DbSettings::from_url(&bench_url)?;
        let mut c = bench.connect().await?;
        let migrations = migrate::discover(&migrate::default_dir())?;
        migrate::apply(&mut c, &migrations).await?;
        let mut parsed = catalog::parse_file(&catalog::default_catalog_path())?;
        parsed.rows.truncate(args.products);
        catalog::load(&mut c, &parsed.rows).await?;
        let r = setup(&bench, &args).await?;
        // The handlers' own configuration path.
        std::env::set_var("DATABASE_URL", &bench_url);
        ensure_jwt_secret();
        let codes = style_codes(&c).await?;
        println!("## API benchmark");
        println!();
        println!("command: `{}`", command_line());
        println!();
        println!(
            "data: {} products (real catalogue), {} sizes x 2 marketplaces mapped; {} days of history through `store::write_snapshot`: {} snapshots ({} size quotes) -> {} history, {} latest, {} daily-series writes, {} Alias sales in {:.1}s, day by day, with {} vacuums by autovacuum's rule after each day; {} inventory items; setup {:.1}s",
            r.products, r.variants, args.days, r.totals.snapshots, r.totals.quotes,
            r.totals.history, r.totals.latest, r.totals.daily, r.totals.sales, r.history_secs, r.vacuums, r.items, r.total_secs
        );
        println!(
            "tiers: {}% hot ({} obs/day), {}% warm (1/day), rest cold (1/week); markets {}; {:.0}% of sizes move a day; sequential requests, handler + DB time, DB_POOL_SIZE={}",
            args.hot_pct,
            args.obs_per_day,
            args.warm_pct,
            args.regions,
            args.move_share * 100.0,
            std::env::var("DB_POOL_SIZE").unwrap_or_else(|_| "2 (default)".into())
        );
        let mut measured = measure(&args, &codes).await?;
        measured.storage =
            Some(storage(&c, &r.totals, r.products, args.regions()?.len(), args.days).await?);
        goals::print(&measured);
        anyhow::Ok(())
    }
    .await;
    if args.keep_db {
        println!("\nkept database {db}: {bench_url}");
    } else {
        q(
            &admin,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            &[],
        )
        .await?;
    }
    println!("\ntotal run time {:.1}s", started.elapsed().as_secs_f64());
    result
}
