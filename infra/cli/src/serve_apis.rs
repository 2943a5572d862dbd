//! `market serve-apis`: a thin local HTTP adapter over the two API Lambda handlers, for local runs,
//! fuzzing and load tests.
//!
//! Each API gets its own port, so paths are exactly the production paths (`/v1/products/...` on
//! the market port, `/v1/inventory` and `/v1/status` on the inventory port). Every incoming request
//! is turned into the Function URL event (payload format 2.0) AWS would deliver: `rawPath`,
//! `rawQueryString`, lower-cased headers (repeated headers joined with `,`, cookies moved to
//! `cookies`), the body (base64 when not UTF-8), the method and the source IP. That event goes
//! through `lambda_http`'s own event conversion, so the handler receives exactly the
//! `lambda_http::Request` it gets in Lambda. The states are built once with the handlers' own
//! `State::from_env()`, as each Lambda instance does.

use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{ConnectInfo, Request as AxumRequest};
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::Router;
use base64::Engine as _;
use lambda_http::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};

/// The largest request payload a Function URL accepts (6 MB).
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

#[derive(clap::Args, Debug)]
pub struct ServeApisArgs {
    /// Where market-api listens (paths as in production: /v1/products...).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub market_addr: SocketAddr,
    /// Where inventory-api listens (paths as in production: /v1/inventory, /v1/status).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub inventory_addr: SocketAddr,
    /// Stop by itself after this many seconds (0: run until SIGINT/SIGTERM).
    #[arg(long, default_value_t = 0)]
    pub max_secs: u64,
}

