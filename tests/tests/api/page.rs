//! market-api product page against a real database, through real Function URL events.

use std::sync::atomic::Ordering;

use e2e_tests::api::{self, market_get as call, seed_market, Resp};
use e2e_tests::db::TestDb;

fn state(db: &TestDb) -> market_api::State {
    api::market_state(db.pool())
}

#[tokio::test]
async fn page_has_hero_summary_sizes_history_and_freshness_in_one_round_trip() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let s = state(&db);

    let r = call(&s, "/v1/products/DZ5485-612", "", &[]).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(s.round_trips.load(Ordering::Relaxed), 1);
    let v = r.json();
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["market"], "US");
    assert!(v["fx"].is_null(), "all-USD page needs no conversion");
    assert_eq!(
        v["product"]["name"],
        "Jordan 1 Retro High OG Chicago Lost and Found"
    );
    assert_eq!(v["product"]["retail_minor"], 18_000);
    assert_eq!(v["product"]["release_date"], "2022-11-19");
    // Summary: lowest ask overall is Alias 215.00; highest bid StockX 200.00.
    assert_eq!(v["summary"]["lowest_ask"]["marketplace"], "alias");
    assert_eq!(v["summary"]["lowest_ask"]["amount_minor"], 21_500);
    assert_eq!(v["summary"]["highest_bid"]["amount_minor"], 20_000);
    let sx = &v["summary"]["marketplaces"][0];
    assert_eq!(sx["marketplace"], "stockx");
    assert_eq!(sx["lowest_ask_minor"], 22_400);
    assert_eq!(sx["sizes_with_ask"], 2);
    // 30-day change of the product's lowest ask: 200.00 (29 days ago) -> 224.00 (today): +12 %.
    assert_eq!(v["summary"]["change_30d"]["from_minor"], 20_000);
    assert_eq!(v["summary"]["change_30d"]["to_minor"], 22_400);
    assert_eq!(v["summary"]["change_30d"]["change_pct"], "12.00");
    // Every size of the run, with per-marketplace quotes and the best payout.
    let sizes = v["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 25);
    let ten = sizes.iter().find(|s| s["label"] == "10").unwrap();
    assert_eq!(ten["uk"], "9");
    assert_eq!(ten["eu"], "44");
    assert_eq!(ten["marketplaces"].as_array().unwrap().len(), 2);
    assert_eq!(ten["best_ask"]["marketplace"], "alias");
    // StockX at 224.00, level 1: 20.16 + 6.72 fees + 5.00 US seller shipping -> 192.12. Alias at
    // 215.00: 20.43 commission, 5.00 seller fee, 5.50 cash-out -> 184.07. StockX pays more.
    assert_eq!(ten["best_payout"]["marketplace"], "stockx");
    assert_eq!(ten["best_payout"]["net_minor"], 19_212);
    assert_eq!(ten["best_payout"]["fees_minor"], 3_188);
    let four = sizes.iter().find(|s| s["label"] == "4").unwrap();
    assert!(four["best_ask"].is_null() && four["marketplaces"].as_array().unwrap().is_empty());
    // History: 30 daily points at product level; no size history without ?size=.
    assert_eq!(v["history"]["scope"], "product");
    assert_eq!(v["history"]["points"].as_array().unwrap().len(), 30);
    assert!(v["size_history"].is_null());
    assert_eq!(v["freshness"]["tier"], "hot");
    assert_eq!(v["freshness"]["stale"], false);
    assert_eq!(v["freshness"]["marketplaces"].as_array().unwrap().len(), 2);
    let cc = r.header("cache-control").unwrap();
    assert!(cc.starts_with("public, max-age="), "{cc}");
}

#[tokio::test]
async fn any_spacing_or_hyphen_form_finds_the_page() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let s = state(&db);
    for form in [
        "DZ5485-612",
        "dz5485-612",
        "DZ5485%20612",
        "DZ5485612",
        "dz5485_612",
    ] {
        let r = call(&s, &format!("/v1/products/{form}"), "", &[]).await;
        assert_eq!(r.status, 200, "{form}");
        assert_eq!(r.json()["style_code"], "DZ5485-612");
    }
}

