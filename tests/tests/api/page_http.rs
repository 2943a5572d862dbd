//! The market page over HTTP: 404 and 400 problems naming the bad parameter, ETag / 304, gzip and
//! CORS, the example events, and 503 with Retry-After when the database is down, a lock is held or
//! exchange rates are missing.

use e2e_tests::api::{self, market_get as call, seed_market, Resp};
use e2e_tests::db::TestDb;

const ORIGIN: &str = "https://app.example.com";

fn state(db: &TestDb) -> market_api::State {
    api::market_state(db.pool())
}

#[tokio::test]
async fn unknown_products_are_404_and_bad_parameters_400_naming_them() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let s = state(&db);
    let nf = call(&s, "/v1/products/AA0000-000", "", &[])
        .await
        .problem(404);
    assert!(nf["detail"].as_str().unwrap().contains("AA0000-000"));
    call(&s, "/v1/nothing", "", &[]).await.problem(404);

    let cases: &[(&str, &str, &str)] = &[
        ("/v1/products/DZ5485-612", "market=XX", "market"),
        ("/v1/products/DZ5485-612", "currency=EURO", "currency"),
        ("/v1/products/DZ5485-612", "size=huge", "size"),
        ("/v1/products/DZ5485-612", "size=-10", "size"),
        ("/v1/products/DZ5485-612", "foo=1", "foo"),
        ("/v1/products/DZ5485-612", "market=US&market=UK", "market"),
        (
            "/v1/products/DZ5485-612%27%3B%20DROP%20TABLE%20market.products%3B--",
            "",
            "style_code",
        ),
        ("/v1/products/%EF%BC%A4%EF%BC%BA5485", "", "style_code"),
        ("/v1/products/ab", "", "style_code"),
        ("/v1/products/DZ5485-612/history", "days=0", "days"),
        ("/v1/products/DZ5485-612/history", "days=366", "days"),
        ("/v1/products/DZ5485-612/history", "days=-1", "days"),
        ("/v1/products/DZ5485-612/history", "days=abc", "days"),
        (
            "/v1/products/DZ5485-612/history",
            "days=99999999999999999999",
            "days",
        ),
        (
            "/v1/products/DZ5485-612/history",
            "marketplace=ebay",
            "marketplace",
        ),
        (
            "/v1/products/DZ5485-612/history",
            "marketplace=%E2%9C%93",
            "marketplace",
        ),
    ];
    for (path, query, name) in cases {
        let r = call(&s, path, query, &[]).await;
        assert_eq!(
            r.invalid_param_names(),
            vec![name.to_string()],
            "{path}?{query}"
        );
    }
    // Several bad parameters are all named.
    let r = call(
        &s,
        "/v1/products/DZ5485-612/history",
        "days=0&market=XX",
        &[],
    )
    .await;
    let mut names = r.invalid_param_names();
    names.sort();
    assert_eq!(names, ["days", "market"]);
    // Still alive and correct after the injection attempts.
    assert_eq!(
        call(&s, "/v1/products/DZ5485-612", "", &[]).await.status,
        200
    );
}

#[tokio::test]
async fn etag_304_gzip_and_cors() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let s = state(&db);
    let first = call(
        &s,
        "/v1/products/DZ5485-612",
        "",
        &[("accept-encoding", "gzip, br"), ("origin", ORIGIN)],
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-encoding"), Some("gzip"));
    assert!(
        first.raw.len() < first.body.len() / 3,
        "gzip should shrink the page"
    );
    assert_eq!(first.json()["style_code"], "DZ5485-612");
    assert_eq!(first.header("access-control-allow-origin"), Some(ORIGIN));
    let etag = first.header("etag").unwrap().to_string();

    let again = call(
        &s,
        "/v1/products/DZ5485-612",
        "",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.raw.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    // The identity encoding has the same validator.
    let plain = call(&s, "/v1/products/DZ5485-612", "", &[]).await;
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(plain.header("etag"), Some(etag.as_str()));
    // Another representation (another currency) has another validator.
    let other = call(
        &s,
        "/v1/products/DZ5485-612",
        "currency=EUR",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(other.status, 200);

    let foreign = call(
        &s,
        "/v1/products/DZ5485-612",
        "",
        &[("origin", "https://evil.example.com")],
    )
    .await;
    assert!(foreign.header("access-control-allow-origin").is_none());

    let pre = Resp::from_lambda(
        market_api::handle(
            &s,
            api::request_from_event(&api::event_file("market-api", "preflight.json")),
        )
        .await,
    );
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(pre
        .header("access-control-allow-methods")
        .unwrap()
        .contains("GET"));
}

#[tokio::test]
async fn example_events_are_served() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let s = state(&db);
    for name in [
        "get-product-page.json",
        "search-products.json",
        "get-history.json",
    ] {
        let req = api::request_from_event(&api::event_file("market-api", name));
        let r = Resp::from_lambda(market_api::handle(&s, req).await);
        assert_eq!(
            r.status,
            200,
            "{name}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
}

#[tokio::test]
async fn database_down_gives_503_with_retry_after() {
    let pool = shared::core::db::DbSettings::from_url("postgres://postgres@127.0.0.1:1/postgres")
        .unwrap()
        .pool(1)
        .unwrap();
    let s = api::market_state(pool);
    let r = call(&s, "/v1/products/DZ5485-612", "", &[]).await;
    r.problem(503);
    assert_eq!(r.header("retry-after"), Some("5"));
    // Bad input is still a 400, not a 503: parameters are checked before the database.
    assert_eq!(
        call(&s, "/v1/products/DZ5485-612", "market=XX", &[])
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn a_request_behind_a_held_lock_answers_503_with_retry_after() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let mut s = state(&db);
    s.limits = shared::core::db::QueryLimits {
        statement_timeout_ms: 2_000,
        lock_timeout_ms: 200,
    };
    // Another session holds a lock the page needs (as a long migration or a VACUUM FULL would).
    let holder = db.client().await;
    holder
        .batch_execute("BEGIN; LOCK TABLE market.products IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        call(&s, "/v1/products/DZ5485-612", "", &[]),
    )
    .await
    .expect("the request does not wait for the lock");
    let p = r.problem(503);
    assert!(r.header("retry-after").is_some(), "{p}");
    // The pooled connection is clean afterwards: once the lock is gone the page is served.
    holder.batch_execute("ROLLBACK").await.unwrap();
    let r = call(&s, "/v1/products/DZ5485-612", "", &[]).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test]
async fn missing_fx_rates_give_503_not_a_wrong_number() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    c.batch_execute("DELETE FROM market.fx_rates")
        .await
        .unwrap();
    let s = state(&db);
    assert_eq!(
        call(&s, "/v1/products/DZ5485-612", "", &[]).await.status,
        200
    );
    let r = call(&s, "/v1/products/DZ5485-612", "currency=CHF", &[]).await;
    r.problem(503);
    assert!(r.header("retry-after").is_some());
}
