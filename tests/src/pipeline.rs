//! The sync pipeline wired the way it runs in production, against real parts: a per-test
//! PostgreSQL database, a per-test queue (with DLQ and redrive) on the SQS-compatible server, the
//! sandbox marketplace over HTTP, the real orchestrator and worker handlers, and the local SQS
//! event source feeding the worker.

use std::time::Duration;

use market_cli::sqs_runner::{self, RunnerOptions, RunnerReport};
use sandbox_market::SandboxConfig;
use shared::admin::catalog;
use shared::core::domain::Marketplace;
use shared::marketplaces::MarketplaceClients;
use shared::sync::cleanup::CleanupConfig;
use shared::sync::planner::{PlanConfig, TickSummary};
use shared::sync::queue::JobQueue;
use shared::sync::worker::{Worker, WorkerConfig};

use crate::db::TestDb;
use crate::sandbox::{test_settings, Sandbox};

/// The SQS-compatible server (moto) from `AWS_ENDPOINT_URL_SQS`, default 127.0.0.1:4566.
pub async fn sqs_client() -> aws_sdk_sqs::Client {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SQS")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|_| "http://127.0.0.1:4566".to_string());
    sqs_client_at(&endpoint).await
}

/// A client for the SQS-compatible server at `endpoint`, with the production timeouts.
pub async fn sqs_client_at(endpoint: &str) -> aws_sdk_sqs::Client {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .timeout_config(shared::sync::queue::sqs_timeouts())
        .load()
        .await;
    aws_sdk_sqs::Client::new(&conf)
}

pub struct Pipeline {
    pub db: TestDb,
    pub sandbox: Sandbox,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub dlq_url: String,
    pub orchestrator: sync_orchestrator::State,
    pub worker: sync_worker::State,
}

/// Knobs for one pipeline.
pub struct PipelineOptions {
    pub products: usize,
    pub sandbox: SandboxConfig,
    pub max_receive_count: u32,
    pub visibility_timeout: u32,
    /// The shared limiter's spacing for StockX (ms); the sandbox enforces its own limit.
    pub stockx_interval_ms: u64,
    pub worker: WorkerConfig,
    /// The database also holds the existing app's tables (see `TestDb::with_existing_app`).
    pub existing_app: bool,
    /// Plan sales jobs too. Off by default so the price tests count price calls only; the sales
    /// tests (`sync::sales`) switch it on.
    pub sales: bool,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        let mut sandbox = crate::sandbox::test_config();
        // The limiter against the enforced limit is tested in marketplaces::ratelimit (and measured at
        // the real 1 req/s by the sync benchmark); here the pipeline runs unthrottled so counts
        // per product are exact even on a loaded 2-core machine.
        sandbox.stockx_limit.min_interval_ms = 0;
        PipelineOptions {
            products: 40,
            sandbox,
            max_receive_count: 3,
            visibility_timeout: 2,
            stockx_interval_ms: 4,
            worker: WorkerConfig {
                concurrency: 8,
                max_receive_count: 3,
                retry_delay: Duration::from_secs(1),
                ..WorkerConfig::default()
            },
            existing_app: false,
            sales: false,
        }
    }
}

impl Pipeline {
    pub async fn start(opts: PipelineOptions) -> Pipeline {
        let db = if opts.existing_app {
            TestDb::with_existing_app().await
        } else {
            TestDb::new().await
        };
        let sandbox = Sandbox::start(opts.sandbox).await;
        // The first N products of the real catalogue.
        let parsed = catalog::parse_file(&catalog::default_catalog_path()).expect("catalogue");
        let rows: Vec<_> = parsed.rows.into_iter().take(opts.products).collect();
        let mut c = db.client().await;
        catalog::load(&mut c, &rows).await.expect("seed");
        let pool = db.pool();
        let limiter = shared::marketplaces::RateLimiter::new(pool.clone());
        for (m, ms) in [
            (Marketplace::StockX, opts.stockx_interval_ms),
            (Marketplace::Alias, 1),
        ] {
            limiter
                .configure(
                    m,
                    shared::marketplaces::RateLimitConfig {
                        min_interval: Duration::from_millis(ms),
                        daily_limit: 1_000_000,
                    },
                )
                .await
                .expect("limits");
        }

        let sqs = sqs_client().await;
        let name = format!("sync-{}", db.name);
        let (queue_url, dlq_url) =
            sqs_runner::ensure_queues(&sqs, &name, opts.visibility_timeout, opts.max_receive_count)
                .await
                .expect("queues on the SQS-compatible server (is moto running on 127.0.0.1:4566?)");
        let queue = JobQueue::new(sqs.clone(), queue_url.clone());

        let mut plan = PlanConfig::default();
        if !opts.sales {
            plan.sales.daily_calls = 0;
        }
        let orchestrator = sync_orchestrator::State {
            pool: pool.clone(),
            queue: Some(queue.clone()),
            plan,
            cleanup: CleanupConfig::default(),
            http: reqwest::Client::new(),
            fx_url: sandbox.url("/ecb/eurofxref-daily.xml"),
            configured: vec![Marketplace::StockX, Marketplace::Alias],
        };
        let clients = MarketplaceClients::new(
            pool.clone(),
            Some(sandbox.stockx_config()),
            Some(sandbox.alias_config()),
            test_settings(),
        )
        .expect("clients");
        let worker = sync_worker::State {
            worker: Worker::new(pool, clients, opts.worker),
            queue: Some(queue),
        };
        Pipeline {
            db,
            sandbox,
            sqs,
            queue_url,
            dlq_url,
            orchestrator,
            worker,
        }
    }

    /// An orchestrator like the pipeline's, sending to `queue` instead.
    pub fn orchestrator_with_queue(&self, queue: JobQueue) -> sync_orchestrator::State {
        sync_orchestrator::State {
            pool: self.db.pool(),
            queue: Some(queue),
            plan: self.orchestrator.plan.clone(),
            cleanup: CleanupConfig::default(),
            http: reqwest::Client::new(),
            fx_url: self.sandbox.url("/ecb/eurofxref-daily.xml"),
            configured: vec![Marketplace::StockX, Marketplace::Alias],
        }
    }

    pub async fn tick(&self) -> TickSummary {
        sync_orchestrator::tick(&self.orchestrator)
            .await
            .expect("tick")
    }

    /// Feeds the queue to the worker until it has been empty for a second.
    pub async fn drain(&self) -> RunnerReport {
        let opts = RunnerOptions {
            queue_url: self.queue_url.clone(),
            batch_size: 10,
            wait: Duration::from_secs(1),
            stop_when_idle: Some(Duration::from_millis(1500)),
            max_runtime: Some(Duration::from_secs(600)),
            progress_every: None,
        };
        let worker = &self.worker;
        sqs_runner::run(&self.sqs, &opts, |event| async move {
            Ok(sync_worker::handle(worker, event).await)
        })
        .await
        .expect("event source")
    }

    /// Makes every link due now (as time passing would).
    pub async fn make_everything_due(&self) {
        self.db
            .client()
            .await
            .batch_execute(
                "UPDATE market.marketplace_links SET next_due_at = now() - interval '1 second';
                 UPDATE market.products SET next_due_at = now() - interval '1 second';",
            )
            .await
            .unwrap();
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.db
            .client()
            .await
            .query_one(sql, &[])
            .await
            .unwrap()
            .get(0)
    }

    /// Messages currently in the DLQ.
    pub async fn dlq_depth(&self) -> i64 {
        let a = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.dlq_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap();
        a.attributes()
            .and_then(|m| {
                m.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                    .cloned()
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}
