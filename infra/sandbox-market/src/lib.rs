//! A local stand-in for the StockX API v2 (with its OAuth token endpoint) and the Alias API v1,
//! serving every product of the catalogue CSV on one port with the real paths, headers, status
//! codes and JSON shapes. Used by the local run, the integration tests and the benchmarks.
//!
//! - StockX: `POST /oauth/token`, `GET /v2/catalog/search`, `/v2/catalog/products/{id}`,
//!   `.../variants`, `.../variants/{variantId}`, `.../market-data`, `.../variants/{variantId}/market-data`.
//! - Alias: `GET /api/v1/test`, `/api/v1/catalog`, `/api/v1/catalog/{id}`,
//!   `/api/v1/pricing_insights/availabilities/{catalog_id}`, `/api/v1/pricing_insights/availability`,
//!   `/api/v1/pricing_insights/recent_sales` (history generated in `sales`).
//! - Admin (no auth, local only): `GET /__admin/stats`, `POST /__admin/reset`,
//!   `GET|POST /__admin/faults`, `POST /__admin/advance`, `POST /__admin/limits`,
//!   `GET /__admin/products/{style_code}`, `GET /__admin/health`.
//! - ECB: `GET /ecb/eurofxref-daily.xml` (the daily euro reference rates format).
//!
//! Start it in-process with [`spawn`] (tests) or through the `sandbox-market` binary.

mod admin;
mod alias_api;
pub mod catalog;
mod ecb;
mod hash;
pub mod pricing;
pub mod sales;
pub mod state;
mod stockx_api;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

pub use catalog::{Catalog, SandboxProduct};
use pricing::{Anchor, SalesData};
pub use state::{Api, Faults, Limit};
use state::{Stats, Throttle, Tokens};

/// Everything the sandbox can be told at start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub catalog_path: PathBuf,
    /// The kit's `sales/` directory; `None` uses the retail-based price model only.
    pub sales_dir: Option<PathBuf>,
    pub seed: u64,
    /// Length of one price bucket; prices move only between buckets. 0 freezes prices.
    pub price_epoch_secs: u64,
    pub stockx_limit: Limit,
    /// Alias publishes no limits; `None` = unlimited.
    pub alias_limit: Option<Limit>,
    pub access_token_ttl_secs: u64,
    /// Return a new refresh token on every refresh (and invalidate the old one).
    pub rotate_refresh_tokens: bool,
    pub api_key: String,
    pub client_id: String,
    pub client_secret: String,
    pub initial_refresh_token: String,
    pub alias_token: String,
    pub faults: Faults,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            catalog_path: shared::admin::catalog::default_catalog_path(),
            sales_dir: Some(shared::admin::catalog::default_catalog_path().with_file_name("sales")),
            seed: 1,
            price_epoch_secs: 300,
            stockx_limit: Limit {
                min_interval_ms: 1_000,
                daily_limit: 25_000,
            },
            alias_limit: None,
            access_token_ttl_secs: 43_200,
            rotate_refresh_tokens: true,
            api_key: "sandbox-api-key".into(),
            client_id: "sandbox-client-id".into(),
            client_secret: "sandbox-client-secret".into(),
            initial_refresh_token: "sandbox-refresh-token".into(),
            alias_token: "goatapi_sandbox-token".into(),
            faults: Faults::default(),
        }
    }
}

/// Shared server state.
pub struct App {
    pub cfg: SandboxConfig,
    pub catalog: Catalog,
    anchors: HashMap<String, Anchor>,
    started: Instant,
    tokens: Mutex<Tokens>,
    throttles: Mutex<HashMap<Api, Throttle>>,
    limits: Mutex<HashMap<Api, Option<Limit>>>,
    faults: Mutex<Faults>,
    stats: Mutex<Stats>,
    epoch_offset: AtomicU64,
    draws: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What `gate` decided for an accepted request.
pub(crate) struct Ctx {
    api: Api,
    malformed: Option<String>,
}

impl App {
    pub fn new(cfg: SandboxConfig) -> Result<Self, String> {
        let catalog = Catalog::load(&cfg.catalog_path, cfg.seed)?;
        let sales = cfg
            .sales_dir
            .as_deref()
            .filter(|d| d.is_dir())
            .map(SalesData::cached);
        let anchors = catalog
            .products
            .iter()
            .map(|p| {
                let a = sales
                    .as_ref()
                    .and_then(|s| s.anchor(p))
                    .unwrap_or_else(|| pricing::retail_anchor(cfg.seed, p));
                (p.style_code.clone(), a)
            })
            .collect();
        let mut tokens = Tokens::default();
        tokens.refresh.insert(cfg.initial_refresh_token.clone());
        let limits = HashMap::from([
            (Api::Stockx, Some(cfg.stockx_limit)),
            (Api::Alias, cfg.alias_limit),
        ]);
        Ok(App {
            faults: Mutex::new(cfg.faults.clone()),
            cfg,
            catalog,
            anchors,
            started: Instant::now(),
            tokens: Mutex::new(tokens),
            throttles: Mutex::new(HashMap::new()),
            limits: Mutex::new(limits),
            stats: Mutex::new(Stats::default()),
            epoch_offset: AtomicU64::new(0),
            draws: AtomicU64::new(0),
        })
    }

