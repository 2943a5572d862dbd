//! inventory-api against a real database: every price_source case, size conversion, totals,
//! on-demand sync jobs, cross-user isolation and parameters.

use std::sync::atomic::Ordering;

use e2e_tests::api::{self, get, inventory_as as inventory, item_of as item, seed_market, Resp};
use e2e_tests::db::TestDb;
use uuid::Uuid;

fn state(db: &TestDb) -> inventory_api::State {
    api::inventory_state(db.pool(), None)
}

async fn jobs(c: &tokio_postgres::Client) -> (i64, i64) {
    let rows = c
        .query_typed(
            "SELECT count(*) FILTER (WHERE kind = 'map' AND status = 'queued'), count(*) FROM market.sync_jobs",
            &[],
        )
        .await
        .unwrap();
    (rows[0].get(0), rows[0].get(1))
}

#[tokio::test]
async fn every_item_has_a_price_or_a_reason_and_totals_add_up() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    // Size 12: a last sale but no ask anywhere.
    api::Price::new(f.jordan_size("12"), 1, chrono::Utc::now())
        .last_sale(19_000)
        .insert(&c)
        .await;
    let a = Uuid::new_v4();
    let b = Uuid::new_v4();
    let live = api::Item::new(a, "DZ5485-612", "10")
        .cost("180.00", "USD")
        .insert(&c)
        .await;
    let uk = api::Item::new(a, "DZ5485 612", "9")
        .unit("UK")
        .cost("150.00", "GBP")
        .source("eBay")
        .status("consigned")
        .insert(&c)
        .await;
    let unmapped = api::Item::new(a, "FZ5000-100", "10")
        .cost("110.00", "USD")
        .insert(&c)
        .await;
    let unknown = api::Item::new(a, "AA1111-111", "10")
        .cost("90.00", "USD")
        .insert(&c)
        .await;
    let no_asks = api::Item::new(a, "DZ5485-612", "4").insert(&c).await;
    let stale = api::Item::new(a, "dd1391 100", "10")
        .cost("100.00", "USD")
        .insert(&c)
        .await;
    let bad_size = api::Item::new(a, "DZ5485-612", "abc").insert(&c).await;
    let last_sale = api::Item::new(a, "DZ5485-612", "12")
        .cost("150.00", "USD")
        .insert(&c)
        .await;
    let eu_table = api::Item::new(a, "DZ5485-612", "35")
        .unit("EU")
        .insert(&c)
        .await;
    let sold = api::Item::new(a, "DZ5485-612", "10")
        .cost("170.00", "USD")
        .status("sold")
        .insert(&c)
        .await;
    let other_user = api::Item::new(b, "DZ5485-612", "10")
        .cost("1.00", "USD")
        .insert(&c)
        .await;

    let s = state(&db);
    let r = inventory(&s, a, "").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        s.round_trips.load(Ordering::Relaxed),
        2,
        "one pipelined round trip (items and runs, the on-demand enqueue), then the matched \
         sizes' quotes, which no earlier request read"
    );
    assert_eq!(r.header("cache-control"), Some("private, no-cache"));
    let v = r.json();
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["fee_profile_is_default"], true);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 9, "open items of user A only");
    assert!(items
        .iter()
        .all(|i| i["id"] != other_user.to_string() && i["id"] != sold.to_string()));
    for i in items {
        assert!(
            i["market_value_minor"].is_i64() || i["reason"].is_string(),
            "every item has a price or a reason: {i}"
        );
    }

    let l = item(&v, live);
    assert_eq!(l["price_source"], "live");
    assert!(l["reason"].is_null());
    assert_eq!(l["cost_minor"], 18_000);
    // Market value is the ask behind the best payout: StockX's 224.00 (Alias asks 215.00 but
    // pays less), so the value is never below the payout next to it.
    assert_eq!(l["market_value_minor"], 22_400);
    assert_eq!(l["best_payout"]["marketplace"], "stockx");
    // 224.00 - 20.16 - 6.72 - 5.00 US seller shipping = 192.12; against 180.00, +12.12 (6.73 %).
    assert_eq!(l["best_payout"]["net_minor"], 19_212);
    assert_eq!(l["unrealized_profit_minor"], 1_212);
    assert_eq!(l["unrealized_profit_pct"], "6.73");
    assert_eq!(l["size"]["us_size"], "10");
    assert_eq!(l["stale"], false);

    let u = item(&v, uk);
    assert_eq!(u["price_source"], "live");
    assert_eq!(
        u["size"]["us_size"], "10",
        "UK 9 is US 10 on the product's chart"
    );
    assert_eq!(u["size"]["conversion"], "standard_chart");
    // 150.00 GBP -> USD: 15000 * 1.085 / 0.85 = 19147.06 -> 19147.
    assert_eq!(u["cost_minor"], 19_147);
    // Next to it, the price as the seller recorded it, and where they bought the pair.
    assert_eq!(u["purchase_price_minor"], 15_000);
    assert_eq!(u["purchase_currency"], "GBP");
    assert_eq!(u["purchase_source"], "eBay");
    assert!(l["purchase_source"].is_null());

    let m = item(&v, unmapped);
    assert_eq!(
        (m["price_source"].as_str(), m["reason"].as_str()),
        (Some("none_yet"), Some("not_yet_mapped"))
    );
    assert_eq!(m["sync_pending"], true);
    let n = item(&v, unknown);
    assert_eq!(
        (n["price_source"].as_str(), n["reason"].as_str()),
        (Some("none_yet"), Some("not_in_catalogue"))
    );
    assert!(n["product"].is_null());
    let na = item(&v, no_asks);
    assert_eq!(
        (na["price_source"].as_str(), na["reason"].as_str()),
        (Some("none_yet"), Some("no_asks_in_size"))
    );
    let st = item(&v, stale);
    assert_eq!(
        (st["price_source"].as_str(), st["reason"].as_str()),
        (Some("last_known"), Some("stale"))
    );
    assert_eq!(st["stale"], true);
    assert_eq!(st["market_value_minor"], 11_000);
    let bs = item(&v, bad_size);
    assert_eq!(bs["reason"], "unknown_size");
    let ls = item(&v, last_sale);
    assert_eq!(
        (ls["price_source"].as_str(), ls["reason"].as_str()),
        (Some("last_known"), Some("no_asks_in_size"))
    );
    assert_eq!(ls["market_value_minor"], 19_000);
    // With no ask, it is paid out at its last sale.
    assert_eq!(ls["best_payout"]["price_minor"], 19_000);
    let eu = item(&v, eu_table);
    assert_eq!(eu["reason"], "size_not_in_run");
    assert!(eu["size"]["us_size"].is_null(), "EU 35 is not on the chart");

    // Totals over the returned items, in the one response currency.
    let t = &v["totals"];
    assert_eq!(t["currency"], "USD");
    assert_eq!(t["items"], 9);
    assert_eq!(t["items_with_cost"], 6);
    assert_eq!(
        t["cost_basis_minor"],
        18_000 + 19_147 + 11_000 + 9_000 + 10_000 + 15_000
    );
    assert_eq!(t["items_valued"], 4);
    assert_eq!(t["market_value_minor"], 22_400 + 22_400 + 11_000 + 19_000);
    let profit: i64 = items
        .iter()
        .filter_map(|i| i["unrealized_profit_minor"].as_i64())
        .sum();
    assert_eq!(t["unrealized_profit_minor"], profit);
    // Items off the page are valued for the totals as on it (the live pair by its ask, the
    // no-ask pair by its last sale): one item per page gives the same totals.
    let one = inventory(&s, a, "limit=1").await.json();
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["totals"], v["totals"]);

    // On-demand sync: one map job per marketplace for the unmapped product, never duplicated.
    assert_eq!(jobs(&c).await, (2, 2));
    let before = s.round_trips.load(Ordering::Relaxed);
    assert_eq!(inventory(&s, a, "").await.status, 200);
    assert_eq!(
        s.round_trips.load(Ordering::Relaxed) - before,
        1,
        "the first request's quotes are held: one round trip"
    );
    assert_eq!(
        jobs(&c).await,
        (2, 2),
        "the open-job guard prevents duplicates"
    );

    // Status filter.
    let all = inventory(&s, a, "status=all").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 10);
    let sold_only = inventory(&s, a, "status=sold").await.json();
    assert_eq!(sold_only["items"].as_array().unwrap().len(), 1);

    // User B sees exactly their own item.
    let vb = inventory(&s, b, "").await.json();
    let ib = vb["items"].as_array().unwrap();
    assert_eq!(ib.len(), 1);
    assert_eq!(ib[0]["id"], other_user.to_string());
    // A user with nothing sees nothing.
    let empty = inventory(&s, Uuid::new_v4(), "").await.json();
    assert!(empty["items"].as_array().unwrap().is_empty());
    assert_eq!(empty["totals"]["items"], 0);
}

