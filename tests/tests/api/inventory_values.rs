//! How each pair is valued, against a real database: an outlier ask never values it, a used pair
//! or a price without a currency is flagged, each platform's net at the ask and instant payout at
//! the bid with their fees, and "live" only while every quote the value rests on is fresh.

use e2e_tests::api::{self, inventory_as as inventory, item_of as item, seed_market};
use e2e_tests::db::TestDb;
use uuid::Uuid;

fn state(db: &TestDb) -> inventory_api::State {
    api::inventory_state(db.pool(), None)
}

#[tokio::test]
async fn an_outlier_ask_does_not_value_the_pair() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    // Alias asks $2,000.00 against a $119.00 last sale; StockX asks $74.00 (the case).
    let now = chrono::Utc::now();
    api::Price::new(f.jordan_size("12"), 2, now)
        .ask(200_000)
        .last_sale(11_900)
        .insert(&c)
        .await;
    api::Price::new(f.jordan_size("12"), 1, now)
        .ask(7_400)
        .insert(&c)
        .await;
    let user = Uuid::new_v4();
    let id = api::Item::new(user, "DZ5485-612", "12")
        .cost("60.00", "USD")
        .insert(&c)
        .await;
    let v = inventory(&state(&db), user, "").await.json();
    let it = item(&v, id);
    assert_eq!(it["market_value_minor"], 7_400);
    assert_eq!(it["best_payout"]["marketplace"], "stockx");
    let alias = it["marketplaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["marketplace"] == "alias")
        .unwrap();
    assert_eq!(alias["outlier"], true);
    assert!(
        v["totals"]["market_value_minor"].as_i64().unwrap() < 100_000,
        "the outlier is in no total: {}",
        v["totals"]
    );
}

#[tokio::test]
async fn used_pairs_and_prices_without_a_currency_are_flagged() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let user = Uuid::new_v4();
    let used = api::Item::new(user, "DZ5485-612", "10")
        .cost("150.00", "USD")
        .insert(&c)
        .await;
    c.execute(
        "UPDATE market.inventory_items SET condition = 'used' WHERE id = $1",
        &[&used],
    )
    .await
    .unwrap();
    let no_currency = api::Item::new(user, "DZ5485-612", "10")
        .cost_without_currency("150.00")
        .insert(&c)
        .await;
    let v = inventory(&state(&db), user, "").await.json();
    let u = item(&v, used);
    assert_eq!(u["reason"], "condition_not_priced");
    assert!(u["market_value_minor"].is_null());
    assert_eq!(u["cost_minor"], 15_000);
    assert_eq!(u["cost_currency_assumed"], false);
    let n = item(&v, no_currency);
    assert_eq!(n["cost_currency_assumed"], true);
    assert!(n["purchase_currency"].is_null());
    assert_eq!(
        n["purchase_price_minor"], 15_000,
        "in the seller's currency"
    );
    assert_eq!(n["price_source"], "live");
    // Only the new pair is valued; both costs count.
    assert_eq!(v["totals"]["items_valued"], 1);
    assert_eq!(v["totals"]["cost_basis_minor"], 30_000);
}

#[tokio::test]
async fn each_platform_shows_net_at_ask_instant_payout_at_bid_and_their_fees() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let user = Uuid::new_v4();
    let id = api::Item::new(user, "DZ5485-612", "10")
        .cost("180.00", "USD")
        .insert(&c)
        .await;
    let v = inventory(&state(&db), user, "").await.json();
    let it = item(&v, id);
    let platform = |m: &str| {
        it["platforms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["marketplace"] == m)
            .unwrap()
            .clone()
    };
    // Worked by hand from the published rates (StockX level 1: 9 % transaction, 3 % payment
    // processing; Alias: 9.5 % commission, $5.00 US seller fee, 2.9 % cash-out of the remainder).
    // StockX at the 224.00 ask: 20.16 + 6.72 in fees and 5.00 US seller shipping, 192.12 net.
    let sx = platform("stockx");
    assert_eq!(sx["mapped"], true);
    assert_eq!(sx["ask_minor"], 22_400);
    assert_eq!(sx["at_ask"]["net_minor"], 19_212);
    let fees: Vec<(String, i64)> = sx["at_ask"]["fees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["amount_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fees,
        [
            ("transaction".to_string(), 2_016),
            ("payment_processing".to_string(), 672),
            ("shipping".to_string(), 500)
        ]
    );
    // Instant: the 200.00 bid pays 200.00 - 18.00 - 6.00 - 5.00 = 171.00; against a 180.00
    // cost, -9.00.
    assert_eq!(sx["at_bid"]["net_minor"], 17_100);
    assert_eq!(sx["instant_profit_minor"], -900);
    // Spread: (192.12 - 171.00) / 192.12 = 10.99 %.
    assert_eq!(sx["spread_pct"], "10.99");
    // Alias at 215.00: commission 20.43 (20.425 rounded half up), seller fee 5.00, cash-out
    // 2.9 % of 189.57 = 5.50; net 184.07. No bid: no instant payout.
    let al = platform("alias");
    assert_eq!(al["at_ask"]["net_minor"], 18_407);
    assert!(al["at_bid"].is_null());
    assert!(al["spread_pct"].is_null());
    // StockX pays 8.05 more.
    assert_eq!(it["best_payout"]["marketplace"], "stockx");
    assert_eq!(it["better_by_minor"], 805);
}

