//! StockX API v2 and its OAuth token endpoint.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use shared::core::domain::Currency;
use uuid::Uuid;

use crate::catalog::{default_type, size_chart_conversions, SandboxProduct, SandboxSize};
use crate::pricing::{convert_major, stockx_usd};
use crate::state::Api;
use crate::{lock, not_found, stockx_error, App};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/v2/catalog/search", get(search))
        .route("/v2/catalog/products/{id}", get(product))
        .route("/v2/catalog/products/{id}/variants", get(variants))
        .route("/v2/catalog/products/{id}/variants/{vid}", get(variant))
        .route("/v2/catalog/products/{id}/market-data", get(market_data))
        .route(
            "/v2/catalog/products/{id}/variants/{vid}/market-data",
            get(variant_market_data),
        )
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /oauth/token`: refresh-token grant with rotation, and the authorization-code grant.
async fn token(State(app): State<Arc<App>>, Form(form): Form<HashMap<String, String>>) -> Response {
    app.count("stockx.oauth_token", None);
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != app.cfg.client_id || get("client_secret") != app.cfg.client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized");
    }
    let rotate = match get("grant_type") {
        "refresh_token" => {
            let mut t = lock(&app.tokens);
            if !t.refresh.contains(get("refresh_token")) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Unknown or invalid refresh token.",
                );
            }
            if app.cfg.rotate_refresh_tokens {
                t.refresh.remove(get("refresh_token"));
            }
            app.cfg.rotate_refresh_tokens
        }
        "authorization_code" if !get("code").is_empty() => true,
        "" => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing grant_type",
            )
        }
        _ => {
            return oauth_error(
                StatusCode::FORBIDDEN,
                "unauthorized_client",
                "Grant type not allowed",
            )
        }
    };
    let mut t = lock(&app.tokens);
    t.issued += 1;
    let n = t.issued;
    let access = format!("sbx-access-{n}-{}", Uuid::new_v4().simple());
    t.access.insert(
        access.clone(),
        Instant::now() + Duration::from_secs(app.cfg.access_token_ttl_secs),
    );
    let mut body = json!({
        "access_token": access,
        "id_token": format!("sbx-id-{n}"),
        "scope": "openid offline_access",
        "expires_in": app.cfg.access_token_ttl_secs,
        "token_type": "Bearer",
    });
    if rotate {
        let refresh = format!("sbx-refresh-{n}-{}", Uuid::new_v4().simple());
        t.refresh.insert(refresh.clone());
        body["refresh_token"] = json!(refresh);
    }
    Json(body).into_response()
}

fn product_json(p: &SandboxProduct, dup: bool, with_chart: bool) -> Value {
    let (id, title, url_key) = match (&p.stockx_duplicate_id, dup) {
        (Some(d), true) => (
            d.clone(),
            format!("{} (Special Box)", p.name),
            format!("{}-special-box", p.url_key),
        ),
        _ => (p.stockx_id.clone(), p.name.clone(), p.url_key.clone()),
    };
    let mut v = json!({
        "productId": id,
        "urlKey": url_key,
        "styleId": p.stockx_style_id,
        "productType": "sneakers",
        "title": title,
        "brand": p.brand,
        "productAttributes": {
            "gender": p.gender,
            "season": null,
            "releaseDate": p.release_date,
            "retailPrice": p.retail_cents.map(|c| if c % 100 == 0 { json!(c / 100) } else { serde_json::from_str::<Value>(&format!("{}.{:02}", c / 100, c % 100)).unwrap_or(Value::Null) }),
            "colorway": p.colorway,
            "color": null,
        },
    });
    if with_chart {
        let first = p.sizes.first();
        let default = first.map(|s| default_type(&s.spec)).unwrap_or("us m");
        let mut conv: Vec<Value> = first
            .map(|s| size_chart_conversions(&s.spec))
            .unwrap_or_default()
            .into_iter()
            .map(|(label, kind)| json!({"name": label.rsplit_once(' ').map(|x| x.0).unwrap_or(&label), "type": kind}))
            .collect();
        if conv.is_empty() {
            conv.push(json!({"name": default.to_ascii_uppercase(), "type": default}));
        }
        v["sizeChart"] = json!({
            "availableConversions": conv,
            "defaultConversion": {"name": default.to_ascii_uppercase(), "type": default},
        });
        v["isFlexEligible"] = json!(true);
        v["isDirectEligible"] = json!(false);
    }
    v
}

/// Variant ids: the main listing's are fixed per size; the duplicate listing gets its own.
fn variant_id(p: &SandboxProduct, dup: bool, s: &SandboxSize) -> String {
    match (&p.stockx_duplicate_id, dup) {
        (Some(d), true) => Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("sandbox:variant:{d}:{}", s.label).as_bytes(),
        )
        .to_string(),
        _ => s.stockx_variant_id.clone(),
    }
}

fn variant_json(p: &SandboxProduct, dup: bool, index: usize, s: &SandboxSize) -> Value {
    let conv: Vec<Value> = size_chart_conversions(&s.spec)
        .into_iter()
        .map(|(label, kind)| json!({"size": label, "type": kind}))
        .collect();
    let id = variant_id(p, dup, s);
    let upc = 190_000_000_000u64 + crate::hash::h(0, &[&id]) % 9_999_999_999;
    json!({
        "productId": if dup { p.stockx_duplicate_id.clone().unwrap_or_default() } else { p.stockx_id.clone() },
        "variantId": id,
        "variantName": format!("{}:{}", p.url_key.split('-').map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        }).collect::<Vec<_>>().join("-"), index + 1),
        "variantValue": s.label,
        "sizeChart": {"availableConversions": conv, "defaultConversion": {"size": s.label, "type": default_type(&s.spec)}},
        "gtins": [{"identifier": upc.to_string(), "type": "UPC"}, {"identifier": format!("0{upc}"), "type": "EAN-13"}],
        "isFlexEligible": true,
        "isDirectEligible": false,
    })
}

fn market_json(
    app: &App,
    p: &SandboxProduct,
    dup: bool,
    s: &SandboxSize,
    currency: Currency,
) -> Value {
    let bucket = app.bucket() + u64::from(dup);
    let q = stockx_usd(app.cfg.seed, p, app.anchor(p), s, bucket);
    let money = |usd: Option<i64>| {
        usd.and_then(|c| convert_major(app.cfg.seed, &p.style_code, c, currency))
            .map(|v| v.to_string())
    };
    let ask = money(q.ask);
    let bid = money(q.bid);
    let flex = money(q.ask.map(|a| a + 500));
    let faster = money(q.ask.map(|a| (a - 500).max(100)));
    let more = money(q.ask.map(|a| a + 1_500));
    json!({
        "productId": if dup { p.stockx_duplicate_id.clone().unwrap_or_default() } else { p.stockx_id.clone() },
        "variantId": variant_id(p, dup, s),
        "currencyCode": currency.code(),
        "lowestAskAmount": ask,
        "highestBidAmount": bid,
        "sellFasterAmount": faster,
        "earnMoreAmount": more,
        "flexLowestAskAmount": flex,
        "standardMarketData": {"beatUS": faster, "earnMore": more, "sellFaster": faster, "highestBidAmount": bid, "lowestAsk": ask},
        "flexMarketData": {"beatUS": flex, "earnMore": more, "sellFaster": faster, "highestBidAmount": bid, "lowestAsk": flex},
        "directMarketData": {"beatUS": null, "earnMore": null, "sellFaster": null, "highestBidAmount": null, "lowestAsk": null},
    })
}

fn find<'a>(app: &'a App, id: &str) -> Option<(&'a SandboxProduct, bool)> {
    app.catalog
        .stockx(id)
        .filter(|(p, _)| !app.forced_missing(Api::Stockx, &[&p.style_code]))
}

async fn search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ctx = match app.gate(Api::Stockx, "stockx.search", None, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let query = q.get("query").map(|s| s.trim()).unwrap_or("");
    if query.is_empty() || query.len() > 100 {
        return stockx_error(StatusCode::BAD_REQUEST, "query must be 1-100 characters");
    }
    let page_number: usize = match q.get("pageNumber").map(|s| s.parse()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        _ => {
            return stockx_error(
                StatusCode::BAD_REQUEST,
                "pageNumber must be a positive integer",
            )
        }
    };
    // The documented default page size is 1; the maximum is 50.
    let page_size: usize = match q.get("pageSize").map(|s| s.parse()) {
        None => 1,
        Some(Ok(n)) if (1..=50).contains(&n) => n,
        _ => return stockx_error(StatusCode::BAD_REQUEST, "pageSize must be between 1 and 50"),
    };
    let hits = app.catalog.search(query, |p| {
        p.on_stockx && !app.forced_missing(Api::Stockx, &[&p.style_code])
    });
    let mut listings: Vec<Value> = Vec::new();
    for p in hits {
        listings.push(product_json(p, false, false));
        if p.stockx_duplicate_id.is_some() {
            listings.push(product_json(p, true, false));
        }
    }
    let count = listings.len();
    let start = (page_number - 1) * page_size;
    let products: Vec<Value> = listings.into_iter().skip(start).take(page_size).collect();
    let body = json!({
        "count": count,
        "pageSize": products.len(),
        "pageNumber": page_number,
        "hasNextPage": start + page_size < count,
        "products": products,
    });
    app.finish(ctx, body)
}

async fn product(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = match app
        .gate(Api::Stockx, "stockx.product", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    match find(&app, &id) {
        Some((p, dup)) => app.finish(ctx, product_json(p, dup, true)),
        None => not_found(Api::Stockx),
    }
}

async fn variants(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = match app
        .gate(Api::Stockx, "stockx.variants", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    match find(&app, &id) {
        Some((p, dup)) => {
            let list: Vec<Value> = p
                .sizes
                .iter()
                .enumerate()
                .map(|(i, s)| variant_json(p, dup, i, s))
                .collect();
            app.finish(ctx, Value::Array(list))
        }
        None => not_found(Api::Stockx),
    }
}

async fn variant(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((id, vid)): Path<(String, String)>,
) -> Response {
    let ctx = match app
        .gate(Api::Stockx, "stockx.variant", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some((p, dup)) = find(&app, &id) else {
        return not_found(Api::Stockx);
    };
    match p
        .sizes
        .iter()
        .enumerate()
        .find(|(_, s)| variant_id(p, dup, s) == vid)
    {
        Some((i, s)) => app.finish(ctx, variant_json(p, dup, i, s)),
        None => stockx_error(
            StatusCode::BAD_REQUEST,
            "Variant does not belong to the product.",
        ),
    }
}

/// The requested currency when StockX quotes it (default USD).
fn currency_param(q: &HashMap<String, String>) -> Option<Currency> {
    let code = q.get("currencyCode").map(String::as_str).unwrap_or("USD");
    code.parse::<Currency>()
        .ok()
        .filter(|c| crate::pricing::fx_per_kusd(*c).is_some())
}

async fn market_data(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ctx = match app
        .gate(Api::Stockx, "stockx.market_data", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(currency) = currency_param(&q) else {
        return stockx_error(StatusCode::BAD_REQUEST, "Invalid currencyCode");
    };
    // Counted per currency as well, so tests can see which markets a client asked for.
    app.count(&format!("stockx.market_data?currencyCode={currency}"), None);
    match find(&app, &id) {
        Some((p, dup)) => {
            let rows: Vec<Value> = p
                .sizes
                .iter()
                .map(|s| market_json(&app, p, dup, s, currency))
                .collect();
            app.finish(ctx, Value::Array(rows))
        }
        None => not_found(Api::Stockx),
    }
}

async fn variant_market_data(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((id, vid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ctx = match app
        .gate(
            Api::Stockx,
            "stockx.variant_market_data",
            Some(&id),
            &headers,
        )
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(currency) = currency_param(&q) else {
        return stockx_error(StatusCode::BAD_REQUEST, "Invalid currencyCode");
    };
    let Some((p, dup)) = find(&app, &id) else {
        return not_found(Api::Stockx);
    };
    match p.sizes.iter().find(|s| variant_id(p, dup, s) == vid) {
        Some(s) => app.finish(ctx, market_json(&app, p, dup, s, currency)),
        None => stockx_error(
            StatusCode::BAD_REQUEST,
            "Variant does not belong to the product.",
        ),
    }
}