#[tokio::test]
async fn fee_profile_sets_market_currency_and_level() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    let _ = f;
    let a = Uuid::new_v4();
    api::fee_profile(&c, a, "UK", "GBP", 5).await;
    let id = api::Item::new(a, "DZ5485-612", "9")
        .unit("UK")
        .cost("150.00", "GBP")
        .insert(&c)
        .await;
    let s = state(&db);
    let v = inventory(&s, a, "").await.json();
    assert_eq!(v["market"], "UK");
    assert_eq!(v["currency"], "GBP");
    assert_eq!(v["fee_profile_is_default"], false);
    assert_eq!(v["fee_profile"]["stockx_seller_level"], 5);
    let i = item(&v, id);
    assert_eq!(i["cost_minor"], 15_000);
    // UK market: StockX £180.00 (level 5: 7 % = 12.60, 3 % = 5.40, £4.00 UK seller shipping ->
    // 158.00);
    // Alias $215.00 -> 21.50 - (20.43 + 12.00 UK seller fee) = 182.57 - 5.29 cash-out = 177.28 USD
    // = 138.88 GBP. StockX pays more.
    assert_eq!(i["best_payout"]["marketplace"], "stockx");
    assert_eq!(i["best_payout"]["net_minor"], 15_800);
    // The value is the StockX ask that pays best, £180.00 (not Alias's $215.00 = £168.43).
    assert_eq!(i["market_value_minor"], 18_000);
    assert_eq!(v["fx"]["rate_date"], f.fx_date.to_string());
    // ?currency overrides the profile's currency.
    let usd = inventory(&s, a, "currency=USD").await.json();
    assert_eq!(usd["currency"], "USD");
    assert_eq!(item(&usd, id)["cost_minor"], 19_147);
}

