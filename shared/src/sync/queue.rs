//! The SQS work queue: sending job messages in batches of ten (re-sending failed entries) and
//! changing a message's visibility when a marketplace asks us to wait.
//!
//! The AWS SDK's standard endpoint override (`AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_SQS`) lets the
//! same code talk to a local SQS-compatible server.

use std::time::Duration;

use aws_sdk_sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};

use super::jobs::JobMessage;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("SQS {operation} failed: {message}")]
    Sqs {
        operation: &'static str,
        message: String,
    },
}

/// The outcome of sending a set of messages.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendReport {
    pub sent: Vec<i64>,
    /// Job ids whose message could not be sent after retries, with the last error.
    pub failed: Vec<(i64, String)>,
}

#[derive(Clone)]
pub struct JobQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    /// The most one `send` may take, all batches and retries included.
    send_budget: Duration,
}

const SEND_ATTEMPTS: usize = 3;
/// One batch's outcome: job ids sent, and job ids not sent with the last error.
type ChunkOutcome = (Vec<i64>, Vec<(i64, String)>);
/// Batches of ten sent at once.
const SEND_PARALLELISM: usize = 4;
/// The orchestrator's default: a tick of thousands of jobs sends in seconds to SQS and must not
/// be cut short; the inventory API sets a much smaller budget (`SQS_SEND_BUDGET_MS`).
const DEFAULT_SEND_BUDGET: Duration = Duration::from_secs(120);

/// SDK timeouts for every SQS call (a hung or unreachable SQS must not hang a request or a tick):
/// `SQS_TIMEOUT_MS` per attempt (default 5,000), twice that per operation with the SDK's retries,
/// one second to connect.
pub fn sqs_timeouts() -> aws_config::timeout::TimeoutConfig {
    let attempt = Duration::from_millis(
        crate::core::config::parsed("SQS_TIMEOUT_MS", 5_000u64)
            .unwrap_or(5_000)
            .clamp(100, 60_000),
    );
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(attempt)
        .operation_timeout(attempt * 2)
        .build()
}

/// The AWS configuration chain (region, credentials, `AWS_ENDPOINT_URL_SQS`) with [`sqs_timeouts`].
pub async fn sqs_client() -> aws_sdk_sqs::Client {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(sqs_timeouts())
        .load()
        .await;
    aws_sdk_sqs::Client::new(&conf)
}

