//! The inventory bounded: a 20,000-pair inventory answers in pages far below Lambda's 6 MB
//! response limit, totals always cover the whole filtered set, the cursor walks every item once,
//! and the table's filters (brand, text) decide the totals as well as the items.

use std::collections::HashSet;
use std::time::Instant;

use e2e_tests::api::{self, inventory_as as inventory, seed_market};
use e2e_tests::db::TestDb;
use serde_json::Value;
use uuid::Uuid;

/// Lambda's synchronous response limit (Function URLs included).
const LAMBDA_RESPONSE_LIMIT: usize = 6 * 1024 * 1024;

fn state(db: &TestDb) -> inventory_api::State {
    let mut s = api::inventory_state(db.pool(), None);
    // A loaded CI machine in a debug build: the bound under test is the response, not the time.
    s.limits.statement_timeout_ms = 60_000;
    s
}

/// `n` pairs spread over the fixture's three styles (Jordan, Nike Dunk cold, Nike Panda) and
/// sizes 8-12, every one with a cost; created one second apart in blocks so timestamps repeat
/// (the cursor must break ties by id).
async fn many_pairs(c: &tokio_postgres::Client, user: Uuid, n: i32) {
    c.execute(
        "INSERT INTO market.inventory_items (user_id, style_id, size, size_unit, purchase_price,
                                             purchase_currency, status, created_at)
         SELECT $1, (ARRAY['DZ5485-612', 'FZ5000-100', 'DD1391-100'])[1 + g % 3],
                (8 + g % 5)::text, 'US', 150.00, 'USD',
                CASE WHEN g % 10 = 0 THEN 'consigned' ELSE 'in_stock' END,
                timestamptz '2026-01-01' + make_interval(secs => g / 7)
         FROM generate_series(0, $2 - 1) AS g",
        &[&user, &n],
    )
    .await
    .unwrap();
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20000_pair_inventory_is_paged_below_lambdas_limit_with_totals_over_every_pair() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let user = Uuid::new_v4();
    many_pairs(&c, user, 20_000).await;
    let s = state(&db);

    let started = Instant::now();
    let r = inventory(&s, user, "").await;
    let first_ms = started.elapsed().as_millis();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["page"]["total_items"], 20_000);
    assert_eq!(v["page"]["returned"], 200);
    assert_eq!(v["page"]["limit"], 200);
    assert!(v["page"]["next_cursor"].is_string());
    assert_eq!(v["items"].as_array().unwrap().len(), 200);
    // Totals cover all 20,000 pairs, not the page.
    assert_eq!(v["totals"]["items"], 20_000);
    assert_eq!(v["totals"]["items_with_cost"], 20_000);
    assert_eq!(v["totals"]["cost_basis_minor"], 20_000 * 15_000);
    assert!(r.body.len() < LAMBDA_RESPONSE_LIMIT);
    api::assert_conforms("InventoryResponse", &v);

    // The largest page allowed is still far below the limit.
    let r = inventory(&s, user, "limit=1000").await;
    assert_eq!(r.status, 200);
    let big = r.body.len();
    assert!(
        big < LAMBDA_RESPONSE_LIMIT / 2,
        "{big} bytes for 1,000 pairs"
    );
    assert_eq!(r.json()["page"]["returned"], 1000);

    // The last page: from a cursor near the end, no further cursor.
    let v = r.json();
    let mut cursor = v["page"]["next_cursor"].as_str().unwrap().to_string();
    let mut seen: HashSet<String> = ids(&v).into_iter().collect();
    for _ in 0..2 {
        let r = inventory(&s, user, &format!("limit=1000&cursor={cursor}")).await;
        let v = r.json();
        for id in ids(&v) {
            assert!(seen.insert(id), "an item appeared on two pages");
        }
        cursor = v["page"]["next_cursor"].as_str().unwrap().to_string();
    }
    assert_eq!(seen.len(), 3000);
    println!(
        "20,000 pairs: first page {first_ms} ms (debug build), a 1,000-pair page is {big} bytes"
    );
}

