//! A market the product is not synced in: every inventory pair and the market page say
//! `region_not_synced` (while in a synced market an unpriced size says `no_asks_in_size`), so an
//! empty answer is never mistaken for a fresh one.

use e2e_tests::api::{self, seed_market};
use e2e_tests::db::TestDb;
use serde_json::Value;
use tokio_postgres::Client;
use uuid::Uuid;

async fn inventory(s: &inventory_api::State, user: Uuid, query: &str) -> Value {
    let r = api::inventory_as(s, user, query).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// Records that `marketplaces` answered for `product` in `regions` an hour ago, as the worker
/// records each snapshot.
async fn observed(c: &Client, product: i32, marketplaces: &[i16], regions: &[&str]) {
    c.execute(
        "INSERT INTO market.market_observations
           (product_id, marketplace_id, region, currency, observed_at, sizes_reported, sizes_unmapped)
         SELECT $1, m, r, CASE WHEN m = 1 AND r = 'UK' THEN 'GBP' ELSE 'USD' END,
                now() - interval '1 hour', 26, 0
         FROM unnest($2::int2[]) m, unnest($3::text[]) r",
        &[&product, &marketplaces, &regions],
    )
    .await
    .unwrap();
}

fn reason(v: &Value, id: Uuid) -> (String, Option<i64>) {
    let it = api::item_of(v, id);
    (
        it["reason"].as_str().unwrap_or("").to_string(),
        it["market_value_minor"].as_i64(),
    )
}

#[tokio::test]
async fn a_market_the_product_is_not_synced_in_says_so_and_an_unpriced_size_says_no_asks() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let fx = seed_market(&c).await;
    // The Jordan was synced on both marketplaces in the US and the UK, never in the EU.
    observed(&c, fx.jordan, &[1, 2], &["US", "UK"]).await;
    let user = Uuid::new_v4();
    // Size 10 is priced in the US and the UK; size 12 nowhere.
    let ten = api::Item::new(user, "DZ5485-612", "10").insert(&c).await;
    let twelve = api::Item::new(user, "DZ5485-612", "12").insert(&c).await;
    let s = api::inventory_state(db.pool(), None);

    let eu = inventory(&s, user, "market=EU").await;
    assert_eq!(reason(&eu, ten), ("region_not_synced".to_string(), None));
    assert_eq!(reason(&eu, twelve), ("region_not_synced".to_string(), None));

    let us = inventory(&s, user, "market=US").await;
    // The fixture's US size 10: StockX asks 224.00, Alias 215.00.
    assert!(reason(&us, ten).1.is_some(), "size 10 is valued in the US");
    assert_eq!(reason(&us, twelve), ("no_asks_in_size".to_string(), None));
}

#[tokio::test]
async fn a_page_in_a_market_the_product_is_not_synced_in_is_stale_and_says_why() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let fx = seed_market(&c).await;
    // StockX answered in the US and the UK, Alias in the US only.
    observed(&c, fx.jordan, &[1, 2], &["US"]).await;
    observed(&c, fx.jordan, &[1], &["UK"]).await;
    let s = api::market_state(db.pool());
    let page = |market: &'static str| {
        let s = &s;
        async move {
            let r = api::market_get(
                s,
                "/v1/products/DZ5485-612",
                &format!("market={market}"),
                &[],
            )
            .await;
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            r.json()["freshness"].clone()
        }
    };
    let by_marketplace = |f: &Value, m: &str| {
        f["marketplaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["marketplace"] == m)
            .unwrap_or_else(|| panic!("{m} in {f}"))
            .clone()
    };

    let eu = page("EU").await;
    assert_eq!(eu["reason"], "region_not_synced", "{eu}");
    assert_eq!(eu["stale"], true);
    for m in ["stockx", "alias"] {
        let l = by_marketplace(&eu, m);
        assert_eq!(
            (l["reason"].as_str(), l["stale"].as_bool()),
            (Some("region_not_synced"), Some(true))
        );
    }

    // In the UK one marketplace has answered: the page is about the UK, Alias says it is not.
    let uk = page("UK").await;
    assert!(uk["reason"].is_null(), "{uk}");
    assert!(by_marketplace(&uk, "stockx")["reason"].is_null());
    assert_eq!(by_marketplace(&uk, "alias")["reason"], "region_not_synced");
    assert_eq!(by_marketplace(&uk, "alias")["stale"], true);

    let us = page("US").await;
    assert!(us["reason"].is_null(), "{us}");
    assert_eq!(
        us["stale"], false,
        "the fixture synced the Jordan an hour ago: {us}"
    );
}
