//! The local queue set-up (`market queues`, what `local.sh` runs): the queue and its dead-letter
//! queue, and the purge that clears what an interrupted run left behind.

use e2e_tests::pipeline::sqs_client;
use market_cli::sqs_runner;

#[tokio::test]
async fn a_purge_drops_what_an_interrupted_run_left_and_keeps_the_dlq() {
    let sqs = sqs_client().await;
    let name = format!("purge-{}", uuid::Uuid::new_v4().simple());
    let (queue, dlq) = sqs_runner::ensure_queues(&sqs, &name, 30, 5)
        .await
        .expect("queues on the SQS-compatible server (is moto running on 127.0.0.1:4566?)");
    for (url, body) in [(&queue, "a"), (&queue, "b"), (&queue, "c"), (&dlq, "dead")] {
        sqs.send_message()
            .queue_url(url.as_str())
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    // One message in flight (received, not deleted), as an interrupted worker leaves it.
    let inflight = sqs
        .receive_message()
        .queue_url(queue.as_str())
        .max_number_of_messages(1)
        .send()
        .await
        .unwrap();
    assert_eq!(inflight.messages().len(), 1);

    assert_eq!(sqs_runner::purge(&sqs, &queue).await.unwrap(), 3);
    let after = sqs
        .get_queue_attributes()
        .queue_url(queue.as_str())
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attrs = after.attributes().unwrap();
    for a in [
        aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages,
        aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
    ] {
        assert_eq!(attrs.get(&a).map(String::as_str), Some("0"), "{a:?}");
    }
    // The queue's purge left its dead letter alone (purging the DLQ itself finds it); an empty
    // queue purges to 0 without a call.
    assert_eq!(sqs_runner::purge(&sqs, &dlq).await.unwrap(), 1);
    assert_eq!(sqs_runner::purge(&sqs, &dlq).await.unwrap(), 0);
    for url in [queue, dlq] {
        sqs.delete_queue().queue_url(url).send().await.unwrap();
    }
}
