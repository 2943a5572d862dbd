//! The SQS work queue: sending job messages in batches of ten (re-sending failed entries) and
//! changing a message's visibility when a marketplace asks us to wait.
//!
//! The AWS SDK's standard endpoint override (`AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_SQS`) lets the
//! same code talk to a local SQS-compatible server.

use std::time::Duration;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

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
}

const SEND_ATTEMPTS: usize = 3;

impl JobQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        JobQueue {
            client,
            url: url.into(),
        }
    }

    /// The queue named by `SYNC_QUEUE_URL`, with the SDK's default configuration chain.
    pub async fn from_env() -> Option<Self> {
        let url = crate::core::config::optional("SYNC_QUEUE_URL")?;
        let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Some(JobQueue::new(aws_sdk_sqs::Client::new(&conf), url))
    }

    pub fn client(&self) -> &aws_sdk_sqs::Client {
        &self.client
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends messages with `SendMessageBatch`, ten per call; entries SQS reports as failed are
    /// re-sent (up to three attempts in all).
    pub async fn send(&self, messages: &[JobMessage]) -> SendReport {
        let mut report = SendReport::default();
        for chunk in messages.chunks(10) {
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
                                report.sent.push(id);
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
            for m in pending {
                report.failed.push((m.job_id, last_error.clone()));
            }
        }
        report
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
