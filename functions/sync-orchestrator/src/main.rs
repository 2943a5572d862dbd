//! Lambda entry point: build the state once, then serve scheduled events.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use tracing::Instrument;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::ops::telemetry::init();
    shared::ops::secrets::load_into_env().await?;
    let state = sync_orchestrator::State::from_env().await?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let span = tracing::info_span!("invocation", request_id = %event.context.request_id);
        async move {
            sync_orchestrator::handle(state, event.payload)
                .await
                .map_err(Error::from)
        }
        .instrument(span)
    }))
    .await
}
