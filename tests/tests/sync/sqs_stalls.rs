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
