//! `market bench-sync`: a full sync of N catalogue products against the sandbox marketplace at
//! StockX's real limit, through the real pipeline (orchestrator tick → SQS → event source → worker
//! → PostgreSQL). Reports wall time against the floor of (StockX calls × 1 s), calls per product
//! per marketplace, 429s, rows written per cycle (changed vs unchanged prices) and database bytes
//! per stored observation.
//!
//! Setup (mapping every product's sizes) runs unthrottled; the measured cycles run at the limits
//! given (default: the production limiter, 1,050 ms per StockX call, against a sandbox enforcing
//! 1 request/s).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sandbox_market::{Limit, SandboxConfig};
use shared::admin::{catalog, migrate};
use shared::core::db::DbSettings;
use shared::core::domain::Marketplace;
use shared::marketplaces::{ClientSettings, MarketplaceClients, RateLimitConfig, RateLimiter};
use shared::sync::cleanup::CleanupConfig;
use shared::sync::planner::PlanConfig;
use shared::sync::queue::JobQueue;
use shared::sync::worker::{Worker, WorkerConfig};
use tokio_postgres::Client;

use market_cli::sqs_runner::{self, RunnerOptions};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub admin_url: String,
    pub products: usize,
    pub stockx_interval_ms: u64,
    pub sandbox_interval_ms: u64,
    pub worker_concurrency: usize,
    /// Measured cycles after setup: the first sees moved prices, later ones unchanged prices.
    pub cycles: usize,
    pub keep_database: bool,
}

struct Counts {
    latest: i64,
    history: i64,
    /// Rows of the products' daily series (one per product x marketplace x region x month).
    daily: i64,
}

async fn counts(c: &Client) -> anyhow::Result<Counts> {
    let r = c
        .query_one(
            "SELECT (SELECT count(*) FROM market.latest_prices), (SELECT count(*) FROM market.price_history),
                    (SELECT count(*) FROM market.product_daily)",
            &[],
        )
        .await?;
    Ok(Counts {
        latest: r.get(0),
        history: r.get(1),
        daily: r.get(2),
    })
}

async fn set_limits(limiter: &RateLimiter, stockx_ms: u64) -> anyhow::Result<()> {
    limiter
        .configure(
            Marketplace::StockX,
            RateLimitConfig {
                min_interval: Duration::from_millis(stockx_ms.max(1)),
                daily_limit: 25_000,
            },
        )
        .await?;
    limiter
        .configure(
            Marketplace::Alias,
            RateLimitConfig {
                min_interval: Duration::from_millis(if stockx_ms > 100 { 250 } else { 1 }),
                daily_limit: 100_000,
            },
        )
        .await?;
    // A fresh day's budget for the measured run.
    Ok(())
}

pub async fn run(opts: BenchOptions) -> anyhow::Result<()> {
    let name = format!("bench_sync_{}", std::process::id());
    let admin = DbSettings::from_url(&opts.admin_url)?.connect().await?;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    let mut url = url::Url::parse(&opts.admin_url)?;
    url.set_path(&format!("/{name}"));
    let result = run_in(&opts, url.as_str()).await;
    if !opts.keep_database {
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await?;
    } else {
        println!("database kept: {url}");
    }
    result
}

