//! Alias API v1: catalog search, catalog item, pricing insights.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rust_decimal::Decimal;
use serde_json::{json, Number, Value};
use shared::core::sizes::SizeSystem;

use crate::catalog::{SandboxProduct, SandboxSize};
use crate::hash::{chance, h};
use crate::pricing::{alias_usd, UsdQuote};
use crate::sales::{self, SalesFilter, PACKAGING_CONDITIONS, PRODUCT_CONDITIONS};
use crate::state::Api;
use crate::{alias_error, not_found, App};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/test", get(test))
        .route("/api/v1/catalog", get(search))
        .route("/api/v1/catalog/{id}", get(item))
        .route(
            "/api/v1/pricing_insights/availabilities/{id}",
            get(availabilities),
        )
        .route("/api/v1/pricing_insights/availability", get(availability))
        .route("/api/v1/pricing_insights/recent_sales", get(recent_sales))
}

fn num(d: Decimal) -> Value {
    Number::from_str(&d.normalize().to_string())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn cents(v: Option<i64>) -> String {
    v.unwrap_or(0).to_string()
}

fn display(s: &SandboxSize) -> String {
    match s.spec.system {
        SizeSystem::UsM => s.spec.value.normalize().to_string(),
        _ => s.label.clone(),
    }
}

fn item_json(p: &SandboxProduct) -> Value {
    let sizes: Vec<Value> = p
        .sizes
        .iter()
        .map(|s| json!({"display_name": display(s), "value": num(s.spec.value), "us_size_equivalent": num(s.spec.value)}))
        .collect();
    let gender = match p.gender.as_str() {
        "child" => "youth",
        g => g,
    };
    json!({
        "catalog_id": p.alias_id,
        "name": p.name,
        "sku": p.alias_sku,
        "brand": p.brand,
        "gender": gender,
        "release_date": p.release_date.as_ref().map(|d| format!("{d}T23:59:59.999Z")),
        "product_category": "PRODUCT_CATEGORY_SHOES",
        "product_category_v2": "shoes",
        "product_type": "sneakers",
        "size_unit": "SIZE_UNIT_US",
        "allowed_sizes": sizes,
        "minimum_listing_price_cents": "2500",
        "maximum_listing_price_cents": "200000",
        "main_picture_url": format!("https://image.goat.com/750/attachments/product_template_pictures/images/sandbox/{}.png", p.style_code.replace('-', "_")),
        "retail_price_cents": p.retail_cents.map(|c| c.to_string()),
        "colorway": p.colorway,
        "nickname": p.name,
        "requires_listing_pictures": false,
        "resellable": true,
        "requested_pictures": [{"type": "PICTURE_TYPE_OUTER", "quantity": "1"}, {"type": "PICTURE_TYPE_EXTRA", "quantity": "3"}],
    })
}

fn availability_json(q: UsdQuote) -> Value {
    json!({
        "lowest_listing_price_cents": cents(q.ask),
        "highest_offer_price_cents": cents(q.bid),
        "last_sold_listing_price_cents": cents(q.last_sale),
        "global_indicator_price_cents": cents(q.ask.map(|a| a + 100)),
    })
}

fn find<'a>(app: &'a App, id: &str) -> Option<&'a SandboxProduct> {
    app.catalog
        .alias(id)
        .filter(|p| !app.forced_missing(Api::Alias, &[&p.style_code]))
}

async fn test(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match app.gate(Api::Alias, "alias.test", None, &headers).await {
        Ok(ctx) => app.finish(ctx, json!({"ok": true})),
        Err(r) => r,
    }
}

async fn search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ctx = match app.gate(Api::Alias, "alias.search", None, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let query = q.get("query").map(|s| s.trim()).unwrap_or("");
    if query.is_empty() {
        return alias_error(StatusCode::BAD_REQUEST, 3, "Missing parameter: input.Query");
    }
    let limit: usize = match q.get("limit").map(|s| s.parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if n >= 1 => n.min(50),
        _ => return alias_error(StatusCode::BAD_REQUEST, 3, "invalid limit"),
    };
    let offset: usize = match q.get("pagination_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => match t.strip_prefix("sbx-").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return alias_error(StatusCode::BAD_REQUEST, 3, "invalid pagination_token"),
        },
    };
    let hits = app.catalog.search(query, |p| {
        p.on_alias && !app.forced_missing(Api::Alias, &[&p.style_code])
    });
    let total = hits.len();
    let items: Vec<Value> = hits
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(item_json)
        .collect();
    let has_more = offset + limit < total;
    let body = json!({
        "catalog_items": items,
        "next_pagination_token": if has_more { format!("sbx-{}", offset + limit) } else { String::new() },
        "has_more": has_more,
    });
    app.finish(ctx, body)
}