async fn viewed(c: &tokio_postgres::Client, id: i32) -> Option<chrono::DateTime<chrono::Utc>> {
    c.query_typed(
        "SELECT last_viewed_at FROM market.products WHERE id = $1",
        &[(&id, tokio_postgres::types::Type::INT4)],
    )
    .await
    .unwrap()[0]
        .get(0)
}

#[tokio::test]
async fn signed_in_views_record_at_most_one_write_per_hour() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    let mut s = state(&db);
    s.verifier = Some(
        shared::api::jwt::JwtVerifier::new(Some(api::JWT_SECRET.as_bytes()), None, 30).unwrap(),
    );
    let token = api::hs256(&api::claims(uuid::Uuid::new_v4(), 3600), api::JWT_SECRET);
    let auth = format!("Bearer {token}");
    let signed_in = [("authorization", auth.as_str())];
    // Anonymous GETs, HEADs and a forged token are served but never count as a view: a flood of
    // them cannot make products hot.
    for _ in 0..3 {
        assert_eq!(
            call(&s, "/v1/products/DZ5485-612", "", &[]).await.status,
            200
        );
        let head = Resp::from_lambda(
            market_api::handle(
                &s,
                e2e_tests::api::request_from_event(&e2e_tests::api::function_url_event(
                    "HEAD",
                    "/v1/products/DZ5485-612",
                    "",
                    &signed_in,
                )),
            )
            .await,
        );
        assert_eq!(head.status, 200);
        let forged = [("authorization", "Bearer x.y.z")];
        assert_eq!(
            call(&s, "/v1/products/DZ5485-612", "", &forged)
                .await
                .status,
            200
        );
    }
    assert!(viewed(&c, f.jordan).await.is_none(), "no signed-in GET yet");
    assert_eq!(
        call(&s, "/v1/products/DZ5485-612", "", &signed_in)
            .await
            .status,
        200
    );
    let first = viewed(&c, f.jordan).await.expect("view recorded");
    assert_eq!(
        call(&s, "/v1/products/DZ5485-612", "", &signed_in)
            .await
            .status,
        200
    );
    assert_eq!(
        viewed(&c, f.jordan).await,
        Some(first),
        "second view within the hour writes nothing"
    );
    c.batch_execute(&format!(
        "UPDATE market.products SET last_viewed_at = now() - interval '2 hours' WHERE id = {}",
        f.jordan
    ))
    .await
    .unwrap();
    assert_eq!(
        call(&s, "/v1/products/DZ5485-612", "", &signed_in)
            .await
            .status,
        200
    );
    assert!(viewed(&c, f.jordan).await.unwrap() > first);
}

