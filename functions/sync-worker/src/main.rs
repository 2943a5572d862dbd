//! Lambda entry point: build the state once, then serve SQS batches.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tracing::Instrument;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::ops::telemetry::init();
    shared::ops::secrets::load_into_env().await?;
    let state = sync_worker::State::from_env().await?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let span = tracing::info_span!("invocation", request_id = %event.context.request_id);
        async move { Ok::<SqsBatchResponse, Error>(sync_worker::handle(state, event.payload).await) }.instrument(span)
    }))
    .await
}
