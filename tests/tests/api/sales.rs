//! Sales on the market page, the history's `metric=sales` and the inventory: fields present,
//! described by the OpenAPI document, and equal to a hand count of known sales.

use chrono::{Duration, Utc};
use e2e_tests::api::{self, assert_conforms, get, seed_market, Item, Resp};
use e2e_tests::db::TestDb;
use shared::api::Cors;
use shared::core::domain::{Currency, Marketplace, Region};
use shared::marketplaces::snapshot::{Sale, SalesPage, SalesSkipped};
use shared::sync::sales::store::{finish_walk, write_sales, SizeSales, WalkEnd};
use shared::valuation::fees::FeeSchedule;
use uuid::Uuid;

/// Alias sales of the Jordan's US 10 in the US market, `hours_ago` before now, in USD cents.
// Hours back, price. Each sale falls on the same side of a chart's day boundary at any time of
// day: 30 h back is yesterday or the day before, inside `days=3` (50 h was outside it before 02:00
// UTC).
const SALES: [(i64, i64); 5] = [
    (1, 23_000),
    (30, 21_000),
    (120, 22_000),
    (240, 20_000),
    (960, 19_000),
];

async fn seed_sales(c: &tokio_postgres::Client, product: i32, variant: i32) {
    let now = Utc::now();
    let sales: Vec<(chrono::DateTime<Utc>, i64)> = SALES
        .iter()
        .map(|(h, p)| (now - Duration::hours(*h), *p))
        .collect();
    seed_sales_at(c, product, variant, "10", &sales).await;
}

/// Writes Alias sales of one size (`variant`, labelled `size` by Alias) in the US market through
/// the sales write path (raw rows and the daily series in one statement), then records the
/// product's walk as complete.
pub(crate) async fn seed_sales_at(
    c: &tokio_postgres::Client,
    product: i32,
    variant: i32,
    size: &str,
    sales: &[(chrono::DateTime<Utc>, i64)],
) {
    write_size_sales(c, product, variant, size, sales).await;
    let end = WalkEnd::Complete {
        due_in_secs: 86_400.0,
    };
    finish_walk(c, product, true, &end, &serde_json::json!({}))
        .await
        .unwrap();
}

/// The sales write of [`seed_sales_at`] alone, as one region of a walk that has not ended.
pub(crate) async fn write_size_sales(
    c: &tokio_postgres::Client,
    product: i32,
    variant: i32,
    size: &str,
    sales: &[(chrono::DateTime<Utc>, i64)],
) {
    let now = Utc::now();
    let page = SalesPage {
        marketplace: Marketplace::Alias,
        external_product_id: "air-jordan-1-retro-high-og-dz5485-612".into(),
        size: size.into(),
        region: Region::US,
        currency: Currency::USD,
        sales: sales
            .iter()
            .map(|(at, p)| Sale {
                purchased_at: *at,
                price_minor: *p,
                consigned: false,
            })
            .collect(),
        skipped: SalesSkipped::default(),
        fetched_at: now,
    };
    let pages = [SizeSales {
        variant_id: variant,
        page: &page,
    }];
    let w = write_sales(
        c,
        product,
        Marketplace::Alias,
        Region::US,
        &pages,
        now - Duration::days(90),
    )
    .await
    .unwrap();
    assert_eq!(w.inserted, sales.len() as i64);
}