async fn item(State(app): State<Arc<App>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let ctx = match app
        .gate(Api::Alias, "alias.catalog_item", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    match find(&app, &id) {
        Some(p) => app.finish(ctx, json!({"catalog_item": item_json(p)})),
        None => not_found(Api::Alias),
    }
}

/// Rows for one size: the standard NEW/GOOD market, plus for some sizes a no-box and a used
/// market (cheaper; ignored by clients for the headline price). With `consigned`, rows carry the
/// key and consigned stock is a little dearer.
fn size_rows(
    app: &App,
    p: &SandboxProduct,
    s: &SandboxSize,
    region: &str,
    consigned: Option<bool>,
) -> Vec<Value> {
    let seed = app.cfg.seed;
    let base = alias_usd(seed, p, app.anchor(p), s, app.bucket(), region);
    let scale = |q: UsdQuote, bp: i64| UsdQuote {
        ask: q.ask.map(|v| (v * bp / 10_000 / 100).max(1) * 100),
        bid: q.bid.map(|v| (v * bp / 10_000 / 100).max(1) * 100),
        last_sale: q.last_sale.map(|v| (v * bp / 10_000 / 100).max(1) * 100),
    };
    let main = if consigned == Some(true) {
        scale(base, 10_300)
    } else {
        base
    };
    let mut rows = vec![(
        "PRODUCT_CONDITION_NEW",
        "PACKAGING_CONDITION_GOOD_CONDITION",
        main,
    )];
    if chance(h(seed, &["al-nobox", &p.style_code, &s.label]), 300) {
        rows.push((
            "PRODUCT_CONDITION_NEW",
            "PACKAGING_CONDITION_NO_ORIGINAL_BOX",
            UsdQuote {
                bid: None,
                ..scale(base, 8_800)
            },
        ));
    }
    if chance(h(seed, &["al-used", &p.style_code, &s.label]), 200) {
        rows.push((
            "PRODUCT_CONDITION_USED",
            "PACKAGING_CONDITION_GOOD_CONDITION",
            scale(base, 6_200),
        ));
    }
    rows.into_iter()
        .map(|(pc, pk, q)| {
            let mut v = json!({
                "size": num(s.spec.value),
                "product_condition": pc,
                "packaging_condition": pk,
                "availability": availability_json(q),
            });
            if let Some(c) = consigned {
                v["consigned"] = json!(c);
            }
            v
        })
        .collect()
}

/// `consigned` as given (`Some(None)` when absent); `None` when it is not a boolean.
fn consigned_param(q: &HashMap<String, String>) -> Option<Option<bool>> {
    match q.get("consigned").map(String::as_str) {
        None | Some("") => Some(None),
        Some("true") => Some(Some(true)),
        Some("false") => Some(Some(false)),
        Some(_) => None,
    }
}

async fn availabilities(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ctx = match app
        .gate(Api::Alias, "alias.availabilities", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(consigned) = consigned_param(&q) else {
        return alias_error(StatusCode::BAD_REQUEST, 3, "invalid consigned");
    };
    let region = q.get("region_id").map(String::as_str).unwrap_or("");
    // Counted per region as well, so tests can see which regions a client asked for.
    app.count(&format!("alias.availabilities?region_id={region}"), None);
    let Some(p) = find(&app, &id) else {
        return not_found(Api::Alias);
    };
    let variants: Vec<Value> = p
        .sizes
        .iter()
        .flat_map(|s| size_rows(&app, p, s, region, consigned))
        .collect();
    app.finish(ctx, json!({"variants": variants}))
}

async fn availability(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = q.get("catalog_id").cloned().unwrap_or_default();
    let ctx = match app
        .gate(Api::Alias, "alias.availability", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(size) = q.get("size").and_then(|s| Decimal::from_str(s).ok()) else {
        return alias_error(StatusCode::BAD_REQUEST, 3, "Missing parameter: input.Size");
    };
    let (Some(pc), Some(pk)) = (q.get("product_condition"), q.get("packaging_condition")) else {
        return alias_error(
            StatusCode::BAD_REQUEST,
            3,
            "Missing parameter: input.ProductCondition",
        );
    };
    let Some(consigned) = consigned_param(&q) else {
        return alias_error(StatusCode::BAD_REQUEST, 3, "invalid consigned");
    };
    let Some(p) = find(&app, &id) else {
        return not_found(Api::Alias);
    };
    let Some(s) = p.sizes.iter().find(|s| s.spec.value == size) else {
        return alias_error(
            StatusCode::BAD_REQUEST,
            3,
            "size not allowed for this catalog item",
        );
    };
    let region = q.get("region_id").map(String::as_str).unwrap_or("");
    let row = size_rows(&app, p, s, region, consigned)
        .into_iter()
        .find(|r| r["product_condition"] == pc.as_str() && r["packaging_condition"] == pk.as_str());
    let availability = row.map(|r| r["availability"].clone()).unwrap_or_else(|| {
        availability_json(UsdQuote {
            ask: None,
            bid: None,
            last_sale: None,
        })
    });
    app.finish(ctx, json!({"availability": availability}))
}

/// The filters of a `recent_sales` request; `Err` = the 400 message.
fn sales_filter(q: &HashMap<String, String>) -> Result<SalesFilter, String> {
    let region = match q
        .get("region_id")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(r) => match r.parse::<u8>() {
            Ok(n @ 1..=6) => Some(n),
            _ => return Err(format!("invalid value for region_id: {r:?}")),
        },
    };
    Ok(SalesFilter {
        product_condition: sales::enum_param(
            q.get("product_condition"),
            &PRODUCT_CONDITIONS,
            "product_condition",
        )?,
        packaging_condition: sales::enum_param(
            q.get("packaging_condition"),
            &PACKAGING_CONDITIONS,
            "packaging_condition",
        )?,
        consigned: consigned_param(q).ok_or("invalid value for consigned")?,
        region,
    })
}

/// `GET /pricing_insights/recent_sales`: one size's sales, newest first. As the real API:
/// `size` is required in practice (400 "Missing parameter: input.Size" without it, also for the
/// documented catalog-level pattern), `limit` defaults to 10 and goes up to 200 only when all
/// four filters are given (else at most 10), prices are USD cents as strings in every region.
async fn recent_sales(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = q.get("catalog_id").cloned().unwrap_or_default();
    let ctx = match app
        .gate(Api::Alias, "alias.recent_sales", Some(&id), &headers)
        .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let bad = |msg: &str| alias_error(StatusCode::BAD_REQUEST, 3, msg);
    if id.trim().is_empty() {
        return bad("Missing parameter: input.CatalogId");
    }
    // proto3: an absent double and 0 are the same thing.
    let size = match q.get("size").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => return bad("Missing parameter: input.Size"),
        Some(raw) => match Decimal::from_str(raw) {
            Ok(d) if d.is_zero() => return bad("Missing parameter: input.Size"),
            Ok(d) if d.is_sign_positive() => d.normalize(),
            _ => return bad(&format!("invalid value for size: {raw:?}")),
        },
    };
    let filter = match sales_filter(&q) {
        Ok(f) => f,
        Err(msg) => return bad(&msg),
    };
    let cap = if filter.complete() { 200 } else { 10 };
    let limit = match q.get("limit").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(0) => 10,
            Ok(n) => n.min(cap),
            Err(_) => return bad(&format!("invalid value for limit: {raw:?}")),
        },
    };
    let Some(p) = find(&app, &id) else {
        return not_found(Api::Alias);
    };
    let Some(s) = p.sizes.iter().find(|s| s.spec.value == size) else {
        return bad(&format!(
            "size {size} is not an allowed size for catalog item {}",
            p.alias_id
        ));
    };
    // Counted per size as well, so tests can see that a client asks once per size.
    app.count(
        &format!("alias.recent_sales?size={size}"),
        Some(&p.alias_id),
    );
    let size_json = num(s.spec.value);
    let rows = sales::recent_sales(&app, p, s, &filter, limit);
    let mut body: Vec<Value> = rows
        .iter()
        .map(|r| sales::sale_json(r, &p.alias_id, &size_json))
        .collect();
    if quirky(&app, p) {
        let filler = sales::SaleRow {
            at_ms: 1_735_689_600_000,
            price_cents: 20_000,
            consigned: false,
            region: 1,
            product_condition: 1,
            packaging_condition: 1,
        };
        let newest = sales::sale_json(&filler, &p.alias_id, &size_json);
        let other = num(s.spec.value + Decimal::new(5, 1));
        sales::inject_quirks(&mut body, newest, &other);
    }
    app.finish(ctx, json!({"recent_sales": body}))
}

/// True when the `sales_quirks` fault lists this product (by catalog id or style code).
fn quirky(app: &App, p: &SandboxProduct) -> bool {
    let f = crate::lock(&app.faults);
    f.hits(Api::Alias)
        && f.sales_quirks.iter().any(|x| {
            x == &p.alias_id || shared::core::domain::normalize_style_code(x) == p.style_code
        })
}