#[tokio::test]
async fn bad_parameters_are_named_after_authentication() {
    let db = TestDb::new().await;
    let s = state(&db);
    let a = Uuid::new_v4();
    for (query, name) in [
        ("status=lost", "status"),
        ("currency=BTC", "currency"),
        ("currency=%27%20OR%201%3D1", "currency"),
        ("page=2", "page"),
    ] {
        assert_eq!(
            inventory(&s, a, query).await.invalid_param_names(),
            vec![name.to_string()],
            "{query}"
        );
    }
}

#[tokio::test]
async fn etag_and_cors_on_inventory() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let a = Uuid::new_v4();
    api::Item::new(a, "DZ5485-612", "10")
        .cost("180.00", "USD")
        .insert(&c)
        .await;
    let s = state(&db);
    let first = inventory(&s, a, "").await;
    let etag = first.header("etag").unwrap().to_string();
    let token = api::hs256(&api::claims(a, 3600), api::JWT_SECRET);
    let auth = format!("Bearer {token}");
    let again = Resp::from_lambda(
        inventory_api::handle(
            &s,
            get(
                "/v1/inventory",
                "",
                &[
                    ("authorization", &auth),
                    ("if-none-match", &etag),
                    ("origin", "https://app.example.com"),
                ],
            ),
        )
        .await,
    );
    assert_eq!(again.status, 304);
    assert_eq!(
        again.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let pre = Resp::from_lambda(
        inventory_api::handle(
            &s,
            api::request_from_event(&api::function_url_event(
                "OPTIONS",
                "/v1/inventory",
                "",
                &[
                    ("origin", "https://app.example.com"),
                    ("access-control-request-headers", "authorization"),
                ],
            )),
        )
        .await,
    );
    assert_eq!(pre.status, 204);
    assert!(pre
        .header("access-control-allow-headers")
        .unwrap()
        .contains("Authorization"));
}