#[tokio::test]
async fn uk_market_converts_to_one_currency_and_names_the_rate_date() {
    let db = TestDb::new().await;
    let f = seed_market(&db.client().await).await;
    let s = state(&db);
    let v = call(&s, "/v1/products/DZ5485-612", "market=UK", &[])
        .await
        .json();
    assert_eq!(v["currency"], "GBP");
    assert_eq!(v["fx"]["rate_date"], f.fx_date.to_string());
    assert_eq!(v["fx"]["rates"]["USD"], "1.085");
    let ten = v["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == "10")
        .unwrap()
        .clone();
    let sx = ten["marketplaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["marketplace"] == "stockx")
        .unwrap()
        .clone();
    assert_eq!(sx["ask_minor"], 18_000, "StockX UK is already GBP");
    let al = ten["marketplaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["marketplace"] == "alias")
        .unwrap()
        .clone();
    // 215.00 USD * 0.85 / 1.085 = 168.433... GBP -> 168.43 (half away from zero).
    assert_eq!(al["ask_minor"], 16_843);
    assert_eq!(v["summary"]["lowest_ask"]["amount_minor"], 16_843);

    // Explicit display currencies, including one without minor digits.
    let eur = call(&s, "/v1/products/DZ5485-612", "currency=EUR", &[])
        .await
        .json();
    assert_eq!(eur["currency"], "EUR");
    assert_eq!(eur["summary"]["lowest_ask"]["amount_minor"], 19_816); // 215.00 / 1.085 = 198.156
    let jpy = call(&s, "/v1/products/DZ5485-612", "currency=jpy", &[])
        .await
        .json();
    assert_eq!(jpy["minor_digits"], 0);
    assert_eq!(jpy["summary"]["lowest_ask"]["amount_minor"], 31_705); // 215 * 160 / 1.085 = 31705.07
}

#[tokio::test]
async fn stale_flags_follow_the_tier() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let s = state(&db);
    let warm = call(&s, "/v1/products/DD1391-100", "", &[]).await.json();
    assert_eq!(warm["freshness"]["tier"], "warm");
    assert_eq!(warm["freshness"]["cadence_hours"], 24);
    assert_eq!(
        warm["freshness"]["stale"], true,
        "synced 30 h ago, cadence 24 h"
    );
    let cold = call(&s, "/v1/products/FZ5000-100", "", &[]).await.json();
    assert_eq!(cold["freshness"]["stale"], true, "never synced");
    assert!(cold["freshness"]["last_synced_at"].is_null());
    assert!(cold["summary"]["lowest_ask"].is_null());
    assert!(cold["summary"]["change_30d"].is_null());
}

#[tokio::test]
async fn a_configured_cadence_moves_stale_flags_and_cache_lifetime_together() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let mut s = state(&db);
    // As if SYNC_WARM_HOURS=36: the warm product synced 30 h ago is fresh, and a shared cache
    // may keep the page (the next sync is 6 h away: the 5-minute cap applies).
    s.cadences = shared::core::tier::Cadences {
        warm: std::time::Duration::from_secs(36 * 3600),
        ..Default::default()
    };
    let r = call(&s, "/v1/products/DD1391-100", "", &[]).await;
    let v = r.json();
    assert_eq!(v["freshness"]["cadence_hours"], 36);
    assert_eq!(
        v["freshness"]["stale"], false,
        "synced 30 h ago, cadence 36 h"
    );
    let cc = r.header("cache-control").unwrap();
    assert!(cc.starts_with("public, max-age=300"), "{cc}");
    // The default 24 h cadence calls the same data stale and caches it for a minute.
    let r = call(&state(&db), "/v1/products/DD1391-100", "", &[]).await;
    assert_eq!(r.json()["freshness"]["stale"], true);
    assert!(r
        .header("cache-control")
        .unwrap()
        .starts_with("public, max-age=60"));
}

#[tokio::test]
async fn an_outlier_ask_is_flagged_and_never_the_best_price() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    // The captured case (Alias, Nike Dunk Low DD1391-100 size 4): Alias asks $2,000.00
    // with a last sale of $119.00, StockX asks $74.00. Here on the fixture's size 12.
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
    let v = call(&state(&db), "/v1/products/DZ5485-612", "", &[])
        .await
        .json();
    let twelve = v["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == "12")
        .expect("size 12");
    let alias = twelve["marketplaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["marketplace"] == "alias")
        .unwrap();
    assert_eq!(
        alias["ask_minor"], 200_000,
        "shown as the marketplace quotes it"
    );
    assert_eq!(alias["outlier"], true);
    assert_eq!(alias["outlier_reason"], "ask_far_above_last_sale");
    assert_eq!(twelve["best_ask"]["marketplace"], "stockx");
    assert_eq!(twelve["best_ask"]["amount_minor"], 7_400);
    assert_eq!(twelve["best_payout"]["marketplace"], "stockx");
    // Nor is it the product's headline: Alias's lowest ask stays the fixture's 215.00.
    assert_eq!(v["summary"]["marketplaces"][1]["lowest_ask_minor"], 21_500);
}

#[tokio::test]
async fn each_size_shows_the_instant_payout_at_the_highest_bid() {
    let db = TestDb::new().await;
    seed_market(&db.client().await).await;
    let v = call(&state(&db), "/v1/products/DZ5485-612", "", &[])
        .await
        .json();
    let size = |label: &str| {
        v["sizes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["label"] == label)
            .unwrap()
            .clone()
    };
    // Size 10: StockX's 200.00 bid at level 1 pays 200.00 - 18.00 (9 %) - 6.00 (3 %) - 5.00
    // (US seller shipping) = 171.00.
    let ten = size("10");
    assert_eq!(ten["instant_payout"]["marketplace"], "stockx");
    assert_eq!(ten["instant_payout"]["price_minor"], 20_000);
    assert_eq!(ten["instant_payout"]["net_minor"], 17_100);
    // Size 9 has no bid anywhere.
    assert!(size("9")["instant_payout"].is_null());
}

#[tokio::test]
async fn a_signed_in_callers_page_pays_out_with_their_fees_and_stays_private() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let mut s = state(&db);
    s.verifier = Some(api::test_verifier());
    let seller = uuid::Uuid::new_v4();
    // A StockX level 5 seller (7 % transaction fee on StockX's published schedule).
    api::fee_profile(&c, seller, "US", "USD", 5).await;
    let auth = api::bearer(seller);
    let size_ten = |v: &serde_json::Value| {
        v["sizes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["label"] == "10")
            .unwrap()
            .clone()
    };

    let public = call(&s, "/v1/products/DZ5485-612", "", &[]).await;
    let v = public.json();
    assert_eq!(v["fee_profile_source"], "default");
    assert_eq!(v["fee_profile"]["stockx_seller_level"], 1);
    assert!(public.header("cache-control").unwrap().contains("public"));
    // Level 1 at the 224.00 ask: 192.12 (see the first test).
    assert_eq!(size_ten(&v)["best_payout"]["net_minor"], 19_212);

    let mine = call(
        &s,
        "/v1/products/DZ5485-612",
        "",
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(mine.status, 200, "{}", String::from_utf8_lossy(&mine.body));
    let v = mine.json();
    api::assert_conforms("ProductPage", &v);
    assert_eq!(v["fee_profile_source"], "caller");
    assert_eq!(v["fee_profile"]["stockx_seller_level"], 5);
    assert!(mine.header("cache-control").unwrap().contains("private"));
    let ten = size_ten(&v);
    // 224.00 - 15.68 (7 %) - 6.72 (3 % processing) - 5.00 (US seller shipping) = 196.60.
    assert_eq!(ten["best_payout"]["marketplace"], "stockx");
    assert_eq!(ten["best_payout"]["net_minor"], 19_660);
    // Selling now to the 200.00 bid: 200.00 - 14.00 - 6.00 - 5.00 = 175.00.
    assert_eq!(ten["instant_payout"]["net_minor"], 17_500);

    // A forged token reads the public page (the page is public; the token is not trusted).
    let forged = format!(
        "Bearer {}",
        api::hs256(
            &api::claims(seller, 3600),
            "not-the-project-secret-0123456789abcdef"
        )
    );
    let v = call(
        &s,
        "/v1/products/DZ5485-612",
        "",
        &[("authorization", &forged)],
    )
    .await
    .json();
    assert_eq!(v["fee_profile_source"], "default");
    assert_eq!(size_ten(&v)["best_payout"]["net_minor"], 19_212);
}

#[tokio::test]
async fn converted_pages_say_when_the_exchange_rates_are_stale() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let s = state(&db);
    // Yesterday's ECB rates: fresh.
    let v = call(&s, "/v1/products/DZ5485-612", "currency=GBP", &[])
        .await
        .json();
    assert_eq!(v["fx"]["stale"], false);
    // The daily load stopped ten days ago: every converted response says so.
    c.batch_execute("UPDATE market.fx_rates SET rate_date = rate_date - 9")
        .await
        .unwrap();
    let v = call(&s, "/v1/products/DZ5485-612", "currency=GBP", &[])
        .await
        .json();
    assert_eq!(v["fx"]["stale"], true);
    api::assert_conforms("ProductPage", &v);
    // A page that converts nothing has no fx block at all.
    let v = call(&s, "/v1/products/DZ5485-612", "", &[]).await.json();
    assert!(v["fx"].is_null());
}
