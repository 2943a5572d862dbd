//! Alias `recent_sales`: the provider fixture through the client's parser, and the sandbox route
//! against the protocol reference (`size` required, `limit` 10 unless every filter is given, up to
//! 200 then, newest first, cents as strings, deterministic). The client over HTTP is in
//! `sales_client`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use e2e_tests::sandbox::Sandbox;
use reqwest::StatusCode;
use sandbox_market::SandboxProduct;
use serde_json::{json, Value};
use shared::core::domain::{Currency, Marketplace, Region};
use shared::marketplaces::alias::normalize::alias_recent_sales;
use shared::marketplaces::snapshot::SalesSkipped;

pub(super) fn fixture(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub(super) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) const SALES: &str = "/api/v1/pricing_insights/recent_sales";
/// Every filter the reference lists, for the standard US market.
pub(super) const ALL_FILTERS: &str = "product_condition=PRODUCT_CONDITION_NEW&packaging_condition=PACKAGING_CONDITION_GOOD_CONDITION&consigned=false&region_id=1";

#[test]
fn the_fixture_parses_to_five_sales_newest_first() {
    let body = fixture("alias/recent-sales.json");
    let id = "air-jordan-1-retro-high-og-dz5485-612";
    let now = at("2025-11-28T00:00:00Z");
    let page = alias_recent_sales(&body, id, "10", Region::US, now).unwrap();
    assert_eq!(
        (page.marketplace, page.currency, page.region),
        (Marketplace::Alias, Currency::USD, Region::US)
    );
    assert_eq!((page.size.as_str(), page.fetched_at), ("10", now));
    assert_eq!(page.external_product_id, id);
    assert_eq!(page.skipped, SalesSkipped::default());
    let rows: Vec<(DateTime<Utc>, i64, bool)> = page
        .sales
        .iter()
        .map(|s| (s.purchased_at, s.price_minor, s.consigned))
        .collect();
    assert_eq!(
        rows,
        vec![
            (at("2025-11-27T11:46:29.335Z"), 22000, false),
            (at("2025-11-26T19:02:11.120Z"), 21500, true),
            (at("2025-11-25T08:44:15.640Z"), 22500, false),
            (at("2025-11-22T14:31:57.004Z"), 21900, false),
            (at("2025-11-18T21:15:40.872Z"), 23000, true),
        ]
    );

    // The same body asked for another size, or read a week earlier: nothing is believed.
    let other = alias_recent_sales(&body, id, "10.5", Region::US, now).unwrap();
    assert_eq!((other.sales.len(), other.skipped.other_size), (0, 5));
    let early = alias_recent_sales(&body, id, "10", Region::US, at("2025-11-20T00:00:00Z"));
    let early = early.unwrap();
    assert_eq!((early.sales.len(), early.skipped.future), (1, 4));
    assert_eq!(early.skipped.total(), 4);
}

pub(super) async fn alias_get(s: &Sandbox, query: &str) -> (StatusCode, Value) {
    alias_path(s, &format!("{SALES}?{query}")).await
}