#[tokio::test]
async fn an_item_is_live_only_while_every_quote_it_is_valued_on_is_fresh() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    let user = Uuid::new_v4();
    let jordan = api::Item::new(user, "DZ5485-612", "10")
        .cost("180.00", "USD")
        .insert(&c)
        .await;
    let cold = api::Item::new(user, "FZ5000-100", "10")
        .cost("100.00", "USD")
        .insert(&c)
        .await;
    let dunk10: i32 = c
        .query_one(
            "SELECT id FROM market.size_variants WHERE product_id = $1 AND us_m = 10",
            &[&f.dunk_cold],
        )
        .await
        .unwrap()
        .get(0);
    let now = chrono::Utc::now();
    // The cold product (synced weekly) has an ask observed 20 hours ago.
    api::Price::new(dunk10, 1, now - chrono::Duration::hours(20))
        .ask(12_000)
        .insert(&c)
        .await;
    let s = state(&db);

    let v = inventory(&s, user, "").await.json();
    assert_eq!(item(&v, jordan)["price_source"], "live");
    assert_eq!(
        item(&v, cold)["price_source"],
        "live",
        "20 h: inside the 24 h cap"
    );

    // StockX's quote for the Jordan (hot: 6 h cadence) is three days old; Alias's is fresh.
    let three_days_ago = now - chrono::Duration::days(3);
    c.execute(
        "UPDATE market.latest_prices SET observed_at = $2, changed_at = $2
         WHERE variant_id = $1 AND marketplace_id = 1 AND region = 'US'",
        &[&f.jordan_size("10"), &three_days_ago],
    )
    .await
    .unwrap();
    // The cold product's ask is now 30 hours old: within its weekly cadence, past the cap.
    c.execute(
        "UPDATE market.latest_prices
         SET observed_at = now() - interval '30 hours', changed_at = now() - interval '30 hours'
         WHERE variant_id = $1",
        &[&dunk10],
    )
    .await
    .unwrap();
    // The fixture moved the quotes back in time, which no sync does (an observation time only
    // moves forward), so a fresh instance reads them: `s` holds them as they were.
    let s = state(&db);
    let v = inventory(&s, user, "").await.json();
    let j = item(&v, jordan);
    assert_eq!(
        (
            j["price_source"].as_str(),
            j["reason"].as_str(),
            j["stale"].as_bool()
        ),
        (Some("last_known"), Some("stale"), Some(true)),
        "a fresh Alias quote does not make the old StockX quote live: {j}"
    );
    let as_of: chrono::DateTime<chrono::Utc> = j["as_of"].as_str().unwrap().parse().unwrap();
    assert!(
        (as_of - three_days_ago).num_seconds().abs() < 2,
        "as_of is the oldest quote used"
    );
    let quotes = j["marketplaces"].as_array().unwrap();
    let stockx: chrono::DateTime<chrono::Utc> =
        quotes[0]["observed_at"].as_str().unwrap().parse().unwrap();
    let alias: chrono::DateTime<chrono::Utc> =
        quotes[1]["observed_at"].as_str().unwrap().parse().unwrap();
    assert!(
        alias - stockx > chrono::Duration::days(2),
        "each quote keeps its own time"
    );
    let k = item(&v, cold);
    assert_eq!(
        (k["price_source"].as_str(), k["reason"].as_str()),
        (Some("last_known"), Some("stale"))
    );
}
