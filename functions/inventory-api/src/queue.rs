//! On-demand sync messages, sent through the sync pipeline's own queue client
//! (`shared::sync::queue::JobQueue`, message body `shared::sync::jobs::JobMessage`:
//! `{"job_id", "product_id", "marketplace", "kind"}`). The job row is the source of truth: a message
//! that fails to send is logged and the job stays `queued` for the orchestrator to pick up.

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

/// Sends the messages; failures are logged, never surfaced to the user.
pub async fn send(queue: &JobQueue, messages: &[JobMessage]) {
    let report = queue.send(messages).await;
    for (job_id, error) in &report.failed {
        tracing::warn!(job_id, error = %error, "on-demand sync message not sent; job stays queued");
    }
}

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
