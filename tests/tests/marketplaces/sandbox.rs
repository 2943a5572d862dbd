//! The sandbox marketplace itself: protocols, limits, determinism, admin endpoints.

use e2e_tests::sandbox::{test_config, Sandbox};
use reqwest::StatusCode;
use sandbox_market::SandboxConfig;
use serde_json::{json, Value};

async fn token(s: &Sandbox) -> String {
    let body: Value = s
        .refresh_grant(&s.running.app.cfg.initial_refresh_token)
        .await
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

async fn stockx_get(s: &Sandbox, token: &str, path: &str) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .get(s.url(path))
        .header("x-api-key", &s.running.app.cfg.api_key)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn alias_get(s: &Sandbox, path: &str) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .get(s.url(path))
        .bearer_auth(&s.running.app.cfg.alias_token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn serves_the_whole_catalogue_on_both_protocols() {
    let s = Sandbox::start_default().await;
    let products = &s.running.app.catalog.products;
    assert!(products.len() > 1_400, "{}", products.len());
    let missing_stockx = products.iter().filter(|p| !p.on_stockx).count();
    let missing_alias = products.iter().filter(|p| !p.on_alias).count();
    assert!(missing_stockx > 0 && missing_alias > 0);
    assert!(
        (missing_stockx + missing_alias) * 100 / products.len() <= 8,
        "about 5% missing on one marketplace"
    );
    assert!(products.iter().all(|p| p.on_stockx || p.on_alias));
    // Catalogue StockX ids are kept.
    let fz = s.running.app.catalog.by_style_code("FZ5000").unwrap();
    assert_eq!(fz.stockx_id, "715fc618-f9a3-4bc2-90c2-bbfb9f24e9dd");
    assert_eq!(fz.alias_sku, "FZ5000");

    let t = token(&s).await;
    let p = s.plain_product();
    let (st, body) = stockx_get(
        &s,
        &t,
        &format!(
            "/v2/catalog/search?query={}&pageNumber=1&pageSize=10",
            p.style_code
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["products"][0]["productId"], p.stockx_id.as_str());
    let (st, body) = stockx_get(
        &s,
        &t,
        &format!("/v2/catalog/products/{}/variants", p.stockx_id),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), p.sizes.len());
    assert_eq!(body[0]["sizeChart"]["defaultConversion"]["type"], "us m");

    let (st, body) = alias_get(
        &s,
        &format!("/api/v1/catalog?query={}", p.style_code.replace('-', "%20")),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["catalog_items"][0]["catalog_id"], p.alias_id.as_str());
    assert_eq!(
        body["catalog_items"][0]["sku"],
        p.style_code.replace('-', " ")
    );
    let (st, body) = alias_get(
        &s,
        &format!(
            "/api/v1/pricing_insights/availabilities/{}?region_id=1",
            p.alias_id
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let rows = body["variants"].as_array().unwrap();
    assert!(rows.len() >= p.sizes.len());
    assert!(rows.iter().all(|r| r.get("consigned").is_none()));
    assert!(rows
        .iter()
        .all(|r| r["availability"]["lowest_listing_price_cents"].is_string()));
    let (_, body) = alias_get(
        &s,
        &format!(
            "/api/v1/pricing_insights/availabilities/{}?consigned=false",
            p.alias_id
        ),
    )
    .await;
    assert!(body["variants"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["consigned"] == false));
    let (st, body) = alias_get(&s, "/api/v1/pricing_insights/availability?catalog_id=x").await;
    assert_eq!(
        (st, body["code"].as_i64()),
        (StatusCode::BAD_REQUEST, Some(3))
    );
}

#[tokio::test]
async fn credentials_are_checked_and_refresh_tokens_rotate() {
    let s = Sandbox::start_default().await;
    let (st, body) = stockx_get(&s, "bogus", "/v2/catalog/search?query=FZ5000&pageSize=1").await;
    assert_eq!(
        (st, body["statusCode"].as_i64()),
        (StatusCode::UNAUTHORIZED, Some(401))
    );
    let resp = reqwest::get(s.url("/api/v1/test")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let _ = token(&s).await;
    // The initial refresh token was used once and is now invalid.
    let c = &s.running.app.cfg;
    let resp = reqwest::Client::new()
        .post(s.url("/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", c.client_id.as_str()),
            ("client_secret", c.client_secret.as_str()),
            ("refresh_token", c.initial_refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn stockx_limit_is_enforced_with_429_and_counted() {
    let s = Sandbox::start_throttled().await;
    s.faults(json!({"retry_after": true})).await;
    let t = token(&s).await;
    let (a, _) = stockx_get(&s, &t, "/v2/catalog/search?query=FZ5000&pageSize=1").await;
    let resp = reqwest::Client::new()
        .get(s.url("/v2/catalog/search?query=FZ5000&pageSize=1"))
        .header("x-api-key", &s.running.app.cfg.api_key)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(a, StatusCode::OK);
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"statusCode": 429, "message": "Too Many Requests"})
    );
    let (bad, _) = stockx_get(&s, &t, "/v2/catalog/search?query=FZ5000&pageSize=51").await;
    assert!(bad == StatusCode::BAD_REQUEST || bad == StatusCode::TOO_MANY_REQUESTS);
    let stats = s.stats().await;
    assert!(stats["total_429"].as_u64().unwrap() >= 1);
    assert_eq!(
        stats["marketplaces"]["stockx"]["accepted"]
            .as_u64()
            .unwrap()
            + stats["total_429"].as_u64().unwrap(),
        3
    );
    s.reset().await;
    assert_eq!(s.stats().await["total_requests"], 0);
}

#[tokio::test]
async fn prices_are_deterministic_per_seed_and_move_per_bucket() {
    let a = Sandbox::start_default().await;
    let b = Sandbox::start(SandboxConfig { ..test_config() }).await;
    let p = a.plain_product();
    let path = format!(
        "/api/v1/pricing_insights/availabilities/{}?region_id=1",
        p.alias_id
    );
    let (_, first) = alias_get(&a, &path).await;
    let (_, same_seed) = alias_get(&b, &path).await;
    assert_eq!(first, same_seed, "same seed, same bucket, same prices");
    let (_, again) = alias_get(&a, &path).await;
    assert_eq!(first, again, "frozen epoch: prices hold");
    a.post("/__admin/advance", json!({"buckets": 1})).await;
    let (_, moved) = alias_get(&a, &path).await;
    assert_ne!(first, moved, "advancing the epoch moves prices");
    let c = Sandbox::start(SandboxConfig {
        seed: 99,
        ..test_config()
    })
    .await;
    let (_, other_seed) = alias_get(&c, &path).await;
    assert_ne!(first, other_seed);
}

#[tokio::test]
async fn real_sales_anchor_prices_when_available() {
    let s = Sandbox::start(SandboxConfig {
        sales_dir: SandboxConfig::default().sales_dir,
        ..test_config()
    })
    .await;
    // 555088-007 is one of the products with 2017-18 transaction-level StockX sales.
    let info = s.get("/__admin/products/555088-007").await;
    assert_eq!(info["anchor"]["source"], "stockx_sales_2017_2018");
    let sources: std::collections::HashSet<String> = s
        .running
        .app
        .catalog
        .products
        .iter()
        .map(|p| s.running.app.anchor_source(p).to_string())
        .collect();
    assert!(sources.contains("retail_model"));
}
