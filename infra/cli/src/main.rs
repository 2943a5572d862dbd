//! `market`: the operator's command line — migrations, catalogue seed, and local-stack helpers.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use market_cli::sqs_runner::{self, RunnerOptions};
use shared::admin::{catalog, migrate};
use shared::core::db::{database_url_from_env, DbSettings};
use shared::ops::telemetry;
use std::time::Duration;

mod bench;
mod serve_apis;

#[derive(Parser)]
#[command(
    name = "market",
    about = "Sneaker market-data backend: operator commands"
)]
struct Cli {
    /// PostgreSQL URL (default: the local PostgreSQL at 127.0.0.1:5432).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The $0/month cost model: monthly use of every free allowance for a catalogue (tier mix,
    /// cadences, regions), what goes over, and the largest catalogue that stays at $0.
    Cost(Box<market_cli::cost_model::CostArgs>),
    /// Apply pending migrations from supabase/migrations (re-running is a no-op).
    Migrate {
        #[arg(long, default_value_os_t = migrate::default_dir())]
        dir: PathBuf,
    },
    /// Load a catalogue CSV (idempotent). Malformed rows are reported by line and skipped.
    Seed {
        #[arg(long, default_value_os_t = catalog::default_catalog_path())]
        catalog: PathBuf,
        /// Load only the first N valid rows (default: all).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Create the work queue and its dead-letter queue (redrive policy as in template.yaml) on the
    /// SQS endpoint the AWS SDK is configured for (AWS_ENDPOINT_URL_SQS); prints the queue URL.
    Queues {
        #[arg(long, default_value = "sync-jobs")]
        name: String,
        #[arg(long, default_value_t = 360)]
        visibility_timeout: u32,
        #[arg(long, default_value_t = 5)]
        max_receive_count: u32,
        /// Empty the queue (not its dead-letter queue) first: messages an interrupted local run
        /// left behind would otherwise be received, and dropped as stale, before the new ones.
        #[arg(long)]
        purge: bool,
    },
    /// Run one orchestrator tick (or the daily mode) in-process, as the scheduled Lambda would.
    Orchestrate {
        #[arg(long, default_value = "tick")]
        mode: String,
    },
    /// Benchmark a full sync of N products against the sandbox at StockX's real limit (needs an
    /// SQS-compatible server via AWS_ENDPOINT_URL_SQS; creates and drops its own database).
    BenchSync {
        #[arg(long, default_value_t = 500)]
        products: usize,
        /// The shared limiter's spacing of StockX calls (production: 1050).
        #[arg(long, default_value_t = 1050)]
        stockx_interval_ms: u64,
        /// The spacing the sandbox enforces (StockX: 1 request/s).
        #[arg(long, default_value_t = 1000)]
        sandbox_interval_ms: u64,
        #[arg(long, default_value_t = 8)]
        worker_concurrency: usize,
        #[arg(long, default_value_t = 2)]
        cycles: usize,
        #[arg(long)]
        keep_database: bool,
    },
    /// Store a StockX refresh token obtained from a (new) OAuth consent and re-enable StockX. The
    /// token is read from STOCKX_REFRESH_TOKEN so it never appears in the shell history.
    StockxReconsent,
    /// A local demo seller: about 20 pairs of synced products (several brands, size systems and
    /// currencies) in the standalone inventory table, and
    /// a one-day JWT signed with SUPABASE_JWT_SECRET to call /v1/inventory with (local use only).
    DemoUser {
        /// The demo user's id.
        #[arg(long, default_value = "d0000000-0000-4000-8000-00000000d000")]
        user: String,
    },
    /// The per-user rollout of this backend in the existing app (what `GET /v1/me` answers).
    /// Without options it prints the current setting. A user stays on the same side as the
    /// percentage grows (stable bucket per user id).
    Rollout {
        /// Share of users on this backend: 0, 10, 50, 100 or any value in between.
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
        percent: Option<u8>,
        /// Always on this backend (repeatable).
        #[arg(long = "allow")]
        allow: Vec<uuid::Uuid>,
        /// Off the allow-list again (repeatable).
        #[arg(long = "disallow")]
        disallow: Vec<uuid::Uuid>,
        /// `on` sends everyone back to the app's own sync at once; `off` restores the rollout.
        #[arg(long, value_parser = ["on", "off"])]
        kill_switch: Option<String>,
        /// Print which side this user is on, and their bucket.
        #[arg(long)]
        user: Option<uuid::Uuid>,
    },
    /// The local SQS event source: feed queued messages to the worker until the queue is idle.
    RunQueue {
        /// Lambda Invoke API URL of the worker (e.g. cargo lambda watch's
        /// http://127.0.0.1:9000/2015-03-31/functions/sync-worker/invocations). Default: in-process.
        #[arg(long)]
        invoke_url: Option<String>,
        #[arg(long, env = "SYNC_QUEUE_URL")]
        queue_url: String,
        /// Stop after the queue has been empty this many seconds (0 = run until interrupted).
        #[arg(long, default_value_t = 5)]
        idle_secs: u64,
        #[arg(long, default_value_t = 10)]
        batch_size: i32,
    },
    /// API benchmark on a fresh database (seeded catalogue, 90 days of history through the sync
    /// write path, an inventory user); also --setup-only / --write-load for the fuzz and load scripts.
    BenchApi(bench::BenchApiArgs),
    /// Serve market-api and inventory-api over local HTTP (one port each, production paths), each
    /// request converted into the Function URL event the Lambda handler receives.
    ServeApis(serve_apis::ServeApisArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let cli = Cli::parse();
    if let Command::Cost(args) = &cli.command {
        print!("{}", market_cli::cost_model::report(&args.inputs()));
        return Ok(());
    }
    let url = cli.database_url.unwrap_or_else(database_url_from_env);
    let settings = DbSettings::from_url(&url)?;
    // The functions read DATABASE_URL themselves when run in-process.
    std::env::set_var("DATABASE_URL", &url);
    match cli.command {
        Command::Cost(_) => unreachable!("handled above: needs no database"),
        Command::Migrate { dir } => {
            let migrations = migrate::discover(&dir)?;
            let mut client = settings.connect().await?;
            let report = migrate::apply(&mut client, &migrations).await?;
            println!(
                "migrations: {} applied, {} already applied",
                report.applied.len(),
                report.already_applied
            );
            for name in report.applied {
                println!("  applied {name}");
            }
        }
        Command::Seed {
            catalog: path,
            limit,
        } => {
            let started = std::time::Instant::now();
            let mut parsed = catalog::parse_file(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            for e in &parsed.errors {
                eprintln!("{}: skipped {e}", path.display());
            }
            if let Some(n) = limit {
                parsed.rows.truncate(n);
            }
            let mut client = settings.connect().await?;
            let r = catalog::load(&mut client, &parsed.rows).await?;
            println!(
                "seed: {} rows ({} rejected); products +{} inserted, {} updated; sizes +{}; StockX links +{} ({} ids already linked elsewhere); {:.2}s",
                r.rows,
                parsed.errors.len(),
                r.products_inserted,
                r.products_updated,
                r.variants_inserted,
                r.stockx_links_inserted,
                r.stockx_links_conflicting,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Queues {
            name,
            visibility_timeout,
            max_receive_count,
            purge,
        } => {
            let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let sqs = aws_sdk_sqs::Client::new(&conf);
            let (queue, dlq) =
                sqs_runner::ensure_queues(&sqs, &name, visibility_timeout, max_receive_count)
                    .await?;
            if purge {
                let left = sqs_runner::purge(&sqs, &queue).await?;
                eprintln!("queue purged: {left} messages from an earlier run dropped");
            }
            eprintln!("dead-letter queue: {dlq}");
            println!("{queue}");
        }
        Command::BenchSync {
            products,
            stockx_interval_ms,
            sandbox_interval_ms,
            worker_concurrency,
            cycles,
            keep_database,
        } => {
            bench::sync::run(bench::sync::BenchOptions {
                admin_url: url.clone(),
                products,
                stockx_interval_ms,
                sandbox_interval_ms,
                worker_concurrency,
                cycles,
                keep_database,
            })
            .await?;
        }
        Command::StockxReconsent => {
            let token = shared::core::config::required("STOCKX_REFRESH_TOKEN")?;
            let pool = settings.pool(1)?;
            shared::marketplaces::stockx::tokens::reconsent(&pool, &token).await?;
            println!("StockX refresh token stored; StockX is enabled");
        }
        Command::Rollout {
            percent,
            allow,
            disallow,
            kill_switch,
            user,
        } => {
            use shared::core::rollout::{bucket, Rollout};
            let client = settings.connect().await?;
            let mut r = Rollout::load(&client).await?;
            let changed = percent.is_some()
                || !allow.is_empty()
                || !disallow.is_empty()
                || kill_switch.is_some();
            if let Some(p) = percent {
                r.percent = p;
            }
            for u in allow {
                if !r.allow_list.contains(&u) {
                    r.allow_list.push(u);
                }
            }
            r.allow_list.retain(|u| !disallow.contains(u));
            if let Some(k) = kill_switch {
                r.kill_switch = k == "on";
            }
            if changed {
                r.save(&client).await?;
            }
            println!(
                "rollout: {} % of users on this backend, {} allow-listed, kill switch {}",
                r.percent,
                r.allow_list.len(),
                if r.kill_switch { "ON" } else { "off" }
            );
            if let Some(u) = user {
                let (backend, reason) = r.decide(u);
                println!("user {u}: bucket {}, {backend:?} ({reason:?})", bucket(u));
            }
        }
        Command::DemoUser { user } => {
            let user: uuid::Uuid = user.parse().context("--user must be a UUID")?;
            let secret = shared::core::config::required("SUPABASE_JWT_SECRET")?;
            let client = settings.connect().await?;
            // About 20 pairs across brands, size systems (US men's and women's, UK, EU) and
            // purchase currencies and sources, priced products first (any products when nothing is priced yet),
            // one sold pair; nothing is added when the user already has pairs.
            let added = client
                .execute(
                    "WITH ranked AS (
                       SELECT p.style_code, p.gender,
                              row_number() OVER (PARTITION BY lower(p.brand) ORDER BY p.id) AS per_brand,
                              EXISTS (SELECT 1 FROM market.size_variants v
                                      JOIN market.latest_prices l ON l.variant_id = v.id
                                      WHERE v.product_id = p.id) AS priced,
                              p.id
                       FROM market.products p
                     ), picked AS (
                       SELECT style_code, gender, row_number() OVER (ORDER BY priced DESC, per_brand, id) AS n
                       FROM ranked
                       ORDER BY priced DESC, per_brand, id
                       LIMIT 20
                     )
                     INSERT INTO market.inventory_items (user_id, style_id, size, size_unit, purchase_price,
                                                         purchase_currency, purchase_date, purchase_source,
                                                         status)
                     SELECT $1, style_code,
                            CASE WHEN gender = 'women' THEN (ARRAY['7', '7.5W', '8', 'W8.5'])[1 + n % 4]
                                 ELSE (ARRAY['10', '9', '44', '10.5', '8.5', '42.5', '11', '8', '9.5', '12'])[1 + n % 10] END,
                            CASE WHEN gender = 'women' THEN 'US'
                                 ELSE (ARRAY['US', 'UK', 'EU', 'US', 'UK', 'EU', 'US', 'US', 'US', 'US'])[1 + n % 10] END,
                            (120 + (n * 37) % 180)::numeric(10, 2),
                            (ARRAY['USD', 'GBP', 'EUR'])[1 + n % 3],
                            current_date - (n * 11)::int,
                            (ARRAY['Nike SNKRS', 'eBay', 'Laced', 'END. Launches', NULL])[1 + n % 5],
                            CASE WHEN n = 20 THEN 'sold' ELSE 'in_stock' END
                     FROM picked
                     WHERE NOT EXISTS (SELECT 1 FROM market.inventory_items i WHERE i.user_id = $1)",
                    &[&user],
                )
                .await?;
            let token = bench::api::token(&user.to_string(), &secret)?;
            eprintln!("demo user {user}: {added} pairs added (none when it already had some)");
            println!("{token}");
        }
        Command::Orchestrate { mode } => {
            let state = sync_orchestrator::State::from_env().await?;
            let out =
                sync_orchestrator::handle(&state, serde_json::json!({ "mode": mode })).await?;
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Command::RunQueue {
            invoke_url,
            queue_url,
            idle_secs,
            batch_size,
        } => {
            let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let sqs = aws_sdk_sqs::Client::new(&conf);
            let opts = RunnerOptions {
                queue_url,
                batch_size,
                wait: Duration::from_secs(2),
                stop_when_idle: (idle_secs > 0).then(|| Duration::from_secs(idle_secs)),
                max_runtime: None,
                progress_every: Some(Duration::from_secs(10)),
            };
            let report = match invoke_url {
                Some(url) => {
                    let http = reqwest::Client::new();
                    sqs_runner::run(&sqs, &opts, |event| {
                        sqs_runner::invoke_http(&http, &url, event)
                    })
                    .await?
                }
                None => {
                    let state = sync_worker::State::from_env().await?;
                    let state = &state;
                    sqs_runner::run(&sqs, &opts, |event| async move {
                        Ok(sync_worker::handle(state, event).await)
                    })
                    .await?
                }
            };
            println!(
                "event source: {} batches, {} messages, {} deleted, {} left for retry",
                report.batches, report.messages, report.deleted, report.failed
            );
        }
        Command::BenchApi(args) => bench::api::run(&settings, &url, args).await?,
        Command::ServeApis(args) => serve_apis::run(args).await?,
    }
    Ok(())
}