/// The Function URL event (payload format 2.0) for one HTTP request, as AWS builds it.
pub fn function_url_event(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    source_ip: IpAddr,
) -> Value {
    let mut h = serde_json::Map::new();
    let mut cookies = Vec::new();
    for name in headers.keys() {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if name == lambda_http::http::header::COOKIE {
            cookies.extend(
                values
                    .iter()
                    .flat_map(|v| v.split(';'))
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        h.insert(name.as_str().to_string(), json!(values.join(",")));
    }
    let host = h
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or("localhost")
        .to_string();
    let user_agent = h.get("user-agent").cloned().unwrap_or(Value::Null);
    let now = chrono::Utc::now();
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": h,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip.to_string(),
                "userAgent": user_agent,
            },
            "requestId": format!("local-{}", now.timestamp_nanos_opt().unwrap_or_default()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => event["body"] = json!(text),
            Err(_) => {
                event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// The `lambda_http::Request` a handler receives for this HTTP request, through `lambda_http`'s
/// own event conversion. `Err` when the conversion rejects (or panics on) the request.
pub fn function_url_request(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    source_ip: IpAddr,
) -> Result<lambda_http::Request, String> {
    check_uri_headers(headers)?;
    let event =
        function_url_event(method, raw_path, raw_query, headers, body, source_ip).to_string();
    match std::panic::catch_unwind(AssertUnwindSafe(|| lambda_http::request::from_str(&event))) {
        Ok(Ok(req)) => Ok(req),
        Ok(Err(e)) => Err(format!("not a valid Function URL event: {e}")),
        Err(_) => Err("lambda_http could not build a request from this event".to_string()),
    }
}

/// lambda_http builds the request URI from `Host` and `X-Forwarded-Proto` and panics when they do
/// not form one. Release builds abort on panic (the catch_unwind above is then no guard), so a
/// malformed header would take the whole server down: both are checked first and refused (400).
fn check_uri_headers(headers: &HeaderMap) -> Result<(), String> {
    if let Some(host) = headers.get("host") {
        let ok = host
            .to_str()
            .ok()
            .and_then(|h| h.parse::<lambda_http::http::uri::Authority>().ok())
            .is_some_and(|a| a.as_str().len() <= 255 && !a.as_str().contains('@'));
        if !ok {
            return Err("malformed Host header".to_string());
        }
    }
    if let Some(proto) = headers.get("x-forwarded-proto") {
        if !matches!(proto.to_str(), Ok("http" | "https")) {
            return Err("malformed X-Forwarded-Proto header".to_string());
        }
    }
    Ok(())
}

/// A handler's response as HTTP (text or binary body as the Function URL would send it).
pub fn into_http(resp: lambda_http::Response<lambda_http::Body>) -> AxumResponse {
    let (parts, body) = resp.into_parts();
    let bytes = match body {
        lambda_http::Body::Text(s) => s.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    AxumResponse::from_parts(parts, axum::body::Body::from(bytes))
}

fn plain(status: StatusCode, msg: String) -> AxumResponse {
    (status, msg).into_response()
}

/// Converts an incoming request; `Err` is the response to send instead.
async fn to_lambda(
    req: AxumRequest,
    peer: SocketAddr,
) -> Result<lambda_http::Request, AxumResponse> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body: {e}\n"),
            )
        })?;
    function_url_request(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        &parts.headers,
        &bytes,
        peer.ip(),
    )
    .map_err(|e| plain(StatusCode::BAD_REQUEST, format!("{e}\n")))
}

fn market_router(state: Arc<market_api::State>) -> Router {
    Router::new().fallback(
        move |ConnectInfo(peer): ConnectInfo<SocketAddr>, req: AxumRequest| {
            let state = state.clone();
            async move {
                match to_lambda(req, peer).await {
                    Ok(r) => into_http(market_api::handle(&state, r).await),
                    Err(resp) => resp,
                }
            }
        },
    )
}

fn inventory_router(state: Arc<inventory_api::State>) -> Router {
    Router::new().fallback(
        move |ConnectInfo(peer): ConnectInfo<SocketAddr>, req: AxumRequest| {
            let state = state.clone();
            async move {
                match to_lambda(req, peer).await {
                    Ok(r) => into_http(inventory_api::handle(&state, r).await),
                    Err(resp) => resp,
                }
            }
        },
    )
}

async fn shutdown_signal(max_secs: u64) {
    let limit = async {
        if max_secs > 0 {
            tokio::time::sleep(Duration::from_secs(max_secs)).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
        _ = limit => {}
    }
}

pub async fn run(args: ServeApisArgs) -> anyhow::Result<()> {
    let market = Arc::new(
        market_api::State::from_env()
            .await
            .context("market-api state")?,
    );
    let inventory = Arc::new(
        inventory_api::State::from_env()
            .await
            .context("inventory-api state")?,
    );
    let m = tokio::net::TcpListener::bind(args.market_addr)
        .await
        .with_context(|| format!("binding {}", args.market_addr))?;
    let i = tokio::net::TcpListener::bind(args.inventory_addr)
        .await
        .with_context(|| format!("binding {}", args.inventory_addr))?;
    println!(
        "market-api on http://{} ; inventory-api on http://{}",
        m.local_addr()?,
        i.local_addr()?
    );
    let (tx, rx) = tokio::sync::watch::channel(false);
    let stop = move |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let market_server = axum::serve(
        m,
        market_router(market).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop(rx.clone()));
    let inventory_server = axum::serve(
        i,
        inventory_router(inventory).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop(rx));
    let signal = async move {
        shutdown_signal(args.max_secs).await;
        let _ = tx.send(true);
    };
    let (a, b, ()) = tokio::join!(
        async { market_server.await },
        async { inventory_server.await },
        signal
    );
    a?;
    b?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_host_or_proto_headers_are_refused_not_panicked_on() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for (name, value) in [
            ("host", "exa mple.com"),
            ("host", "a@b"),
            ("host", "[::1"),
            ("x-forwarded-proto", "gopher"),
            ("x-forwarded-proto", "http://"),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(name, value.parse().unwrap());
            let r = function_url_request("GET", "/v1/status", "", &headers, b"", ip);
            assert!(r.is_err(), "{name}: {value:?} accepted");
        }
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:8081".parse().unwrap());
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(function_url_request("GET", "/v1/status", "", &headers, b"", ip).is_ok());
    }
}
