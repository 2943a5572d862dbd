//! A hung SQS (a server that accepts connections and never answers): sends are bounded by the
//! SDK timeouts and the queue's send budget, a tick finishes and closes its run, the jobs whose
//! message was not sent are recorded as lost, and the next tick with a working queue re-plans them.

use std::time::Duration;

use e2e_tests::pipeline::{sqs_client_at, Pipeline, PipelineOptions};
use shared::core::domain::Marketplace;
use shared::sync::jobs::{JobKind, JobMessage};
use shared::sync::queue::JobQueue;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// Accepts every connection and reads forever without answering.
async fn hung_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_send_to_a_hung_queue_returns_every_message_as_failed() {
    let url = hung_server().await;
    let queue = JobQueue::new(
        sqs_client_at(&url).await,
        format!("{url}/000000000000/hung"),
    )
    .with_send_budget(Duration::from_secs(2));
    let messages: Vec<JobMessage> = (1..=25)
        .map(|i| JobMessage {
            job_id: i,
            product_id: i as i32,
            marketplace: Marketplace::StockX,
            kind: JobKind::Prices,
        })
        .collect();
    // Without the bounds this never returns; the outer timeout only turns a hang into a failure.
    let report = tokio::time::timeout(Duration::from_secs(60), queue.send(&messages))
        .await
        .expect("send returns despite the hung queue");
    assert!(report.sent.is_empty());
    assert_eq!(report.failed.len(), 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tick_against_a_hung_queue_finishes_and_the_next_tick_replans() {
    let p = Pipeline::start(PipelineOptions {
        products: 5,
        ..PipelineOptions::default()
    })
    .await;
    let url = hung_server().await;
    let hung = p.orchestrator_with_queue(
        JobQueue::new(
            sqs_client_at(&url).await,
            format!("{url}/000000000000/hung"),
        )
        .with_send_budget(Duration::from_secs(2)),
    );
    let summary = tokio::time::timeout(Duration::from_secs(60), sync_orchestrator::tick(&hung))
        .await
        .expect("the tick finishes")
        .expect("tick");
    assert!(summary.planned > 0);
    assert_eq!(summary.enqueued, 0);
    assert_eq!(summary.send_failures, summary.planned);
    let c = p.db.client().await;
    let (running, lost): (i64, i64) = {
        let r = c
            .query_one(
                "SELECT (SELECT count(*) FROM market.sync_runs WHERE status = 'running'),
                        (SELECT count(*) FROM market.sync_jobs WHERE error_kind = 'lost')",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(running, 0, "the run is closed");
    assert_eq!(lost, summary.planned, "unsent jobs are not left open");

    // SQS is back: the same work is planned again and done.
    let again = p.tick().await;
    assert_eq!(again.planned, summary.planned);
    assert_eq!(again.enqueued, again.planned);
    p.drain().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_jobs_are_released_after_the_window_the_queues_settings_imply() {
    // Visibility 30 s and 2 receives: a message is done with after 30 x (2 + 1) = 90 s.
    let p = Pipeline::start(PipelineOptions {
        products: 3,
        visibility_timeout: 30,
        max_receive_count: 2,
        ..PipelineOptions::default()
    })
    .await;
    let mut orchestrator =
        p.orchestrator_with_queue(JobQueue::new(p.sqs.clone(), p.queue_url.clone()));
    orchestrator.plan.stale_job_from_queue = true;
    let first = sync_orchestrator::tick(&orchestrator).await.expect("tick");
    assert_eq!(first.planned, 6, "3 products x 2 marketplaces");
    // Nobody works the queue. Half the jobs are 100 s old (past the window), half 60 s (inside).
    let c = p.db.client().await;
    c.batch_execute(
        "UPDATE market.sync_jobs SET enqueued_at = now() - CASE WHEN marketplace_id = 1
           THEN interval '100 seconds' ELSE interval '60 seconds' END",
    )
    .await
    .unwrap();
    let second = sync_orchestrator::tick(&orchestrator).await.expect("tick");
    assert_eq!(second.stale_jobs_released, 3);
    assert_eq!(
        second.planned, 3,
        "the released products are planned again at once"
    );
    let lost: i64 = c
        .query_one(
            "SELECT count(*) FROM market.sync_jobs WHERE error_kind = 'lost' AND marketplace_id = 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(lost, 3);

    // With the window fixed (SYNC_STALE_JOB_HOURS, here the 6 h default) nothing more is released.
    c.batch_execute("UPDATE market.sync_jobs SET enqueued_at = now() - interval '100 seconds'")
        .await
        .unwrap();
    let fixed = p.tick().await;
    assert_eq!(fixed.stale_jobs_released, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_request_against_a_hung_queue_is_bounded_and_its_jobs_are_replanned() {
    let p = Pipeline::start(PipelineOptions {
        products: 4,
        ..PipelineOptions::default()
    })
    .await;
    let c = p.db.client().await;
    let user = uuid::Uuid::new_v4();
    // Four pairs of four never-synced products: each needs a map job per marketplace.
    c.batch_execute(&format!(
        "INSERT INTO market.inventory_items (user_id, style_id, size, purchase_price, purchase_currency)
         SELECT '{user}', style_code, '10', 120.00, 'USD' FROM market.products"
    ))
    .await
    .unwrap();
    let url = hung_server().await;
    let queue = JobQueue::new(
        sqs_client_at(&url).await,
        format!("{url}/000000000000/hung"),
    )
    .with_send_budget(Duration::from_millis(1500));
    let s = e2e_tests::api::inventory_state(p.db.pool(), Some(queue));
    let auth = e2e_tests::api::bearer(user);
    // Without the bounds this never returns; the outer timeout only turns a hang into a failure.
    let response = tokio::time::timeout(
        Duration::from_secs(60),
        inventory_api::handle(
            &s,
            e2e_tests::api::get("/v1/inventory", "", &[("authorization", &auth)]),
        ),
    )
    .await
    .expect("the request returns despite the hung queue");
    let r = e2e_tests::api::Resp::from_lambda(response);
    assert_eq!(r.status, 200, "the user gets their inventory regardless");
    let (open, lost): (i64, i64) = {
        let row = c
            .query_one(
                "SELECT count(*) FILTER (WHERE status IN ('queued', 'running')),
                        count(*) FILTER (WHERE error_kind = 'lost')
                 FROM market.sync_jobs WHERE requested_by IS NOT NULL",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(
        (open, lost),
        (0, 8),
        "unsent on-demand jobs are closed, not left open"
    );
    // The next tick (SQS back) plans that work at once.
    let tick = p.tick().await;
    assert_eq!(tick.planned, 8);
    assert_eq!(tick.enqueued, 8);
}
