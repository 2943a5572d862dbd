//! On-demand sync messages, sent through the sync pipeline's own queue client
//! (`shared::sync::queue::JobQueue`, message body `shared::sync::jobs::JobMessage`:
//! `{"job_id", "product_id", "marketplace", "kind"}`). The job row is the source of truth: a job
//! whose message could not be sent is closed as `lost`, so the next tick plans it again.

use shared::core::domain::Marketplace;
use shared::sync::jobs::{JobKind, JobMessage};
use shared::sync::queue::JobQueue;

/// Builds the message for a job row the enqueue statement returned.
pub fn message(
    job_id: i64,
    product_id: i32,
    marketplace_id: i16,
    kind: &str,
) -> Option<JobMessage> {
    Some(JobMessage {
        job_id,
        product_id,
        marketplace: Marketplace::from_id(marketplace_id)?,
        kind: kind.parse::<JobKind>().ok()?,
    })
}

/// One request waits on at most this long for its send (`SQS_SEND_BUDGET_MS` overrides it).
pub const SEND_BUDGET: std::time::Duration = std::time::Duration::from_secs(3);

/// Sends the messages (one send, bounded by the queue's budget) and returns the jobs whose
/// message was not sent. Failures are logged, never surfaced to the user.
pub async fn send(queue: &JobQueue, messages: &[JobMessage]) -> Vec<i64> {
    let report = queue.send(messages).await;
    for (job_id, error) in &report.failed {
        tracing::warn!(job_id, error = %error, "on-demand sync message not sent; the job is closed as lost");
    }
    report.failed.into_iter().map(|(id, _)| id).collect()
}

/// Closes jobs whose message was not sent, as the orchestrator does for its own: the open-job
/// guard no longer holds the product back and the next tick plans it.
pub const MARK_LOST_SQL: &str =
    "UPDATE market.sync_jobs SET status = 'failed', error_kind = 'lost', \
     finished_at = now(), error_message = 'on-demand message could not be sent to SQS' \
     WHERE id = ANY($1) AND status = 'queued'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_format_matches_the_worker_contract() {
        let m = message(7, 3, 2, "map").unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"job_id":7,"product_id":3,"marketplace":"alias","kind":"map"}"#
        );
        assert!(message(7, 3, 9, "map").is_none());
        assert!(message(7, 3, 1, "sweep").is_none());
    }
}