#[tokio::test]
async fn page_history_and_inventory_carry_real_sales_and_say_stockx_has_none() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let fx = seed_market(&c).await;
    let ten = fx
        .jordan_sizes
        .iter()
        .find(|(s, _)| s == "10")
        .map(|(_, id)| *id)
        .unwrap();
    seed_sales(&c, fx.jordan, ten).await;
    let m = market_api::State::new(db.pool(), Cors::default(), FeeSchedule::default());
    let market = |query: &'static str, path: &'static str| {
        let m = &m;
        async move { Resp::from_lambda(market_api::handle(m, get(path, query, &[])).await) }
    };

    let r = market("", "/v1/products/DZ5485-612").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_conforms("ProductPage", &v);
    let by = |m: &str| {
        v["sales"]["marketplaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["marketplace"] == m)
            .cloned()
            .unwrap()
    };
    let stockx = by("stockx");
    assert_eq!(stockx["available"], false);
    assert!(stockx["reason"]
        .as_str()
        .unwrap()
        .contains("no sales history"));
    assert!(stockx["volume_30d"].is_null() && stockx["last_sale"].is_null());
    let alias = by("alias");
    assert_eq!(alias["available"], true);
    // By hand: 72 h holds the 1 h and 30 h sales; 7 days adds the 120 h one; 30 days all but
    // the 960 h (40-day) one. 7-day average (23,000 + 21,000 + 22,000) / 3 = 22,000.
    assert_eq!(alias["volume_72h"], 2);
    assert_eq!(alias["volume_7d"], 3);
    assert_eq!(alias["volume_30d"], 4);
    assert_eq!(alias["average_7d_minor"], 22_000);
    assert_eq!(alias["average_daily_sales_30d"], "0.13");
    assert_eq!(alias["last_sale"]["amount_minor"], 23_000);
    assert_eq!(v["sales"]["last_sale"]["marketplace"], "alias");
    let size_ten = v["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == "10")
        .unwrap();
    assert_eq!(size_ten["last_sale"]["amount_minor"], 23_000);
    let purchased: chrono::DateTime<Utc> =
        serde_json::from_value(size_ten["last_sale"]["purchased_at"].clone()).unwrap();
    assert!(
        (Utc::now() - purchased - Duration::hours(1))
            .num_seconds()
            .abs()
            < 120
    );
    let nine = v["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == "9")
        .unwrap();
    assert!(nine["last_sale"].is_null(), "a size without sales has none");

    // Another market has no sales yet: zero volumes, not the US figures.
    let uk = market("market=UK", "/v1/products/DZ5485-612").await.json();
    let uk_alias = &uk["sales"]["marketplaces"][1];
    assert_eq!(
        (
            uk_alias["volume_30d"].as_i64(),
            uk_alias["last_sale"].is_null()
        ),
        (Some(0), true)
    );

    // History of sales: daily points over each chart range.
    for (query, total) in [
        ("metric=sales&range=7d", 3),
        ("metric=sales&range=30d", 4),
        ("metric=sales&range=13m", 5),
        ("metric=sales&range=all&size=10", 5),
        ("metric=sales&range=all&size=9", 0),
        ("metric=sales&days=3", 2),
    ] {
        let r = market(query, "/v1/products/DZ5485-612/history").await;
        assert_eq!(r.status, 200, "{query}");
        let h = r.json();
        assert_conforms("HistoryResponse", &h);
        assert_eq!(h["metric"], "sales");
        assert_eq!(h["history"]["total_sales"], total, "{query}");
        assert_eq!(h["unavailable"][0]["marketplace"], "stockx");
    }
    let day = market("metric=sales&range=all", "/v1/products/DZ5485-612/history")
        .await
        .json();
    let oldest = &day["history"]["points"][0];
    assert_eq!(
        (oldest["sales"].as_i64(), oldest["average_minor"].as_i64()),
        (Some(1), Some(19_000))
    );
    let prices = market("range=90d", "/v1/products/DZ5485-612/history")
        .await
        .json();
    assert_eq!(prices["metric"], "prices");
    assert_eq!(prices["history"]["days"], 90);
    for bad in ["metric=volume", "range=1y", "range=7d&days=7"] {
        let r = market(bad, "/v1/products/DZ5485-612/history").await;
        assert_conforms("Problem", &r.problem(400));
    }

    // Inventory: the pair carries its size's last sale and volumes; a pair of another size does
    // not borrow them.
    let user = Uuid::new_v4();
    Item::new(user, "DZ5485-612", "10").insert(&c).await;
    Item::new(user, "DZ5485-612", "9").insert(&c).await;
    let inv = api::inventory_state(db.pool(), None);
    let auth = api::bearer(user);
    let r = Resp::from_lambda(
        inventory_api::handle(&inv, get("/v1/inventory", "", &[("authorization", &auth)])).await,
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_conforms("InventoryResponse", &v);
    let items = v["items"].as_array().unwrap();
    let of = |size: &str| {
        items
            .iter()
            .find(|i| i["size"]["size"] == size)
            .cloned()
            .unwrap()
    };
    let s10 = of("10")["sales"].clone();
    assert_eq!(
        (s10["volume_72h"].as_i64(), s10["volume_30d"].as_i64()),
        (Some(2), Some(4))
    );
    assert_eq!(s10["last_sale"]["amount_minor"], 23_000);
    let s9 = of("9")["sales"].clone();
    assert_eq!(
        (s9["volume_30d"].as_i64(), s9["last_sale"].is_null()),
        (Some(0), true)
    );
}

#[tokio::test]
async fn page_sales_volumes_cut_each_window_at_its_start_not_at_midnight() {
    // The page counts whole days from the daily series and each window's first day from the raw
    // sales after the window's start. Ten minutes either side of each start, on two sizes: by
    // hand, 72 h holds 1 sale, 7 days 3, 30 days 5, whatever the time of day (a sale that moves to
    // the neighbouring UTC day stays on the same side of its window's start).
    let db = TestDb::new().await;
    let c = db.client().await;
    let fx = seed_market(&c).await;
    let size = |label: &str| {
        fx.jordan_sizes
            .iter()
            .find(|(s, _)| s == label)
            .map(|(_, id)| *id)
            .unwrap()
    };
    let now = Utc::now();
    let ten = Duration::minutes(10);
    let (h72, d7, d30) = (Duration::hours(72), Duration::days(7), Duration::days(30));
    seed_sales_at(
        &c,
        fx.jordan,
        size("10"),
        "10",
        &[
            (now - h72 + ten, 10_000),
            (now - d7 + ten, 12_000),
            (now - d30 + ten, 14_000),
        ],
    )
    .await;
    seed_sales_at(
        &c,
        fx.jordan,
        size("9"),
        "9",
        &[
            (now - h72 - ten, 11_000),
            (now - d7 - ten, 13_000),
            (now - d30 - ten, 15_000),
        ],
    )
    .await;
    let m = market_api::State::new(db.pool(), Cors::default(), FeeSchedule::default());
    let v =
        Resp::from_lambda(market_api::handle(&m, get("/v1/products/DZ5485-612", "", &[])).await)
            .json();
    assert_conforms("ProductPage", &v);
    let alias = v["sales"]["marketplaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["marketplace"] == "alias")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            alias["volume_72h"].as_i64(),
            alias["volume_7d"].as_i64(),
            alias["volume_30d"].as_i64()
        ),
        (Some(1), Some(3), Some(5))
    );
    // (10,000 + 11,000 + 12,000) / 3.
    assert_eq!(alias["average_7d_minor"], 11_000);
}