#[tokio::test]
async fn the_cursor_walks_every_item_once_and_bad_page_parameters_are_400() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let user = Uuid::new_v4();
    many_pairs(&c, user, 250).await;
    let s = state(&db);

    let mut seen = Vec::new();
    let mut query = "limit=100".to_string();
    let mut pages = 0;
    let mut totals: Option<Value> = None;
    // What the pages' items add up to: the totals (valued the same way on and off the page).
    let mut sums = [0i64; 5];
    loop {
        let r = inventory(&s, user, &query).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        assert_eq!(v["totals"]["items"], 250, "totals never depend on the page");
        let t = totals.get_or_insert_with(|| v["totals"].clone());
        assert_eq!(&v["totals"], t, "totals never depend on the page");
        for i in v["items"].as_array().unwrap() {
            let value = i["market_value_minor"].as_i64();
            sums[0] += value.unwrap_or(0);
            sums[1] += i64::from(value.is_some());
            sums[2] += i["best_payout"]["net_minor"].as_i64().unwrap_or(0);
            sums[3] += i["unrealized_profit_minor"].as_i64().unwrap_or(0);
            sums[4] += i["cost_minor"].as_i64().unwrap_or(0);
        }
        seen.extend(ids(&v));
        pages += 1;
        match v["page"]["next_cursor"].as_str() {
            Some(c) => query = format!("limit=100&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (250, 250));
    let t = totals.unwrap();
    assert!(sums[1] >= 50, "pairs are valued: {t}");
    assert_eq!(
        sums,
        [
            t["market_value_minor"].as_i64().unwrap(),
            t["items_valued"].as_i64().unwrap(),
            t["net_payout_minor"].as_i64().unwrap(),
            t["unrealized_profit_minor"].as_i64().unwrap(),
            t["cost_basis_minor"].as_i64().unwrap(),
        ],
        "the totals are the sum of every page's items"
    );

    for bad in [
        "limit=0",
        "limit=1001",
        "limit=ten",
        "cursor=abc",
        "cursor=1.not-a-uuid",
        "listed=maybe",
    ] {
        let r = inventory(&s, user, bad).await;
        let name = bad.split('=').next().unwrap();
        assert_eq!(r.invalid_param_names(), [name], "{bad}");
    }
}

#[tokio::test]
async fn filters_decide_the_items_and_the_totals() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let user = Uuid::new_v4();
    many_pairs(&c, user, 300).await;
    let s = state(&db);

    let totals = |v: &Value| {
        (
            v["totals"]["items"].as_i64().unwrap(),
            v["totals"]["items_valued"].as_i64().unwrap(),
            v["totals"]["market_value_minor"].as_i64().unwrap(),
            v["totals"]["cost_basis_minor"].as_i64().unwrap(),
        )
    };
    let all = totals(&inventory(&s, user, "limit=1").await.json());
    let jordan = inventory(&s, user, "brand=jordan").await.json();
    let nike = inventory(&s, user, "brand=Nike&limit=5").await.json();
    // The fixture's styles: one Jordan, two Nike; every third pair is the Jordan.
    assert_eq!(totals(&jordan).0, 100);
    assert_eq!(totals(&nike).0, 200);
    assert!(jordan["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["product"]["brand"] == "Jordan"));
    // The two brands partition the inventory: their totals add up to the unfiltered ones.
    let (j, n) = (totals(&jordan), totals(&nike));
    assert_eq!((j.0 + n.0, j.1 + n.1, j.2 + n.2, j.3 + n.3), all);

    // Text search over style code and product name, case-insensitive.
    let panda = inventory(&s, user, "q=PANDA").await.json();
    assert_eq!(totals(&panda).0, 100);
    let by_code = inventory(&s, user, "q=dd1391").await.json();
    assert_eq!(totals(&by_code).0, 100);
    let none = inventory(&s, user, "q=yeezy").await.json();
    assert_eq!(totals(&none), (0, 0, 0, 0));
    assert_eq!(none["page"]["next_cursor"], Value::Null);
}
