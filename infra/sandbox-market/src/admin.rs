//! Admin endpoints for tests, benchmarks and people: counters, faults, price epochs, limits.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{Api, Faults, Limit};
use crate::{lock, App};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/__admin/health",
            get(|| async { Json(json!({"ok": true})) }),
        )
        .route("/__admin/stats", get(stats))
        .route("/__admin/reset", post(reset))
        .route("/__admin/faults", get(get_faults).post(set_faults))
        .route("/__admin/advance", post(advance))
        .route("/__admin/limits", get(get_limits).post(set_limits))
        .route("/__admin/products/{code}", get(product))
}

async fn stats(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.stats_json())
}

/// Clears counters and throttle history (not tokens, faults or prices).
async fn reset(State(app): State<Arc<App>>) -> Json<Value> {
    app.reset_stats();
    Json(json!({"ok": true}))
}

async fn get_faults(State(app): State<Arc<App>>) -> Json<Value> {
    Json(serde_json::to_value(&*lock(&app.faults)).unwrap_or(Value::Null))
}

/// Merges the given fields into the current faults; `{"clear": true}` resets them first.
async fn set_faults(State(app): State<Arc<App>>, Json(patch): Json<Value>) -> Response {
    let Value::Object(mut patch) = patch else {
        return (StatusCode::BAD_REQUEST, "expected a JSON object").into_response();
    };
    let clear = patch
        .remove("clear")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let mut current = if clear {
        serde_json::to_value(Faults::default())
    } else {
        serde_json::to_value(&*lock(&app.faults))
    }
    .unwrap_or(json!({}));
    for (k, v) in patch {
        current[k] = v;
    }
    let faults: Faults = match serde_json::from_value(current) {
        Ok(f) => f,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("invalid faults: {e}")).into_response(),
    };
    if faults.expire_access_tokens {
        lock(&app.tokens).access.clear();
    }
    if faults.revoke_refresh_tokens {
        lock(&app.tokens).refresh.clear();
    }
    *lock(&app.faults) = faults.clone();
    Json(serde_json::to_value(&faults).unwrap_or(Value::Null)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Advance {
    buckets: Option<u64>,
}

/// Moves prices on by N buckets (default 1).
async fn advance(State(app): State<Arc<App>>, body: Option<Json<Advance>>) -> Json<Value> {
    let n = body.and_then(|b| b.0.buckets).unwrap_or(1);
    app.epoch_offset.fetch_add(n, Ordering::Relaxed);
    Json(json!({"bucket": app.bucket()}))
}

async fn get_limits(State(app): State<Arc<App>>) -> Json<Value> {
    let l = lock(&app.limits);
    Json(
        json!({"stockx": l.get(&Api::Stockx).copied().flatten(), "alias": l.get(&Api::Alias).copied().flatten()}),
    )
}

#[derive(Deserialize)]
struct Limits {
    #[serde(default)]
    stockx: Option<Option<Limit>>,
    #[serde(default)]
    alias: Option<Option<Limit>>,
}

/// `{"stockx": {"min_interval_ms": 200, "daily_limit": 1000}, "alias": null}`; omitted = unchanged.
async fn set_limits(State(app): State<Arc<App>>, Json(body): Json<Limits>) -> Json<Value> {
    {
        let mut l = lock(&app.limits);
        if let Some(v) = body.stockx {
            l.insert(Api::Stockx, v);
        }
        if let Some(v) = body.alias {
            l.insert(Api::Alias, v);
        }
    }
    get_limits(State(app)).await
}

/// What the sandbox knows about one product: ids, presence, quirks, price anchor.
async fn product(State(app): State<Arc<App>>, Path(code): Path<String>) -> Response {
    match app.catalog.by_style_code(&code) {
        Some(p) => {
            let a = app.anchor(p);
            Json(json!({
                "style_code": p.style_code,
                "stockx_id": p.stockx_id,
                "stockx_style_id": p.stockx_style_id,
                "stockx_duplicate_id": p.stockx_duplicate_id,
                "alias_id": p.alias_id,
                "on_stockx": p.on_stockx,
                "on_alias": p.on_alias,
                "sizes": p.sizes.iter().map(|s| json!({"label": s.label, "stockx_variant_id": s.stockx_variant_id})).collect::<Vec<_>>(),
                "anchor": {"level_cents": a.level_cents, "source": a.source},
            }))
            .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "unknown style code"})),
        )
            .into_response(),
    }
}