impl JobQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        JobQueue {
            client,
            url: url.into(),
            send_budget: DEFAULT_SEND_BUDGET,
        }
    }

    /// Bounds every later `send` to `budget` in all.
    pub fn with_send_budget(mut self, budget: Duration) -> Self {
        self.send_budget = budget;
        self
    }

    /// The queue named by `SYNC_QUEUE_URL` (with [`sqs_timeouts`]); `SQS_SEND_BUDGET_MS` (default
    /// 120,000) bounds one `send`.
    pub async fn from_env() -> Option<Self> {
        Self::from_env_with_budget(DEFAULT_SEND_BUDGET).await
    }

    /// [`JobQueue::from_env`] with another default send budget (a request handler waits on its
    /// send, so its default is seconds, not minutes).
    pub async fn from_env_with_budget(default_budget: Duration) -> Option<Self> {
        let url = crate::core::config::optional("SYNC_QUEUE_URL")?;
        let default_ms = default_budget.as_millis() as u64;
        let budget =
            crate::core::config::parsed("SQS_SEND_BUDGET_MS", default_ms).unwrap_or(default_ms);
        Some(
            JobQueue::new(sqs_client().await, url)
                .with_send_budget(Duration::from_millis(budget.clamp(100, 600_000))),
        )
    }

    pub fn client(&self) -> &aws_sdk_sqs::Client {
        &self.client
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends messages with `SendMessageBatch`, ten per call and [`SEND_PARALLELISM`] calls at once;
    /// entries SQS reports as failed are re-sent (up to three attempts in all). Whatever is not
    /// sent within the queue's send budget is reported failed (the next tick re-sends it), so a
    /// hung SQS bounds the caller instead of hanging it.
    pub async fn send(&self, messages: &[JobMessage]) -> SendReport {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + self.send_budget;
        // Futures built first (a Vec of one concrete type) so the stream holds no borrowing
        // closure: that keeps the whole request future `Send` for the Lambda runtime.
        let sends: Vec<_> = messages
            .chunks(10)
            .map(|chunk| self.send_chunk_by(chunk, deadline))
            .collect();
        let results: Vec<ChunkOutcome> = futures::stream::iter(sends)
            .buffer_unordered(SEND_PARALLELISM)
            .collect()
            .await;
        let mut report = SendReport::default();
        for (sent, failed) in results {
            report.sent.extend(sent);
            report.failed.extend(failed);
        }
        report.sent.sort_unstable();
        report
    }

    async fn send_chunk_by(
        &self,
        chunk: &[JobMessage],
        deadline: tokio::time::Instant,
    ) -> ChunkOutcome {
        match tokio::time::timeout_at(deadline, self.send_chunk(chunk)).await {
            Ok(r) => r,
            Err(_) => (
                Vec::new(),
                chunk
                    .iter()
                    .map(|m| (m.job_id, "SQS send budget exhausted".to_string()))
                    .collect(),
            ),
        }
    }

    async fn send_chunk(&self, chunk: &[JobMessage]) -> ChunkOutcome {
        let mut sent = Vec::new();
        let mut pending: Vec<&JobMessage> = chunk.iter().collect();
        let mut last_error = String::new();
        for attempt in 0..SEND_ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * (1 << attempt))).await;
            }
            let entries: Vec<SendMessageBatchRequestEntry> = pending
                .iter()
                .map(|m| {
                    SendMessageBatchRequestEntry::builder()
                        .id(m.job_id.to_string())
                        .message_body(serde_json::to_string(m).expect("job message serializes"))
                        .build()
                        .expect("id and body are set")
                })
                .collect();
            match self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => {
                    for ok in out.successful() {
                        if let Ok(id) = ok.id().parse::<i64>() {
                            sent.push(id);
                        }
                    }
                    let failed_ids: Vec<String> = out
                        .failed()
                        .iter()
                        .map(|f| {
                            last_error =
                                format!("{}: {}", f.code(), f.message().unwrap_or_default());
                            f.id().to_string()
                        })
                        .collect();
                    pending.retain(|m| failed_ids.contains(&m.job_id.to_string()));
                }
                Err(e) => {
                    last_error = aws_sdk_sqs::error::DisplayErrorContext(&e).to_string();
                }
            }
        }
        let failed = pending
            .into_iter()
            .map(|m| (m.job_id, last_error.clone()))
            .collect();
        (sent, failed)
    }

    /// How long a sent message can stay in flight before SQS is done with it: every receive may
    /// hide it for the visibility timeout, `maxReceiveCount` times, then it moves to the DLQ. One
    /// more visibility timeout covers the last attempt's own run. A job still open after this
    /// window lost its message. `None` when the queue has no redrive policy (messages then live
    /// until their retention ends and no window follows from the queue).
    pub async fn release_window(&self) -> Result<Option<Duration>, QueueError> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .attribute_names(QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .map_err(|e| QueueError::Sqs {
                operation: "GetQueueAttributes",
                message: aws_sdk_sqs::error::DisplayErrorContext(&e).to_string(),
            })?;
        let attrs = out.attributes();
        let visibility = attrs
            .and_then(|a| a.get(&QueueAttributeName::VisibilityTimeout))
            .and_then(|v| v.trim().parse::<u64>().ok());
        let redrive = attrs.and_then(|a| a.get(&QueueAttributeName::RedrivePolicy));
        Ok(
            match (visibility, redrive.and_then(|r| max_receive_count(r))) {
                (Some(v), Some(n)) => Some(release_window(Duration::from_secs(v), n)),
                _ => None,
            },
        )
    }

    /// Makes a received message visible again after `delay` (SQS allows at most 12 hours).
    pub async fn delay_message(
        &self,
        receipt_handle: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let secs = delay.as_secs().clamp(0, 12 * 3600) as i32;
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(secs)
            .send()
            .await
            .map_err(|e| QueueError::Sqs {
                operation: "ChangeMessageVisibility",
                message: aws_sdk_sqs::error::DisplayErrorContext(&e).to_string(),
            })?;
        Ok(())
    }
}

/// The window after which an open job's message is certainly gone (see
/// [`JobQueue::release_window`]): `visibility x (maxReceiveCount + 1)`.
pub fn release_window(visibility: Duration, max_receive_count: u32) -> Duration {
    visibility.saturating_mul(max_receive_count.saturating_add(1))
}

/// `maxReceiveCount` from a redrive policy (`{"deadLetterTargetArn": .., "maxReceiveCount": "5"}`;
/// SQS answers it as a string or a number).
fn max_receive_count(policy: &str) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_str(policy).ok()?;
    match v.get("maxReceiveCount")? {
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redrive_policies_in_either_form_give_the_window() {
        assert_eq!(
            max_receive_count(r#"{"deadLetterTargetArn":"arn","maxReceiveCount":"5"}"#),
            Some(5)
        );
        assert_eq!(max_receive_count(r#"{"maxReceiveCount":3}"#), Some(3));
        assert_eq!(max_receive_count(r#"{"maxReceiveCount":"0"}"#), None);
        assert_eq!(max_receive_count("not json"), None);
        // The template's queue: 720 s visibility, 5 receives -> 72 minutes.
        assert_eq!(
            release_window(Duration::from_secs(720), 5),
            Duration::from_secs(72 * 60)
        );
    }
}
