//! The local equivalent of Lambda's SQS event source: receive batches from the queue, invoke the
//! worker with a real SQS event, delete what succeeded, and leave the reported failures for
//! redelivery (their visibility timeout brings them back; the queue's redrive policy moves them to
//! the DLQ after `maxReceiveCount`). `cargo lambda watch` does not poll SQS, so this does.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("SQS {0}")]
    Sqs(String),
    #[error("invoking the worker failed: {0}")]
    Invoke(String),
}

fn sqs_err<E: std::error::Error + 'static>(e: aws_sdk_sqs::error::SdkError<E>) -> RunnerError {
    RunnerError::Sqs(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string())
}

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub queue_url: String,
    pub batch_size: i32,
    /// Long-poll wait per receive.
    pub wait: Duration,
    /// Stop when the queue holds no message (visible or in flight) for this long.
    pub stop_when_idle: Option<Duration>,
    /// Stop after this long in any case.
    pub max_runtime: Option<Duration>,
    /// Print a progress line (done, retried, left in the queue) this often, on stderr.
    pub progress_every: Option<Duration>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunnerReport {
    pub batches: u64,
    pub messages: u64,
    pub deleted: u64,
    pub failed: u64,
}

/// Builds the event Lambda would deliver for these messages.
pub fn to_event(
    messages: &[aws_sdk_sqs::types::Message],
    queue_arn: &str,
    region: &str,
) -> SqsEvent {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            let attributes: HashMap<String, String> = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("SQS event shape")
}

/// Invokes a worker through the Lambda Invoke API (e.g. `cargo lambda watch` at
/// `http://127.0.0.1:9000/2015-03-31/functions/sync-worker/invocations`).
pub async fn invoke_http(
    http: &reqwest::Client,
    url: &str,
    event: SqsEvent,
) -> Result<SqsBatchResponse, RunnerError> {
    let resp = http
        .post(url)
        .json(&event)
        .send()
        .await
        .map_err(|e| RunnerError::Invoke(e.to_string()))?;
    let status = resp.status();
    let body = resp
        .text()
        .await
        .map_err(|e| RunnerError::Invoke(e.to_string()))?;
    if !status.is_success() {
        return Err(RunnerError::Invoke(format!(
            "HTTP {status}: {}",
            &body[..body.len().min(300)]
        )));
    }
    serde_json::from_str(&body)
        .map_err(|e| RunnerError::Invoke(format!("unexpected response {e}: {body:.300}")))
}

/// Messages in the queue: visible, in flight and delayed.
async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<i64, RunnerError> {
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .map_err(sqs_err)?;
    let total: i64 = attrs
        .attributes()
        .map(|a| a.values().filter_map(|v| v.parse::<i64>().ok()).sum())
        .unwrap_or(0);
    Ok(total)
}

async fn queue_is_empty(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<bool, RunnerError> {
    Ok(queue_depth(sqs, url).await? == 0)
}

/// Runs the event source until idle (or forever without `stop_when_idle`). A failed invocation
/// leaves the whole batch for redelivery, as Lambda does.
pub async fn run<F, Fut>(
    sqs: &aws_sdk_sqs::Client,
    opts: &RunnerOptions,
    invoke: F,
) -> Result<RunnerReport, RunnerError>
where
    F: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = Result<SqsBatchResponse, RunnerError>>,
{
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&opts.queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(sqs_err)?;
    let arn = attrs
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .unwrap_or_default();
    let region = arn.split(':').nth(3).unwrap_or("us-east-1").to_string();
    let started = Instant::now();
    let mut idle_since: Option<Instant> = None;
    let mut report = RunnerReport::default();
    let mut last_progress = Instant::now();
    loop {
        if opts.max_runtime.is_some_and(|m| started.elapsed() >= m) {
            break;
        }
        if opts
            .progress_every
            .is_some_and(|every| last_progress.elapsed() >= every)
        {
            last_progress = Instant::now();
            let left = queue_depth(sqs, &opts.queue_url).await?;
            eprintln!(
                "==> sync: {} messages done, {} left for a retry, {left} in the queue ({} s)",
                report.deleted,
                report.failed,
                started.elapsed().as_secs()
            );
        }
        let out = sqs
            .receive_message()
            .queue_url(&opts.queue_url)
            .max_number_of_messages(opts.batch_size.clamp(1, 10))
            .wait_time_seconds(opts.wait.as_secs().min(20) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(sqs_err)?;
        let messages = out.messages();
        if messages.is_empty() {
            if let Some(idle) = opts.stop_when_idle {
                if queue_is_empty(sqs, &opts.queue_url).await? {
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= idle {
                        break;
                    }
                } else {
                    idle_since = None;
                }
            }
            continue;
        }
        idle_since = None;
        report.batches += 1;
        report.messages += messages.len() as u64;
        let event = to_event(messages, &arn, &region);
        let failed: Vec<String> = match invoke(event).await {
            Ok(resp) => resp
                .batch_item_failures
                .into_iter()
                .map(|f| f.item_identifier)
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "worker invocation failed; the batch will be redelivered");
                messages
                    .iter()
                    .filter_map(|m| m.message_id().map(str::to_string))
                    .collect()
            }
        };
        report.failed += failed.len() as u64;
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| !failed.iter().any(|f| Some(f.as_str()) == m.message_id()))
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        if !done.is_empty() {
            report.deleted += done.len() as u64;
            sqs.delete_message_batch()
                .queue_url(&opts.queue_url)
                .set_entries(Some(done))
                .send()
                .await
                .map_err(sqs_err)?;
        }
    }
    Ok(report)
}

/// Creates (or finds) the work queue and its DLQ with a redrive policy, as template.yaml does.
/// Returns (queue URL, DLQ URL).
pub async fn ensure_queues(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    visibility_timeout_secs: u32,
    max_receive_count: u32,
) -> Result<(String, String), RunnerError> {
    let dlq = sqs
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(sqs_err)?;
    let dlq_url = dlq.queue_url().unwrap_or_default().to_string();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(sqs_err)?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .unwrap_or_default();
    let redrive =
        json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count.to_string()});
    let q = sqs
        .create_queue()
        .queue_name(name)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            visibility_timeout_secs.to_string(),
        )
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(sqs_err)?;
    Ok((q.queue_url().unwrap_or_default().to_string(), dlq_url))
}

/// Empties a queue (`PurgeQueue`); returns about how many messages it held, visible or in flight.
pub async fn purge(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Result<u64, RunnerError> {
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(sqs_err)?;
    let held = attrs
        .attributes()
        .map(|a| {
            a.values()
                .filter_map(|v| v.parse::<u64>().ok())
                .sum::<u64>()
        })
        .unwrap_or(0);
    if held > 0 {
        sqs.purge_queue()
            .queue_url(queue_url)
            .send()
            .await
            .map_err(sqs_err)?;
    }
    Ok(held)
}