    pub(crate) fn anchor(&self, p: &SandboxProduct) -> &Anchor {
        &self.anchors[&p.style_code]
    }

    /// Where a product's price level comes from (`retail_model`, `stockx_sales_2017_2018`, ...).
    pub fn anchor_source(&self, p: &SandboxProduct) -> &'static str {
        self.anchor(p).source
    }

    /// The current price bucket.
    pub fn bucket(&self) -> u64 {
        let offset = self.epoch_offset.load(Ordering::Relaxed);
        if self.cfg.price_epoch_secs == 0 {
            return offset;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        now / self.cfg.price_epoch_secs + offset
    }

    fn count(&self, endpoint: &str, product: Option<&str>) {
        let mut s = lock(&self.stats);
        *s.endpoints.entry(endpoint.to_string()).or_default() += 1;
        if let Some(p) = product {
            *s.products
                .entry(endpoint.to_string())
                .or_default()
                .entry(p.to_string())
                .or_default() += 1;
        }
    }

    /// Common front door of every API route: counting, latency, credentials, throttling and
    /// injected faults, in the order a real gateway applies them.
    pub(crate) async fn gate(
        &self,
        api: Api,
        endpoint: &str,
        product: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Ctx, Response> {
        self.count(endpoint, product);
        let faults = lock(&self.faults).clone();
        let hit = faults.hits(api);
        if hit && faults.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(faults.latency_ms)).await;
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        match api {
            Api::Stockx => {
                let key_ok = headers.get("x-api-key").and_then(|v| v.to_str().ok())
                    == Some(self.cfg.api_key.as_str());
                if !key_ok {
                    return Err(stockx_error(StatusCode::UNAUTHORIZED, "Unauthorized"));
                }
            }
            Api::Alias => {
                if bearer.as_deref() != Some(self.cfg.alias_token.as_str()) {
                    return Err(alias_error(StatusCode::UNAUTHORIZED, 16, "unauthenticated"));
                }
            }
        }
        // Throttling: an injected 429 burst, then the configured per-key limits.
        let forced = hit && {
            let mut f = lock(&self.faults);
            if f.throttle_next > 0 {
                f.throttle_next -= 1;
                true
            } else {
                false
            }
        };
        let limit = *lock(&self.limits).get(&api).unwrap_or(&None);
        let admitted = !forced
            && match limit {
                Some(l) => lock(&self.throttles).entry(api).or_default().admit(
                    Instant::now(),
                    self.started,
                    &l,
                ),
                None => {
                    let mut t = lock(&self.throttles);
                    let t = t.entry(api).or_default();
                    t.accepted += 1;
                    if t.arrivals_us.len() < state::MAX_ARRIVALS {
                        t.arrivals_us
                            .push(self.started.elapsed().as_micros() as u64);
                    }
                    true
                }
            };
        if !admitted {
            return Err(self.too_many(api, &faults));
        }
        if api == Api::Stockx {
            let valid = bearer.as_ref().is_some_and(|t| {
                lock(&self.tokens)
                    .access
                    .get(t)
                    .is_some_and(|exp| Instant::now() < *exp)
            });
            if !valid {
                return Err(stockx_error(StatusCode::UNAUTHORIZED, "Unauthorized"));
            }
        }
        if hit {
            let status = StatusCode::from_u16(faults.error_status.unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let burst = {
                let mut f = lock(&self.faults);
                if f.fail_next > 0 {
                    f.fail_next -= 1;
                    true
                } else {
                    false
                }
            };
            let n = self.draws.fetch_add(1, Ordering::Relaxed).to_string();
            let random = faults.error_per_mille > 0
                && hash::chance(
                    hash::h(self.cfg.seed, &["fault", &n]),
                    u64::from(faults.error_per_mille),
                );
            if burst || random {
                return Err(match api {
                    Api::Stockx => stockx_error(
                        status,
                        status.canonical_reason().unwrap_or("Internal Server Error"),
                    ),
                    Api::Alias => alias_error(status, 13, "internal error"),
                });
            }
            if let Some(p) = product {
                if faults.not_found.iter().any(|x| x.eq_ignore_ascii_case(p)) {
                    return Err(not_found(api));
                }
            }
        }
        let malformed = hit
            .then(|| {
                let mut f = lock(&self.faults);
                (f.malformed_next > 0).then(|| {
                    f.malformed_next -= 1;
                    f.malformed_kind.clone().unwrap_or_else(|| "html".into())
                })
            })
            .flatten();
        Ok(Ctx { api, malformed })
    }

    /// True when `code` (a style code) was switched to 404 by the `not_found` fault.
    pub(crate) fn forced_missing(&self, api: Api, codes: &[&str]) -> bool {
        let f = lock(&self.faults);
        f.hits(api)
            && codes.iter().any(|c| {
                f.not_found.iter().any(|x| {
                    shared::core::domain::normalize_style_code(x)
                        == shared::core::domain::normalize_style_code(c)
                })
            })
    }

    fn too_many(&self, api: Api, faults: &Faults) -> Response {
        let mut resp = match api {
            Api::Stockx => stockx_error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
            Api::Alias => alias_error(StatusCode::TOO_MANY_REQUESTS, 8, "too many requests"),
        };
        if faults.retry_after {
            let value = if faults.retry_after_http_date {
                (chrono::Utc::now() + chrono::Duration::seconds(1))
                    .format("%a, %d %b %Y %H:%M:%S GMT")
                    .to_string()
            } else {
                "1".to_string()
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }

    /// Sends `body`, corrupted when the malformed-body fault picked this response.
    pub(crate) fn finish(&self, ctx: Ctx, body: Value) -> Response {
        let _ = ctx.api;
        match ctx.malformed.as_deref() {
            Some("truncated") => {
                let text = body.to_string();
                let cut = &text[..text.len() / 2];
                ([(header::CONTENT_TYPE, "application/json")], cut.to_string()).into_response()
            }
            Some(_) => (
                [(header::CONTENT_TYPE, "text/html")],
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
            )
                .into_response(),
            None => axum::Json(body).into_response(),
        }
    }

    pub fn stats_json(&self) -> Value {
        let s = lock(&self.stats);
        let t = lock(&self.throttles);
        let mut markets = serde_json::Map::new();
        for api in [Api::Stockx, Api::Alias] {
            let th = t.get(&api);
            markets.insert(
                api.code().into(),
                json!({
                    "accepted": th.map(|x| x.accepted).unwrap_or(0),
                    "min_gap_us": th.and_then(|x| x.min_gap_us()),
                    "arrivals_us": th.map(|x| x.arrivals_us.clone()).unwrap_or_default(),
                }),
            );
        }
        json!({
            "total_requests": s.total_requests,
            "total_429": s.total_429,
            "endpoints": s.endpoints,
            "products": s.products,
            "statuses": s.statuses,
            "marketplaces": markets,
            "bucket": self.bucket(),
        })
    }

    pub fn reset_stats(&self) {
        *lock(&self.stats) = Stats::default();
        lock(&self.throttles).clear();
    }
}

pub(crate) fn stockx_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"statusCode": status.as_u16(), "message": message})),
    )
        .into_response()
}