async fn run_in(opts: &BenchOptions, url: &str) -> anyhow::Result<()> {
    let settings = DbSettings::from_url(url)?;
    let mut c = settings.connect().await?;
    migrate::apply(&mut c, &migrate::discover(&migrate::default_dir())?).await?;
    let parsed = catalog::parse_file(&catalog::default_catalog_path())?;
    let rows: Vec<_> = parsed.rows.into_iter().take(opts.products).collect();
    if rows.len() < opts.products {
        bail!("the catalogue has only {} valid rows", rows.len());
    }
    catalog::load(&mut c, &rows).await?;

    // The sandbox with real sales anchors, frozen prices, unthrottled for setup.
    let sandbox = sandbox_market::spawn(SandboxConfig {
        price_epoch_secs: 0,
        stockx_limit: Limit {
            min_interval_ms: 0,
            daily_limit: 1_000_000,
        },
        ..SandboxConfig::default()
    })
    .await
    .map_err(anyhow::Error::msg)?;
    let app = Arc::clone(&sandbox.app);
    let http = reqwest::Client::new();
    let admin_url = |p: &str| format!("{}{p}", sandbox.base_url());

    let pool = settings.pool(opts.worker_concurrency + 2)?;
    let limiter = RateLimiter::new(pool.clone());
    set_limits(&limiter, 1).await?;

    let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let sqs = aws_sdk_sqs::Client::new(&conf);
    let qname = format!("bench-sync-{}", std::process::id());
    let (queue_url, dlq_url) = sqs_runner::ensure_queues(&sqs, &qname, 360, 5)
        .await
        .context("creating the bench queues (is an SQS-compatible server configured via AWS_ENDPOINT_URL_SQS?)")?;
    let queue = JobQueue::new(sqs.clone(), queue_url.clone());
    let orchestrator = sync_orchestrator::State {
        pool: pool.clone(),
        queue: Some(queue.clone()),
        plan: PlanConfig::default(),
        cleanup: CleanupConfig::default(),
        http: http.clone(),
        fx_url: admin_url("/ecb/eurofxref-daily.xml"),
        configured: vec![Marketplace::StockX, Marketplace::Alias],
    };
    let cfg = &app.cfg;
    let clients = MarketplaceClients::new(
        pool.clone(),
        Some(shared::marketplaces::StockxConfig::new(
            sandbox.stockx_api_base(),
            sandbox.stockx_auth_base(),
            cfg.api_key.clone(),
            cfg.client_id.clone(),
            cfg.client_secret.clone(),
            Some(cfg.initial_refresh_token.clone()),
        )),
        Some(shared::marketplaces::AliasConfig::new(
            sandbox.alias_api_base(),
            cfg.alias_token.clone(),
        )),
        ClientSettings {
            max_wait: Duration::from_secs(120),
            ..ClientSettings::default()
        },
    )?;
    let worker = sync_worker::State {
        worker: Worker::new(
            pool.clone(),
            clients,
            WorkerConfig {
                concurrency: opts.worker_concurrency,
                ..WorkerConfig::default()
            },
        ),
        queue: Some(queue),
    };
    let runner = RunnerOptions {
        queue_url: queue_url.clone(),
        batch_size: 10,
        wait: Duration::from_secs(1),
        stop_when_idle: Some(Duration::from_secs(2)),
        max_runtime: Some(Duration::from_secs(4 * 3600)),
        progress_every: None,
    };
    let drain = || async {
        sqs_runner::run(&sqs, &runner, |event| {
            let worker = &worker;
            async move { Ok(sync_worker::handle(worker, event).await) }
        })
        .await
    };

    // Setup: map every product (search/variants + first prices), unthrottled.
    let t = Instant::now();
    let setup = sync_orchestrator::tick(&orchestrator).await?;
    drain().await?;
    let mapped = c
        .query_one(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FROM market.sync_jobs",
            &[],
        )
        .await?;
    println!(
        "setup: {} mapping jobs, {} succeeded, {:.1}s (unthrottled)",
        setup.planned,
        mapped.get::<_, i64>(0),
        t.elapsed().as_secs_f64()
    );

    // Measured cycles at the requested limits.
    set_limits(&limiter, opts.stockx_interval_ms).await?;
    http.post(admin_url("/__admin/limits"))
        .json(&serde_json::json!({"stockx": {"min_interval_ms": opts.sandbox_interval_ms, "daily_limit": 25000}}))
        .send()
        .await?
        .error_for_status()?;
    c.batch_execute("UPDATE market.rate_limits SET used_today = 0, throttled_today = 0")
        .await?;
    println!(
        "\n| cycle | prices | products (stockx / alias jobs) | wall s | floor s (StockX calls x 1 s) | wall/floor | StockX calls/product | Alias calls/product | 429s | sizes changed | latest rows written | history rows written | daily-series rows (total) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for cycle in 1..=opts.cycles {
        let moved = cycle == 1;
        if moved {
            http.post(admin_url("/__admin/advance"))
                .json(&serde_json::json!({"buckets": 1}))
                .send()
                .await?
                .error_for_status()?;
        }
        http.post(admin_url("/__admin/reset"))
            .send()
            .await?
            .error_for_status()?;
        c.batch_execute(
            "UPDATE market.marketplace_links SET next_due_at = now() - interval '1 second';
             UPDATE market.products SET next_due_at = now() - interval '1 second';",
        )
        .await?;
        let before = counts(&c).await?;
        let started = Instant::now();
        let tick = sync_orchestrator::tick(&orchestrator).await?;
        drain().await?;
        let wall = started.elapsed().as_secs_f64();
        let after = counts(&c).await?;
        let stats: serde_json::Value = http
            .get(admin_url("/__admin/stats"))
            .send()
            .await?
            .json()
            .await?;
        let jobs = |m: &str| {
            tick.planned_by_kind
                .iter()
                .filter(|(mp, _, _)| mp == m)
                .map(|(_, _, n)| *n)
                .sum::<i64>()
        };
        let (sx_jobs, al_jobs) = (jobs("stockx"), jobs("alias"));
        let sx_calls = stats["endpoints"]["stockx.market_data"]
            .as_i64()
            .unwrap_or(0);
        let al_calls = stats["endpoints"]["alias.availabilities"]
            .as_i64()
            .unwrap_or(0);
        let throttled = stats["total_429"].as_i64().unwrap_or(0);
        let sizes_changed = after.history - before.history;
        println!(
            "| {cycle} | {} | {} / {} | {:.1} | {} | {:.3} | {:.2} | {:.2} | {} | {} | {} | {} | {} |",
            if moved { "moved" } else { "unchanged" },
            sx_jobs,
            al_jobs,
            wall,
            sx_calls,
            wall / (sx_calls.max(1) as f64),
            sx_calls as f64 / sx_jobs.max(1) as f64,
            al_calls as f64 / al_jobs.max(1) as f64,
            throttled,
            sizes_changed,
            // latest rows are rewritten exactly for the changed sizes (new rows count too)
            (after.latest - before.latest) + sizes_changed,
            after.history - before.history,
            after.daily,
        );
    }
    let dlq = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await?;
    let dead = dlq
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                .cloned()
        })
        .unwrap_or_default();
    println!("\nDLQ messages: {dead}");

    // Storage per stored row, after the run.
    println!("\n| table | rows | bytes (heap + indexes + toast) | bytes/row |");
    println!("|---|---|---|---|");
    for (table, size_sql) in [
        (
            "price_history (all partitions)",
            // partitions holding rows (the empty days ahead cost a few pages each, not per row)
            "SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::int8 FROM pg_inherits i
             JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'market.price_history'::regclass AND c.reltuples > 0",
        ),
        (
            "latest_prices",
            "SELECT pg_total_relation_size('market.latest_prices')",
        ),
        (
            "product_daily",
            "SELECT pg_total_relation_size('market.product_daily')",
        ),
    ] {
        let count_sql = match table {
            "latest_prices" => "SELECT count(*) FROM market.latest_prices",
            "product_daily" => "SELECT count(*) FROM market.product_daily",
            _ => "SELECT count(*) FROM market.price_history",
        };
        c.batch_execute(
            "VACUUM ANALYZE market.latest_prices, market.product_daily, market.price_history",
        )
        .await?;
        let rows: i64 = c.query_one(count_sql, &[]).await?.get(0);
        let bytes: i64 = c.query_one(size_sql, &[]).await?.get(0);
        println!(
            "| {table} | {rows} | {bytes} | {:.0} |",
            bytes as f64 / rows.max(1) as f64
        );
    }
    let db_bytes: i64 = c
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await?
        .get(0);
    println!("\ndatabase size: {:.1} MB", db_bytes as f64 / 1_048_576.0);
    Ok(())
}
