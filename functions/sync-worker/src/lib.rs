//! sync-worker: the SQS event source hands it batches; each message is one product on one
//! marketplace. Failures are reported per message (partial batch response); a 429 delays its
//! message by the marketplace's Retry-After instead of retrying hot.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::core::db::{DbError, DbSettings};
use shared::marketplaces::MarketplaceClients;
use shared::sync::queue::JobQueue;
use shared::sync::worker::{Outcome, Received, Worker, WorkerConfig};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] shared::core::config::ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Marketplace(#[from] shared::marketplaces::SetupError),
}

/// Built once per Lambda instance.
pub struct State {
    pub worker: Worker,
    /// For ChangeMessageVisibility; without it a 429 falls back to the queue's visibility timeout.
    pub queue: Option<JobQueue>,
}

impl State {
    pub async fn from_env() -> Result<Self, SetupError> {
        let config = WorkerConfig::from_env()?;
        let settings = DbSettings::from_url(&shared::core::db::database_url_from_env())?;
        // One connection per concurrently processed message, plus one for bookkeeping.
        let pool = settings.pool(config.concurrency + 1)?;
        let clients = MarketplaceClients::from_env(pool.clone()).await?;
        Ok(State {
            worker: Worker::new(pool, clients, config),
            queue: JobQueue::from_env().await,
        })
    }
}

/// The Lambda handler: returns the messages to retry (`ReportBatchItemFailures`).
pub async fn handle(state: &State, event: SqsEvent) -> SqsBatchResponse {
    let mut receipts = std::collections::HashMap::new();
    let messages: Vec<Received> = event
        .records
        .into_iter()
        .map(|r| {
            let message_id = r.message_id.unwrap_or_default();
            if let Some(h) = r.receipt_handle {
                receipts.insert(message_id.clone(), h);
            }
            Received {
                receive_count: r
                    .attributes
                    .get("ApproximateReceiveCount")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1),
                body: r.body.unwrap_or_default(),
                message_id,
            }
        })
        .collect();
    let outcomes = state.worker.process_batch(messages).await;
    shared::ops::metrics::flush_worker_batch();
    let mut failures = Vec::new();
    for (message_id, outcome) in outcomes {
        if let Outcome::Retry { delay } = outcome {
            if let (Some(delay), Some(queue), Some(receipt)) =
                (delay, &state.queue, receipts.get(&message_id))
            {
                if let Err(e) = queue.delay_message(receipt, delay).await {
                    tracing::warn!(%message_id, error = %e, "could not delay the message; it returns after the visibility timeout");
                }
            }
            let mut item = BatchItemFailure::default();
            item.item_identifier = message_id;
            failures.push(item);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
