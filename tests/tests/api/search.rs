//! market-api catalogue search: style codes in every form, name words, brand, keyset pagination.

use e2e_tests::api::{get, seed_market, Resp};
use e2e_tests::db::TestDb;
use serde_json::Value;
use shared::api::Cors;
use shared::valuation::fees::FeeSchedule;

async fn search(s: &market_api::State, query: &str) -> Value {
    let r = Resp::from_lambda(market_api::handle(s, get("/v1/products", query, &[])).await);
    assert_eq!(
        r.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

fn codes(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["style_code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn search_by_code_words_brand_and_pages() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let s = market_api::State::new(db.pool(), Cors::default(), FeeSchedule::default());

    // Exact code in every spacing/hyphen form.
    for q in ["DZ5485-612", "dz5485%20612", "DZ5485612", "dz5485_612"] {
        assert_eq!(
            codes(&search(&s, &format!("q={q}")).await),
            ["DZ5485-612"],
            "{q}"
        );
    }
    // Prefix of a code.
    assert_eq!(codes(&search(&s, "q=DZ54").await), ["DZ5485-612"]);
    assert_eq!(codes(&search(&s, "q=dd1391").await), ["DD1391-100"]);
    // Name words, prefix match, any order.
    assert_eq!(
        codes(&search(&s, "q=dunk").await),
        ["FZ5000-100", "DD1391-100"]
    );
    assert_eq!(codes(&search(&s, "q=pan%20dunk").await), ["DD1391-100"]);
    assert_eq!(codes(&search(&s, "q=chicago%20lost").await), ["DZ5485-612"]);
    assert!(codes(&search(&s, "q=yeezy").await).is_empty());
    // Unicode words are searched as words, never as "everything".
    assert!(codes(&search(&s, "q=%E6%97%A5%E6%9C%AC").await).is_empty());
    // Brand filter, case-insensitive, every catalogue product whether priced or not.
    assert_eq!(
        codes(&search(&s, "brand=nike").await),
        ["FZ5000-100", "DD1391-100"]
    );
    assert_eq!(codes(&search(&s, "").await).len(), 3);

    // Lowest ask from the summary view, per market, in one currency.
    let v = search(&s, "q=DZ5485").await;
    assert_eq!(v["items"][0]["lowest_ask"]["amount_minor"], 21_500);
    assert_eq!(v["items"][0]["lowest_ask"]["marketplace"], "alias");
    let uk = search(&s, "q=DZ5485&market=UK").await;
    assert_eq!(uk["currency"], "GBP");
    assert_eq!(uk["items"][0]["lowest_ask"]["amount_minor"], 16_843);
    assert!(uk["fx"]["rate_date"].is_string());
    assert!(search(&s, "q=FZ5000").await["items"][0]["lowest_ask"].is_null());

    // Keyset pagination: three products one by one, no repeats, then the end.
    let mut seen = Vec::new();
    let mut query = "limit=1".to_string();
    loop {
        let page = search(&s, &query).await;
        seen.extend(codes(&page));
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("limit=1&cursor={c}"),
            None => break,
        }
        assert!(seen.len() <= 3, "pagination must end");
    }
    assert_eq!(seen.len(), 3);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3);
    // Pagination with a query keeps the ranking (exact before prefix before words).
    let first = search(&s, "q=dunk&limit=1").await;
    assert_eq!(codes(&first), ["FZ5000-100"]);
    let next = search(
        &s,
        &format!(
            "q=dunk&limit=1&cursor={}",
            first["next_cursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(codes(&next), ["DD1391-100"]);
    assert!(next["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_search_parameters_are_named() {
    let db = TestDb::new().await;
    let s = market_api::State::new(db.pool(), Cors::default(), FeeSchedule::default());
    let long = "a".repeat(101);
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-5", "limit"),
        ("limit=ten", "limit"),
        ("limit=1e3", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=7631", "cursor"),
        ("q=%27%3B--", "q"),
        ("market=mars", "market"),
        ("currency=%F0%9F%92%B0", "currency"),
        ("sort=price", "sort"),
    ];
    for (query, name) in cases {
        let r = Resp::from_lambda(market_api::handle(&s, get("/v1/products", query, &[])).await);
        assert_eq!(r.invalid_param_names(), vec![name.to_string()], "{query}");
    }
    let r = Resp::from_lambda(
        market_api::handle(&s, get("/v1/products", &format!("q={long}"), &[])).await,
    );
    assert_eq!(r.invalid_param_names(), ["q"]);
    // SQL and tsquery metacharacters inside words are harmless.
    let r = Resp::from_lambda(
        market_api::handle(&s, get("/v1/products", "q=dunk%27%20%7C%20%21x%3A*", &[])).await,
    );
    assert_eq!(r.status, 200);
}
