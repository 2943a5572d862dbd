//! Lambda entry point: build the state once per instance, then serve Function URL requests.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::ops::telemetry::init();
    shared::ops::secrets::load_into_env().await?;
    let state: &'static market_api::State =
        Box::leak(Box::new(market_api::State::from_env().await?));
    shared::api::lambda::serve(state, market_api::handle).await
}
