//! Lambda entry point: build the state once per instance, then serve Function URL requests.

use lambda_http::{service_fn, Error, Request, RequestExt};
use tracing::Instrument;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    shared::secrets::load_into_env().await?;
    let state: &'static market_api::State = Box::leak(Box::new(market_api::State::from_env()?));
    lambda_http::run(service_fn(move |req: Request| {
        let request_id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_default();
        let span = tracing::info_span!("invocation", request_id = %request_id);
        async move { Ok::<_, Error>(market_api::handle(state, req).await) }.instrument(span)
    }))
    .await
}
