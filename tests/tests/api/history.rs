//! market-api per-size history (on the page and its history route) against a real database, read
//! from raw day partitions and again once the days are packed into months.

use e2e_tests::api::{self, market_get as call, seed_market};
use e2e_tests::db::TestDb;

fn state(db: &TestDb) -> market_api::State {
    api::market_state(db.pool())
}

#[tokio::test]
async fn size_history_and_history_route() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let s = state(&db);
    let v = call(&s, "/v1/products/DZ5485-612", "size=10", &[])
        .await
        .json();
    assert_eq!(v["size_history"]["scope"], "size");
    assert_eq!(v["size_history"]["size"], "10");
    let pts = v["size_history"]["points"].as_array().unwrap();
    assert_eq!(pts.len(), 30);
    // Each day's close from the size's change events, carried forward; today the latest prices.
    assert_eq!(pts[0]["marketplaces"][0]["ask_minor"], 20_000);
    assert_eq!(pts[0]["marketplaces"][0]["last_sale_minor"], 20_500);
    assert_eq!(pts[29]["marketplaces"][0]["ask_minor"], 22_400);
    assert_eq!(pts[29]["marketplaces"][0]["last_sale_minor"], 21_000);
    // UK 9 is US 10 on the chart.
    let uk = call(&s, "/v1/products/DZ5485-612", "size=UK%209", &[])
        .await
        .json();
    assert_eq!(uk["size_history"]["points"].as_array().unwrap().len(), 30);

    let h = call(
        &s,
        "/v1/products/DZ5485-612/history",
        "size=10&marketplace=stockx&days=7",
        &[],
    )
    .await;
    assert_eq!(h.status, 200);
    let hv = h.json();
    assert_eq!(hv["history"]["days"], 7);
    assert_eq!(hv["history"]["points"].as_array().unwrap().len(), 7);
    assert_eq!(hv["history"]["points"][6]["lowest_ask_minor"], 22_400);
    let all = call(&s, "/v1/products/DZ5485-612/history", "days=365", &[])
        .await
        .json();
    assert_eq!(all["history"]["points"].as_array().unwrap().len(), 30);
    let alias = call(
        &s,
        "/v1/products/DZ5485-612/history",
        "marketplace=alias",
        &[],
    )
    .await
    .json();
    assert!(alias["history"]["points"].as_array().unwrap().is_empty());
    let missing = call(&s, "/v1/products/DZ5485-612/history", "size=4.5C", &[]).await;
    missing.problem(404);

    // The same charts once the daily cleanup has packed every day before yesterday into months.
    let packed: i64 = db
        .client()
        .await
        .query_one("SELECT count(*) FROM market.pack_price_history()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(packed >= 28, "{packed} days packed");
    let again = call(&s, "/v1/products/DZ5485-612", "size=10", &[])
        .await
        .json();
    assert_eq!(again["size_history"], v["size_history"]);
    let again = call(
        &s,
        "/v1/products/DZ5485-612/history",
        "size=10&marketplace=stockx&days=7",
        &[],
    )
    .await
    .json();
    assert_eq!(again["history"]["points"], hv["history"]["points"]);
}
