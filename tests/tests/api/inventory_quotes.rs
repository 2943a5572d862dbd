//! The inventory's quotes held in memory between requests (`INVENTORY_QUOTES_CACHE_SECS`): one
//! instance answers a size from memory until a sync writes its product (prices through the
//! snapshot write path, sales through the sales write path) or until a sale would leave a volume
//! window.

use chrono::{DateTime, Duration, Utc};
use e2e_tests::api::{self, item_of, seed_market, Item};
use e2e_tests::db::TestDb;
use serde_json::Value;
use shared::core::domain::{Currency, Marketplace, Region};
use shared::marketplaces::snapshot::{MarketSnapshot, Quote};
use shared::sync::store::write_snapshot;
use uuid::Uuid;

use crate::sales::{seed_sales_at, write_size_sales};

/// A StockX price call for the Jordan in the US that reports `ask` for its size 10.
async fn stockx_sync(c: &tokio_postgres::Client, product: i32, at: DateTime<Utc>, ask: i64) {
    let snapshot = MarketSnapshot {
        marketplace: Marketplace::StockX,
        external_product_id: "sx-jordan".into(),
        region: Region::US,
        currency: Currency::USD,
        observed_at: at,
        quotes: vec![Quote {
            external_variant_id: "sx-jordan-10".into(),
            lowest_ask: Some(ask),
            highest_bid: None,
            last_sale: None,
        }],
    };
    let w = write_snapshot(c, product, &snapshot).await.unwrap();
    assert_eq!(w.sizes, 1);
}

fn stockx_ask(v: &Value, item: Uuid) -> Option<i64> {
    item_of(v, item)["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["marketplace"] == "stockx")
        .and_then(|p| p["ask_minor"].as_i64())
}

fn sales(v: &Value, item: Uuid) -> (Option<i64>, Option<i64>, Option<i64>) {
    let s = &item_of(v, item)["sales"];
    (
        s["last_sale"]["amount_minor"].as_i64(),
        s["volume_72h"].as_i64(),
        s["volume_30d"].as_i64(),
    )
}

#[tokio::test]
async fn an_instance_answers_quotes_from_memory_until_a_sync_moves_their_product() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    let ten = f.jordan_size("10");
    c.execute(
        "INSERT INTO market.variant_links (variant_id, marketplace_id, external_variant_id)
         VALUES ($1, 1, 'sx-jordan-10')",
        &[&ten],
    )
    .await
    .unwrap();
    let now = Utc::now();
    stockx_sync(&c, f.jordan, now - Duration::minutes(10), 20_000).await;
    seed_sales_at(
        &c,
        f.jordan,
        ten,
        "10",
        &[(now - Duration::hours(1), 23_000)],
    )
    .await;
    let user = Uuid::new_v4();
    let pair = Item::new(user, "DZ5485-612", "10").insert(&c).await;
    let s = api::inventory_state(db.pool(), None);

    let v = api::inventory_as(&s, user, "").await.json();
    assert_eq!(stockx_ask(&v, pair), Some(20_000));
    assert_eq!(sales(&v, pair), (Some(23_000), Some(1), Some(1)));
    assert!(!s.quotes.is_empty(), "the size's quotes are held");

    // A change outside any sync (an operator's manual fix) is not seen until the entry's time
    // is up: the size is answered from memory.
    c.execute(
        "UPDATE market.latest_prices SET ask_minor = 1 WHERE variant_id = $1 AND marketplace_id = 1",
        &[&ten],
    )
    .await
    .unwrap();
    let v = api::inventory_as(&s, user, "").await.json();
    assert_eq!(stockx_ask(&v, pair), Some(20_000));

    // A price sync of the product moves its observation time: read again.
    stockx_sync(&c, f.jordan, now - Duration::minutes(1), 21_000).await;
    let v = api::inventory_as(&s, user, "").await.json();
    assert_eq!(stockx_ask(&v, pair), Some(21_000));

    // A sales walk stores a region's new sale and has not finished (its other regions are
    // still being asked): the write itself moved the product's stamp, so it is read again.
    write_size_sales(
        &c,
        f.jordan,
        ten,
        "10",
        &[(now - Duration::minutes(30), 24_000)],
    )
    .await;
    let v = api::inventory_as(&s, user, "").await.json();
    assert_eq!(sales(&v, pair), (Some(24_000), Some(2), Some(2)));

    // A sale that leaves the 72-hour window in a few seconds: once it has, the held volumes are
    // not used. (The first request checks it inside the window only if it answered in time.)
    let leaves = Utc::now() + Duration::seconds(6);
    seed_sales_at(
        &c,
        f.jordan,
        ten,
        "10",
        &[(leaves - Duration::hours(72), 22_000)],
    )
    .await;
    let v = api::inventory_as(&s, user, "").await.json();
    if Utc::now() < leaves {
        assert_eq!(sales(&v, pair), (Some(24_000), Some(3), Some(3)));
    }
    let wait = (leaves - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + std::time::Duration::from_millis(500)).await;
    let v = api::inventory_as(&s, user, "").await.json();
    assert_eq!(sales(&v, pair), (Some(24_000), Some(2), Some(3)));
}
