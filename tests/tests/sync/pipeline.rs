//! The sync pipeline end to end: orchestrator tick → SQS → event source → worker → rows, against
//! the sandbox marketplace over HTTP, a real SQS-protocol server and a real PostgreSQL.

use e2e_tests::pipeline::{Pipeline, PipelineOptions};
use serde_json::json;

const STATE: &str = "SELECT
    (SELECT count(*) FROM market.latest_prices),
    (SELECT count(*) FROM market.price_history),
    (SELECT count(*) FROM market.product_daily),
    (SELECT coalesce(sum(extract(epoch FROM observed_at)), 0)::int8 FROM market.product_daily),
    (SELECT coalesce(sum(hashtext(variant_id || ':' || marketplace_id || region || coalesce(ask_minor, -1) || ':' || coalesce(bid_minor, -1) || ':' || coalesce(last_sale_minor, -1))), 0)::int8 FROM market.latest_prices),
    (SELECT coalesce(sum(hashtext(variant_id || ':' || marketplace_id || captured_at::text || coalesce(ask_minor, -1))), 0)::int8 FROM market.price_history)";

async fn state(p: &Pipeline) -> Vec<i64> {
    let r = p.db.client().await.query_one(STATE, &[]).await.unwrap();
    (0..6).map(|i| r.get(i)).collect()
}

type LatestPrices = std::collections::HashMap<(i32, i16), (Option<i64>, Option<i64>, Option<i64>)>;

async fn latest_prices(p: &Pipeline) -> LatestPrices {
    p.db
        .client()
        .await
        .query(
            "SELECT variant_id, marketplace_id, ask_minor, bid_minor, last_sale_minor FROM market.latest_prices",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3), r.get(4))))
        .collect()
}

