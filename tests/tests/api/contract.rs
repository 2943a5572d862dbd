//! Real responses of both functions validated against the OpenAPI 3.1 document
//! (openapi/openapi.yaml), and every route of the document answered by a handler.

use e2e_tests::api::{self, assert_conforms, get, seed_market, Resp};
use e2e_tests::db::TestDb;
use shared::api::jwt::JwtVerifier;
use shared::api::Cors;
use shared::valuation::fees::FeeSchedule;
use uuid::Uuid;

#[tokio::test]
async fn responses_conform_to_the_openapi_document() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let m = market_api::State::new(db.pool(), Cors::default(), FeeSchedule::default());
    let market = |path: &'static str, query: &'static str| {
        let m = &m;
        async move { Resp::from_lambda(market_api::handle(m, get(path, query, &[])).await) }
    };

    for (path, query, schema) in [
        ("/v1/products", "", "SearchResponse"),
        ("/v1/products", "q=dunk&limit=1&market=UK", "SearchResponse"),
        ("/v1/products/DZ5485-612", "", "ProductPage"),
        (
            "/v1/products/DZ5485-612",
            "market=UK&size=10",
            "ProductPage",
        ),
        ("/v1/products/DZ5485-612", "currency=JPY", "ProductPage"),
        ("/v1/products/FZ5000-100", "", "ProductPage"),
        (
            "/v1/products/DZ5485-612/history",
            "size=10&marketplace=stockx&days=90",
            "HistoryResponse",
        ),
        (
            "/v1/products/DZ5485-612/history",
            "market=EU",
            "HistoryResponse",
        ),
    ] {
        let r = market(path, query).await;
        assert_eq!(r.status, 200, "{path}?{query}");
        assert_conforms(schema, &r.json());
    }
    for (path, query, status) in [
        ("/v1/products/AA0000-000", "", 404),
        ("/v1/products", "limit=0", 400),
        ("/v1/products/DZ5485-612/history", "days=999", 400),
    ] {
        let r = market(path, query).await;
        assert_conforms("Problem", &r.problem(status));
    }

    // inventory-api: every price_source shape and the status route.
    let user = Uuid::new_v4();
    for (style, size, unit) in [
        ("DZ5485-612", "10", "US"),
        ("DZ5485-612", "9", "UK"),
        ("FZ5000-100", "10", "US"),
        ("AA1111-111", "10", "US"),
        ("DD1391-100", "10", "US"),
        ("DZ5485-612", "abc", "US"),
    ] {
        api::Item::new(user, style, size)
            .unit(unit)
            .cost("120.00", "EUR")
            .insert(&c)
            .await;
    }
    let verifier = JwtVerifier::new(Some(api::JWT_SECRET.as_bytes()), None, 30).unwrap();
    let inv = inventory_api::State::new(
        db.pool(),
        Cors::default(),
        FeeSchedule::default(),
        verifier,
        None,
    );
    let token = api::hs256(&api::claims(user, 3600), api::JWT_SECRET);
    let auth = format!("Bearer {token}");
    let r = Resp::from_lambda(
        inventory_api::handle(&inv, get("/v1/inventory", "", &[("authorization", &auth)])).await,
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_conforms("InventoryResponse", &v);
    assert!(
        v["fx"]["rate_date"].is_string(),
        "EUR purchases converted to USD name the rate date"
    );
    let r = Resp::from_lambda(inventory_api::handle(&inv, get("/v1/status", "", &[])).await);
    assert_conforms("LivenessResponse", &r.json());
    let r = Resp::from_lambda(inventory_api::handle(&inv, get("/v1/inventory", "", &[])).await);
    assert_conforms("Problem", &r.problem(401));
}

#[test]
fn every_documented_route_is_served_and_the_document_is_3_1() {
    let doc = api::openapi();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        [
            "/v1/inventory",
            "/v1/me",
            "/v1/ops/status",
            "/v1/products",
            "/v1/products/{style_code}",
            "/v1/products/{style_code}/history",
            "/v1/status"
        ]
    );
    // The validator does reject non-conforming documents.
    let bad = std::panic::catch_unwind(|| {
        assert_conforms("Problem", &serde_json::json!({"status": "x"}))
    });
    assert!(bad.is_err());
    // Every schema compiles (refs resolve).
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        let mut root = doc.clone();
        root["$ref"] = serde_json::json!(format!("#/components/schemas/{name}"));
        jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