#[tokio::test]
async fn a_looping_client_with_stockx_revoked_enqueues_bounded_alias_work_only() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let user = Uuid::new_v4();
    // 30 owned styles we know but have never mapped, and StockX waiting for re-consent.
    c.batch_execute(&format!(
        "INSERT INTO market.products (style_code, brand, name)
           SELECT 'OD' || g || '-100', 'Nike', 'On demand ' || g FROM generate_series(1, 30) g;
         INSERT INTO market.inventory_items (user_id, style_id, size)
           SELECT '{user}', 'OD' || g || '-100', '10' FROM generate_series(1, 30) g;
         INSERT INTO market.marketplace_credentials (marketplace_id, needs_reauth, reauth_reason)
           VALUES (1, true, 'refresh token revoked');"
    ))
    .await
    .unwrap();
    let mut s = state(&db);
    s.on_demand.per_user_day = 25;
    for _ in 0..5 {
        let r = inventory(&s, user, "").await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let rows = c
        .query(
            "SELECT marketplace_id, count(*) FROM market.sync_jobs GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let per_marketplace: Vec<(i16, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    // No StockX job at all (nothing could be called); Alias: 20 on the first request, 5 more
    // up to the user's daily 25, then nothing however often the client asks.
    assert_eq!(per_marketplace, [(2, 25)]);
    let requested_by: i64 = c
        .query_one(
            "SELECT count(*) FROM market.sync_jobs WHERE requested_by = $1",
            &[&user],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(requested_by, 25);
}

#[tokio::test]
async fn on_demand_syncs_cover_the_held_pairs_whichever_statuses_are_listed() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    // Four styles we know but have never mapped: each seller holds one pair and has sold another.
    c.batch_execute(&format!(
        "INSERT INTO market.products (style_code, brand, name)
           SELECT 'HP' || g || '-100', 'Nike', 'Held or sold ' || g FROM generate_series(1, 4) g;
         INSERT INTO market.inventory_items (user_id, style_id, size, status) VALUES
           ('{a}', 'hp1 100', '10', 'in_stock'), ('{a}', 'HP2-100', '10', 'sold'),
           ('{b}', 'HP3-100', '9', 'consigned'), ('{b}', 'HP4-100', '9', 'sold');"
    ))
    .await
    .unwrap();
    let s = state(&db);
    // A lists only sold pairs: the products of its held pairs are found by the enqueue itself.
    // B lists every pair: the enqueue is given the products the read found.
    for (user, query) in [(a, "status=sold"), (b, "status=all")] {
        let r = inventory(&s, user, query).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let rows = c
        .query(
            "SELECT j.requested_by, p.style_code, count(*) FROM market.sync_jobs j
             JOIN market.products p ON p.id = j.product_id
             WHERE j.kind = 'map' AND j.status = 'queued' GROUP BY 1, 2 ORDER BY 2",
            &[],
        )
        .await
        .unwrap();
    let jobs: Vec<(Uuid, String, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    // One mapping job per marketplace for each held pair's product; none for the sold pairs'.
    assert_eq!(
        jobs,
        [(a, "HP1-100".to_string(), 2), (b, "HP3-100".to_string(), 2)]
    );
}