pub(super) async fn alias_path(s: &Sandbox, path: &str) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .get(s.url(path))
        .bearer_auth(&s.running.app.cfg.alias_token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub(super) fn rows(body: &Value) -> &Vec<Value> {
    body["recent_sales"].as_array().expect("recent_sales array")
}

/// A men's product whose US size 10 sold more than `min` times in the sandbox's history.
pub(super) async fn busy_product(s: &Sandbox, min: usize) -> SandboxProduct {
    let candidates: Vec<SandboxProduct> = s
        .running
        .app
        .catalog
        .products
        .iter()
        .filter(|p| p.on_alias && p.gender == "men")
        .take(60)
        .cloned()
        .collect();
    for p in candidates {
        let q = format!("catalog_id={}&size=10&limit=200&{ALL_FILTERS}", p.alias_id);
        let (st, body) = alias_get(s, &q).await;
        if st == StatusCode::OK && rows(&body).len() > min {
            return p;
        }
    }
    panic!("no product with more than {min} sales of size 10");
}

#[tokio::test]
async fn the_sandbox_answers_like_the_reference() {
    let s = Sandbox::start_default().await;
    let p = busy_product(&s, 20).await;
    let id = p.alias_id.as_str();

    // The documented catalog-level pattern fails in practice, with exactly this body.
    let (st, body) = alias_get(&s, &format!("catalog_id={id}&consigned=false")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let expected: Value = serde_json::from_slice(&fixture("alias/error-400.json")).unwrap();
    assert_eq!(body, expected);
    assert_eq!(body["message"], "Missing parameter: input.Size");
    let (st, body) = alias_get(&s, "size=10").await;
    assert_eq!(
        (st, body["code"].clone()),
        (StatusCode::BAD_REQUEST, json!(3))
    );
    let (st, body) = alias_get(&s, "catalog_id=no-such-shoe&size=10").await;
    assert_eq!(
        (st, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!(5))
    );
    let (st, body) = alias_get(&s, &format!("catalog_id={id}&size=99")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("99"), "{body}");
    for bad in [
        "product_condition=PRODUCT_CONDITION_INVALID",
        "product_condition=0",
        "packaging_condition=PACKAGING_CONDITION_SHINY",
        "consigned=maybe",
    ] {
        let (st, body) = alias_get(&s, &format!("catalog_id={id}&size=10&{bad}")).await;
        assert_eq!(
            (st, body["code"].clone()),
            (StatusCode::BAD_REQUEST, json!(3)),
            "{bad}"
        );
    }

    // limit: 10 by default, at most 10 without every filter, up to 200 with all of them.
    let count = |q: String| {
        let s = &s;
        async move { rows(&alias_get(s, &q).await.1).len() }
    };
    assert_eq!(count(format!("catalog_id={id}&size=10")).await, 10);
    assert_eq!(
        count(format!("catalog_id={id}&size=10&limit=200")).await,
        10
    );
    let partial = "product_condition=1&packaging_condition=1&consigned=false";
    let n = count(format!("catalog_id={id}&size=10&limit=200&{partial}")).await;
    assert_eq!(n, 10);
    let (st, all) = alias_get(
        &s,
        &format!("catalog_id={id}&size=10&limit=200&{ALL_FILTERS}"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let all_rows = rows(&all);
    assert!(
        all_rows.len() > 20 && all_rows.len() <= 200,
        "{}",
        all_rows.len()
    );

    // Shape and order: newest first, cents as strings of digits, the asked size as a number.
    let mut previous: Option<DateTime<Utc>> = None;
    for r in all_rows {
        let t = at(r["purchased_at"].as_str().expect("purchased_at string"));
        assert!(previous.is_none_or(|p| t <= p), "not newest first: {r}");
        previous = Some(t);
        assert!(t <= Utc::now() + chrono::Duration::minutes(5));
        let cents = r["price_cents"]
            .as_str()
            .expect("price_cents is a JSON string");
        assert!(cents.bytes().all(|b| b.is_ascii_digit()) && cents.parse::<i64>().unwrap() > 0);
        assert_eq!(r["size"], json!(10));
        assert_eq!(r["consigned"], json!(false));
        assert_eq!(r["catalog_id"], json!(id));
    }
    // Numeric enum values are the same filter.
    let numeric = "product_condition=1&packaging_condition=1&consigned=false&region_id=1";
    let (_, same) = alias_get(&s, &format!("catalog_id={id}&size=10&limit=200&{numeric}")).await;
    assert_eq!(same, all);
    let consigned = "product_condition=1&packaging_condition=1&consigned=true&region_id=1";
    let (_, c) = alias_get(
        &s,
        &format!("catalog_id={id}&size=10&limit=200&{consigned}"),
    )
    .await;
    assert!(rows(&c).iter().all(|r| r["consigned"] == json!(true)));
    assert!(
        rows(&c).len() < all_rows.len(),
        "consigned sales are the minority"
    );

    // Deterministic, and overlapping windows agree row for row.
    let (_, again) = alias_get(
        &s,
        &format!("catalog_id={id}&size=10&limit=200&{ALL_FILTERS}"),
    )
    .await;
    assert_eq!(again, all);
    let (_, first5) = alias_get(
        &s,
        &format!("catalog_id={id}&size=10&limit=5&{ALL_FILTERS}"),
    )
    .await;
    assert_eq!(rows(&first5)[..], all_rows[..5]);
    let (_, eu) = alias_get(&s, &format!("catalog_id={id}&size=10&limit=200&product_condition=1&packaging_condition=1&consigned=false&region_id=2")).await;
    assert!(
        rows(&eu).len() < all_rows.len(),
        "the EU sells less than the US"
    );

    // A day later, the old rows are still there and newer ones were added above them.
    s.post("/__admin/advance", json!({"buckets": 288})).await;
    let (_, later) = alias_get(
        &s,
        &format!("catalog_id={id}&size=10&limit=200&{ALL_FILTERS}"),
    )
    .await;
    let later_rows = rows(&later);
    let old: Vec<&Value> = all_rows.iter().take(10).collect();
    for r in &old {
        assert!(later_rows.contains(r), "sale {r} vanished");
    }
    let newest = |v: &Vec<Value>| at(v[0]["purchased_at"].as_str().unwrap());
    assert!(newest(later_rows) >= newest(all_rows));
}