pub(crate) fn alias_error(status: StatusCode, code: i32, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message, "details": []})),
    )
        .into_response()
}

pub(crate) fn not_found(api: Api) -> Response {
    match api {
        Api::Stockx => stockx_error(StatusCode::NOT_FOUND, "Product not found"),
        Api::Alias => alias_error(StatusCode::NOT_FOUND, 5, "catalog item not found"),
    }
}

/// Counts every response status (and 429s) for `/__admin/stats`; admin calls are not counted.
async fn record(State(app): State<Arc<App>>, req: Request<Body>, next: Next) -> Response {
    let admin = req.uri().path().starts_with("/__admin");
    let resp = next.run(req).await;
    if !admin {
        let mut s = lock(&app.stats);
        s.total_requests += 1;
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            s.total_429 += 1;
        }
        *s.statuses
            .entry(resp.status().as_u16().to_string())
            .or_default() += 1;
    }
    resp
}

/// The router with every route, for embedding.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(stockx_api::routes())
        .merge(alias_api::routes())
        .merge(admin::routes())
        .merge(ecb::routes())
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(json!({"message": "Resource not found"})),
            )
        })
        .layer(axum::middleware::from_fn_with_state(app.clone(), record))
        .with_state(app)
}

/// Serves on `listener` until the process ends.
pub async fn serve(cfg: SandboxConfig, listener: tokio::net::TcpListener) -> Result<(), String> {
    let app = Arc::new(App::new(cfg)?);
    axum::serve(listener, router(app))
        .await
        .map_err(|e| e.to_string())
}

/// A sandbox running in the background of the current runtime.
pub struct RunningSandbox {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSandbox {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// `STOCKX_API_BASE` for this sandbox.
    pub fn stockx_api_base(&self) -> String {
        format!("{}/v2", self.base_url())
    }
    /// `STOCKX_AUTH_BASE`.
    pub fn stockx_auth_base(&self) -> String {
        self.base_url()
    }
    /// `ALIAS_API_BASE`.
    pub fn alias_api_base(&self) -> String {
        format!("{}/api/v1", self.base_url())
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `addr` (use `127.0.0.1:0` for a free port) and serves in a background task.
pub async fn spawn_on(cfg: SandboxConfig, addr: &str) -> Result<RunningSandbox, String> {
    let app = Arc::new(App::new(cfg)?);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("bind {addr}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let router = router(app.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "sandbox server stopped");
        }
    });
    Ok(RunningSandbox { addr, app, task })
}

/// [`spawn_on`] a free port of 127.0.0.1.
pub async fn spawn(cfg: SandboxConfig) -> Result<RunningSandbox, String> {
    spawn_on(cfg, "127.0.0.1:0").await
}
