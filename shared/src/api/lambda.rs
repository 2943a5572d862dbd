//! The Lambda Function URL side of both APIs, written once: the request → response frame around a
//! route table (preflight, problem responses, CORS, HEAD) and the runtime loop of `main.rs`.
//! Everything else in `api` stays on the `http` crate's types.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use http::Method;
use lambda_http::{service_fn, Body, Request, RequestExt, Response};
use tracing::Instrument;

use super::{ApiError, ApiRequest, Cors, JsonResponse};

/// Answers one request with `route`: `OPTIONS` is a CORS preflight; any error becomes an RFC 9457
/// problem; the JSON is finished against the request headers (ETag, gzip); `HEAD` loses its
/// body; CORS headers go on every answer. Never fails.
pub async fn respond<'a, F, Fut>(cors: &Cors, req: &'a ApiRequest, route: F) -> Response<Body>
where
    F: FnOnce(&'a ApiRequest) -> Fut,
    Fut: Future<Output = Result<JsonResponse, ApiError>> + 'a,
{
    if req.method == Method::OPTIONS {
        return into_lambda(cors.preflight(&req.headers, "GET, OPTIONS"));
    }
    let mut response = match route(req).await {
        Ok(json) => {
            let mut r = json.finish(&req.headers);
            if req.method == Method::HEAD {
                r.body_mut().clear();
            }
            r
        }
        Err(e) => e.into_problem(&req.path).into_response(),
    };
    cors.apply(&req.headers, &mut response);
    into_lambda(response)
}

/// Uncompressed JSON goes out as text; compressed bodies as binary (base64 in the event).
pub fn into_lambda(response: Response<Vec<u8>>) -> Response<Body> {
    let compressed = response
        .headers()
        .contains_key(http::header::CONTENT_ENCODING);
    response.map(|bytes| {
        if bytes.is_empty() {
            Body::Empty
        } else if compressed {
            Body::Binary(bytes)
        } else {
            match String::from_utf8(bytes) {
                Ok(s) => Body::Text(s),
                Err(e) => Body::Binary(e.into_bytes()),
            }
        }
    })
}

/// The runtime loop of an API Lambda: every invocation is handled by `handler` with the state
/// built once per instance, inside a span carrying the request id. A panic in the handler is
/// logged and answered with a 500 problem; the instance keeps serving (release builds unwind,
/// see `[profile.release]`).
pub async fn serve<S, F, Fut>(state: &'static S, handler: F) -> Result<(), lambda_http::Error>
where
    S: Sync + 'static,
    F: Fn(&'static S, Request) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Response<Body>> + Send,
{
    lambda_http::run(service_fn(move |req: Request| {
        let request_id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_default();
        let span = tracing::info_span!("invocation", request_id = %request_id);
        async move {
            let answer = AssertUnwindSafe(handler(state, req)).catch_unwind().await;
            Ok::<_, lambda_http::Error>(answer.unwrap_or_else(|_| {
                tracing::error!("the handler panicked; answered 500");
                into_lambda(super::Problem::internal().into_response())
            }))
        }
        .instrument(span)
    }))
    .await
}