/// Every planned job ended: succeeded, or failed/dead with a recorded reason.
async fn assert_every_job_accounted_for(p: &Pipeline) {
    let open: Vec<String> = p
        .db
        .client()
        .await
        .query(
            "SELECT format('job %s %s/%s %s attempts=%s %s: %s', id, product_id, marketplace_id, status, attempts, error_kind, error_message)
             FROM market.sync_jobs WHERE status IN ('queued', 'running')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(open.is_empty(), "no job is left open: {open:#?}");
    let unexplained = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status IN ('failed', 'dead') AND (error_kind IS NULL OR error_message IS NULL)")
        .await;
    assert_eq!(unexplained, 0, "every failure has a recorded reason");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_cycle_over_500_products_fills_prices_and_a_second_writes_only_changes() {
    let p = Pipeline::start(PipelineOptions {
        products: 500,
        ..PipelineOptions::default()
    })
    .await;

    // Cycle 1: mapping (+ first prices) for every product on both marketplaces.
    let first = p.tick().await;
    if first.planned != 1000 {
        // What the planner saw, to tell a budget, due-time or open-job cause apart.
        let r = p
            .db
            .client()
            .await
            .query_one(
                "SELECT (SELECT count(*) FROM market.products),
                        (SELECT count(*) FROM market.products WHERE next_due_at <= now()),
                        (SELECT count(*) FROM market.sync_jobs),
                        (SELECT string_agg(format('%s:%s/%s', marketplace_id, used_today, daily_limit), ' ')
                           FROM market.rate_limits)",
                &[],
            )
            .await
            .unwrap();
        let (products, due, jobs, limits): (i64, i64, i64, Option<String>) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        panic!(
            "planned {} of 1000: products {products}, due {due}, jobs {jobs}, limits {limits:?}; {first:?}",
            first.planned
        );
    }
    assert_eq!(first.enqueued, 1000);
    let report = p.drain().await;
    assert!(report.messages >= 1000);
    assert_every_job_accounted_for(&p).await;
    let succeeded = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status = 'succeeded'")
        .await;
    let failed = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status <> 'succeeded'")
        .await;
    // The sandbox leaves ~5% of products off one marketplace: those fail as unmappable.
    assert!(succeeded >= 900, "succeeded {succeeded}, failed {failed}");
    let not_unmappable = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status <> 'succeeded' AND error_kind NOT IN ('unmappable', 'not_found')")
        .await;
    assert_eq!(not_unmappable, 0);
    let synced_products = p
        .count("SELECT count(DISTINCT sv.product_id) FROM market.latest_prices lp JOIN market.size_variants sv ON sv.id = lp.variant_id")
        .await;
    assert!(
        synced_products >= 490,
        "{synced_products} products have prices"
    );
    let after_first = state(&p).await;
    assert!(after_first[0] > 5000, "latest prices: {}", after_first[0]);
    assert_eq!(
        after_first[1], after_first[0],
        "every first observation is history"
    );
    assert!(after_first[2] > 0, "the products' daily series");

    // Cycle 2, prices unchanged: one call per product per marketplace, no history written.
    p.sandbox.reset().await;
    p.make_everything_due().await;
    let second = p.tick().await;
    let prices_jobs = second
        .planned_by_kind
        .iter()
        .filter(|(_, k, _)| k == "prices")
        .map(|(_, _, n)| *n)
        .sum::<i64>();
    assert_eq!(prices_jobs, succeeded);
    p.drain().await;
    assert_every_job_accounted_for(&p).await;
    let stats = p.sandbox.stats().await;
    let stockx_prices = second
        .planned_by_kind
        .iter()
        .find(|(m, k, _)| m == "stockx" && k == "prices")
        .unwrap()
        .2;
    let alias_prices = second
        .planned_by_kind
        .iter()
        .find(|(m, k, _)| m == "alias" && k == "prices")
        .unwrap()
        .2;
    assert_eq!(
        stats["endpoints"]["stockx.market_data"].as_i64().unwrap(),
        stockx_prices,
        "{stats}"
    );
    assert_eq!(
        stats["endpoints"]["alias.availabilities"].as_i64().unwrap(),
        alias_prices,
        "{stats}"
    );
    assert_eq!(stats["total_429"].as_i64().unwrap_or(0), 0);
    let after_second = state(&p).await;
    assert_eq!(after_second[0], after_first[0]);
    assert_eq!(
        after_second[1], after_first[1],
        "unchanged prices write no history"
    );
    assert_eq!(after_second[4], after_first[4], "latest prices unchanged");
    assert!(
        after_second[3] > after_first[3],
        "the daily series took the new observations"
    );

    // Cycle 3, prices moved: exactly the changed rows are written.
    p.sandbox
        .post("/__admin/advance", json!({"buckets": 1}))
        .await;
    p.make_everything_due().await;
    let before_latest = latest_prices(&p).await;
    p.tick().await;
    p.drain().await;
    assert_every_job_accounted_for(&p).await;
    let after_latest = latest_prices(&p).await;
    let changed = after_latest
        .iter()
        .filter(|(k, v)| before_latest.get(k) != Some(v))
        .count() as i64;
    assert!(changed > 0, "the sandbox moved some prices");
    let after_third = state(&p).await;
    assert_eq!(
        after_third[1] - after_second[1],
        changed,
        "one history row per changed size, no more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_message_delivered_twice_leaves_identical_state() {
    let p = Pipeline::start(PipelineOptions {
        products: 6,
        ..PipelineOptions::default()
    })
    .await;
    p.tick().await;
    p.drain().await;
    p.make_everything_due().await;
    p.tick().await;

    // Receive one batch and hand the same event to the worker twice (a redelivery after a
    // worker crashed before deleting it).
    let msgs = p
        .sqs
        .receive_message()
        .queue_url(&p.queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(2)
        .send()
        .await
        .unwrap();
    let messages = msgs.messages().to_vec();
    assert!(!messages.is_empty());
    let event = market_cli::sqs_runner::to_event(
        &messages,
        "arn:aws:sqs:us-east-1:000000000000:q",
        "us-east-1",
    );
    let first = sync_worker::handle(&p.worker, event.clone()).await;
    assert!(
        first.batch_item_failures.is_empty(),
        "{:?}",
        first.batch_item_failures
    );
    let once = state(&p).await;
    let jobs_once = p
        .count("SELECT sum(attempts)::int8 FROM market.sync_jobs")
        .await;
    let second = sync_worker::handle(&p.worker, event).await;
    assert!(second.batch_item_failures.is_empty());
    assert_eq!(state(&p).await, once, "the redelivery changed nothing");
    assert_eq!(
        p.count("SELECT sum(attempts)::int8 FROM market.sync_jobs")
            .await,
        jobs_once,
        "a finished job is acknowledged without work"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_overlapping_ticks_never_enqueue_the_same_work_twice() {
    let p = Pipeline::start(PipelineOptions {
        products: 60,
        ..PipelineOptions::default()
    })
    .await;
    let (a, b) = tokio::join!(
        sync_orchestrator::tick(&p.orchestrator),
        sync_orchestrator::tick(&p.orchestrator)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.planned + b.planned, 120, "{a:?} {b:?}");
    let dupes = p
        .count("SELECT count(*) FROM (SELECT product_id, marketplace_id FROM market.sync_jobs GROUP BY 1, 2 HAVING count(*) > 1) d")
        .await;
    assert_eq!(dupes, 0);
    // A third tick while the work is still queued plans nothing.
    assert_eq!(p.tick().await.planned, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sandbox_faults_end_in_synced_products_or_recorded_reasons() {
    let p = Pipeline::start(PipelineOptions {
        products: 30,
        ..PipelineOptions::default()
    })
    .await;
    let gone = p.sandbox.plain_product();
    p.tick().await;
    p.drain().await;
    p.make_everything_due().await;

    // Every kind of misbehaviour at once, for a burst, on both marketplaces.
    p.sandbox
        .faults(json!({
            "throttle_next": 6,
            "retry_after": true,
            "fail_next": 6,
            "malformed_next": 4,
            "malformed_kind": "html",
            "expire_access_tokens": true,
            "not_found": [gone.style_code],
        }))
        .await;
    p.tick().await;
    let report = p.drain().await;
    assert!(
        report.failed > 0,
        "faults made some attempts fail: {report:?}"
    );
    assert_every_job_accounted_for(&p).await;
    let second_round_ok = p
        .count(
            "SELECT count(*) FROM market.sync_jobs WHERE kind = 'prices' AND status = 'succeeded'",
        )
        .await;
    assert!(
        second_round_ok >= 50,
        "{second_round_ok} products synced despite the faults"
    );
    let gone_links = p
        .count(&format!(
            "SELECT count(*) FROM market.marketplace_links l JOIN market.products p ON p.id = l.product_id
             WHERE p.style_code = '{}' AND l.status = 'gone'",
            gone.style_code
        ))
        .await;
    assert!(gone_links >= 1, "the product that 404s is marked gone");
    let retried = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE kind = 'prices' AND attempts > 1 AND status = 'succeeded'")
        .await;
    assert!(
        retried > 0,
        "retryable failures were retried and then succeeded"
    );
    // No partial writes: each succeeded job has its observation, no failed job left one behind.
    let orphan = p
        .count(
            "SELECT count(*) FROM market.sync_jobs j WHERE j.status = 'failed' AND j.kind = 'prices'
               AND EXISTS (SELECT 1 FROM market.market_observations o
                           WHERE o.product_id = j.product_id AND o.marketplace_id = j.marketplace_id
                             AND o.observed_at > j.started_at)",
        )
        .await;
    assert_eq!(orphan, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_and_hopeless_messages_end_in_the_dead_letter_queue() {
    let p = Pipeline::start(PipelineOptions {
        products: 4,
        ..PipelineOptions::default()
    })
    .await;
    p.sqs
        .send_message()
        .queue_url(&p.queue_url)
        .message_body("{not json")
        .send()
        .await
        .unwrap();
    // Every call to the marketplaces fails with 503 for long enough to exhaust the retries.
    p.sandbox
        .faults(json!({"error_per_mille": 1000, "error_status": 503}))
        .await;
    p.tick().await;
    p.drain().await;
    let dead = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status = 'dead'")
        .await;
    assert_eq!(
        dead, 8,
        "every job exhausted its receives and is marked dead"
    );
    assert_eq!(
        p.dlq_depth().await,
        9,
        "the 8 jobs and the poison message are in the DLQ"
    );
    let reasons = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status = 'dead' AND error_kind = 'retryable' AND attempts = 3")
        .await;
    assert_eq!(reasons, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_connections_killed_mid_batch_lose_and_duplicate_nothing() {
    let p = Pipeline::start(PipelineOptions {
        products: 40,
        ..PipelineOptions::default()
    })
    .await;
    // Slow the marketplaces a little so batches are in flight when the connections die.
    p.sandbox.faults(json!({"latency_ms": 30})).await;
    p.tick().await;
    let admin = p.db.client().await;
    let db_name = p.db.name.clone();
    let killer = tokio::spawn(async move {
        // Kill early and often: on a fast, idle machine the drain may last only a second or
        // two, and the assertion below needs at least one kill while work is in flight.
        let mut killed = 0i64;
        for _ in 0..8 {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let n: i64 = admin
                .query_one(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                      WHERE datname = $1 AND pid <> pg_backend_pid()) t",
                    &[&db_name],
                )
                .await
                .unwrap()
                .get(0);
            killed += n;
        }
        killed
    });
    p.drain().await;
    let killed = killer.await.unwrap();
    assert!(killed > 0, "connections were terminated mid-run");
    // Whatever was interrupted came back and finished.
    p.drain().await;
    assert_every_job_accounted_for(&p).await;
    let ok = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status = 'succeeded'")
        .await;
    // Products the sandbox does not list on one marketplace end as unmappable / not found.
    let unmappable = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status = 'failed' AND error_kind IN ('unmappable', 'not_found')")
        .await;
    let others: Vec<String> = p
        .db
        .client()
        .await
        .query(
            "SELECT format('job %s %s attempts=%s %s: %s', id, status, attempts, error_kind, error_message)
             FROM market.sync_jobs WHERE status <> 'succeeded' AND error_kind NOT IN ('unmappable', 'not_found')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ok + unmappable, 80, "every job finished: {others:#?}");
    // No duplicates: exactly one first observation per latest price.
    let s = state(&p).await;
    assert_eq!(
        s[0], s[1],
        "one history row per latest price after a single cycle"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoked_stockx_refresh_token_stops_stockx_while_alias_keeps_syncing() {
    let p = Pipeline::start(PipelineOptions {
        products: 8,
        ..PipelineOptions::default()
    })
    .await;
    p.tick().await;
    p.drain().await;
    p.make_everything_due().await;
    // The refresh token is revoked (consent withdrawn, or expired after 30 days) and the current
    // access token expires: StockX cannot be used until a human consents again.
    p.sandbox
        .faults(json!({"revoke_refresh_tokens": true, "expire_access_tokens": true}))
        .await;
    let tick = p.tick().await;
    p.drain().await;
    assert_every_job_accounted_for(&p).await;
    let run = tick.run_id;
    let stockx_auth = p
        .count(&format!(
            "SELECT count(*) FROM market.sync_jobs WHERE run_id = {run} AND marketplace_id = 1
               AND status = 'failed' AND error_kind IN ('auth', 'disabled')"
        ))
        .await;
    let stockx_jobs = p
        .count(&format!(
            "SELECT count(*) FROM market.sync_jobs WHERE run_id = {run} AND marketplace_id = 1"
        ))
        .await;
    assert_eq!(
        stockx_auth, stockx_jobs,
        "every StockX job stopped on the credentials"
    );
    let alias_ok = p
        .count(&format!(
            "SELECT count(*) FROM market.sync_jobs WHERE run_id = {run} AND marketplace_id = 2 AND status = 'succeeded'"
        ))
        .await;
    assert!(alias_ok >= 6, "Alias kept syncing: {alias_ok}");
    let needs_reauth = p
        .count("SELECT count(*) FROM market.marketplace_credentials WHERE marketplace_id = 1 AND needs_reauth")
        .await;
    assert_eq!(needs_reauth, 1);
    // The next tick plans no StockX work until someone consents again.
    p.make_everything_due().await;
    let next = p.tick().await;
    assert!(next.planned > 0);
    assert!(
        next.planned_by_kind.iter().all(|(m, _, _)| m == "alias"),
        "{:?}",
        next.planned_by_kind
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_market_page_shows_synced_prices_as_of_the_latest_sync_even_when_unchanged() {
    let p = Pipeline::start(PipelineOptions {
        products: 3,
        ..PipelineOptions::default()
    })
    .await;
    p.tick().await;
    p.drain().await;
    let style: String = p
        .db
        .client()
        .await
        .query_one(
            "SELECT p.style_code FROM market.products p JOIN market.market_observations o ON o.product_id = p.id
             GROUP BY p.style_code ORDER BY count(*) DESC, p.style_code LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let after_first = chrono::Utc::now();
    p.make_everything_due().await;
    p.tick().await;
    p.drain().await;
    assert_eq!(
        p.count("SELECT count(*) FROM market.price_history WHERE captured_at > now() - interval '1 hour'")
            .await,
        p.count("SELECT count(*) FROM market.latest_prices").await,
        "the second sync saw unchanged prices and wrote no history"
    );

    let api = market_api::State::new(
        p.db.pool(),
        shared::api::Cors::new("https://app.example.com"),
        shared::valuation::fees::FeeSchedule::default(),
    );
    let resp = e2e_tests::api::Resp::from_lambda(
        market_api::handle(
            &api,
            e2e_tests::api::get(&format!("/v1/products/{style}"), "", &[]),
        )
        .await,
    );
    assert_eq!(resp.status, 200);
    let page = resp.json();
    let mut quotes = 0;
    for size in page["sizes"].as_array().unwrap() {
        for q in size["marketplaces"].as_array().unwrap() {
            let at: chrono::DateTime<chrono::Utc> =
                q["observed_at"].as_str().unwrap().parse().unwrap();
            assert!(
                at > after_first,
                "{at} is the second sync's time, not the first's"
            );
            quotes += 1;
        }
    }
    assert!(quotes > 0);
    assert_eq!(page["freshness"]["stale"], false, "{}", page["freshness"]);
}
