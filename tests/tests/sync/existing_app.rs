//! The existing app's users end to end: their pairs in `public.inventory_v4_items`, their styles in
//! the app's style catalog (with provider ids), their settings in `user_settings` / `profiles`;
//! migrations, a tick and the queue against the sandbox, then `/v1/inventory` with each user's JWT.

use e2e_tests::api::{self, get, Resp};
use e2e_tests::pipeline::{Pipeline, PipelineOptions};
use rust_decimal::Decimal;
use sandbox_market::SandboxProduct;
use serde_json::Value;
use shared::api::jwt::JwtVerifier;
use shared::api::Cors;
use shared::valuation::fees::FeeSchedule;
use tokio_postgres::Client;
use uuid::Uuid;

const UK_USER: &str = "a1000000-0000-4000-8000-000000000001";
const DE_USER: &str = "a2000000-0000-4000-8000-000000000002";

async fn style(c: &Client, p: &SandboxProduct, with_ids: bool) {
    let (stockx, alias): (Option<Uuid>, Option<&str>) = if with_ids {
        (Some(p.stockx_id.parse().unwrap()), Some(&p.alias_id))
    } else {
        (None, None)
    };
    c.execute(
        "INSERT INTO public.inventory_v4_style_catalog (style_id, brand, name, colorway,
           retail_price_cents, stockx_product_id, stockx_url_key, alias_catalog_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &p.style_code,
            &p.brand,
            &p.name,
            &p.colorway,
            &p.retail_cents.map(|c| c as i32),
            &stockx,
            &p.url_key,
            &alias,
        ],
    )
    .await
    .unwrap();
}

async fn user(c: &Client, id: &str, level: i32, currency: &str, alias_region: &str) -> Uuid {
    let id: Uuid = id.parse().unwrap();
    c.execute("INSERT INTO auth.users (id) VALUES ($1)", &[&id])
        .await
        .unwrap();
    c.execute(
        "INSERT INTO public.user_settings (user_id, stockx_seller_level, currency_preference, alias_region)
         VALUES ($1, $2, $3, $4)",
        &[&id, &level, &currency, &alias_region],
    )
    .await
    .unwrap();
    c.execute(
        "INSERT INTO public.profiles (id, currency_pref) VALUES ($1, $2)",
        &[&id, &currency],
    )
    .await
    .unwrap();
    id
}

async fn pair(c: &Client, user: Uuid, style_id: &str, size: &str, unit: &str) -> Uuid {
    c.query_one(
        "INSERT INTO public.inventory_v4_items (user_id, style_id, size, size_unit, purchase_price,
                                                purchase_source)
         VALUES ($1, $2, $3, $4, 150.00, 'Nike SNKRS') RETURNING id",
        &[&user, &style_id, &size, &unit],
    )
    .await
    .unwrap()
    .get(0)
}

/// The StockX lowest ask the sandbox quotes for `p`'s US M `us_m` size in `currency`, in minor
/// units: asked over HTTP, as a client of the marketplace would.
async fn stockx_ask(pipeline: &Pipeline, p: &SandboxProduct, us_m: &str, currency: &str) -> i64 {
    let s = &pipeline.sandbox;
    let cfg = &s.running.app.cfg;
    // The access token the sync obtained (refreshing again would rotate the refresh token).
    let token: String = pipeline
        .db
        .client()
        .await
        .query_one(
            "SELECT access_token FROM market.marketplace_credentials WHERE marketplace_id = 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let rows: Value = reqwest::Client::new()
        .get(s.url(&format!(
            "/v2/catalog/products/{}/market-data?currencyCode={currency}",
            p.stockx_id
        )))
        .header("x-api-key", cfg.api_key.as_str())
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let us_m: Decimal = us_m.parse().unwrap();
    let variant = p
        .sizes
        .iter()
        .find(|s| s.spec.us_m == Some(us_m))
        .expect("size in the run");
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variantId"] == variant.stockx_variant_id.as_str())
        .expect("market data for the size");
    let ask: Decimal = row["lowestAskAmount"].as_str().unwrap().parse().unwrap();
    i64::try_from((ask * Decimal::from(100)).round()).unwrap()
}

fn market<'a>(item: &'a Value, m: &str) -> &'a Value {
    item["marketplaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["marketplace"] == m)
        .unwrap_or_else(|| panic!("{m} quote in {item}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uk_and_eu_sellers_are_priced_in_their_market_currency_and_fees() {
    let p = Pipeline::start(PipelineOptions {
        products: 40,
        existing_app: true,
        ..PipelineOptions::default()
    })
    .await;
    // Two men's styles beyond the 40 seeded ones: our catalogue does not know them, the app's
    // style catalog does (one with the provider ids, one without: found by search).
    let seeded: Vec<String> = {
        let c = p.db.client().await;
        c.query("SELECT style_code FROM market.products", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let ten: Decimal = "10".parse().unwrap();
    let candidates: Vec<SandboxProduct> = p
        .sandbox
        .running
        .app
        .catalog
        .products
        .iter()
        .filter(|x| {
            x.on_stockx
                && x.on_alias
                && x.gender == "men"
                && x.stockx_duplicate_id.is_none()
                && !x.stockx_style_id.contains('/')
                && !seeded.contains(&x.style_code)
                && x.sizes.iter().any(|s| s.spec.us_m == Some(ten))
        })
        .take(2)
        .cloned()
        .collect();
    let (uk_style, de_style) = (&candidates[0], &candidates[1]);
    let c = p.db.client().await;
    style(&c, uk_style, true).await;
    style(&c, de_style, false).await;
    // UK seller: GBP, StockX level 2, Alias region uk; a UK 9 (= US M 10 on Nike's chart).
    let uk = user(&c, UK_USER, 2, "GBP", "uk").await;
    // German seller: EUR, Alias region de; an EU 44 (= US M 10).
    let de = user(&c, DE_USER, 1, "EUR", "de").await;
    // Lower case and stray spaces, as users type them.
    let uk_item = pair(&c, uk, &uk_style.style_code, "9", "UK").await;
    let de_item = pair(&c, de, &de_style.style_code, "44", "EU").await;

    // The UK pair is listed on two platforms (typed as users type them) and was on a third.
    for (platform, price, currency, status) in [
        ("StockX", "210.00", "GBP", "active"),
        ("alias", "199.50", "gbp", "active"),
        ("eBay", "180.00", "GBP", "ended"),
    ] {
        c.execute(
            "INSERT INTO public.inventory_v4_listings
               (item_id, user_id, platform, listed_price, listed_currency, status)
             VALUES ($1, $2, $3, $4::text::numeric, $5, $6)",
            &[&uk_item, &uk, &platform, &price, &currency, &status],
        )
        .await
        .unwrap();
    }

    let before = app_tables_digest(&c).await;
    sync_orchestrator::daily(&p.orchestrator).await.unwrap();
    let summary = p.tick().await;
    assert!(
        summary.planned >= 4,
        "both styles on both marketplaces: {summary:?}"
    );
    p.drain().await;

    let state = inventory_api::State::new(
        p.db.pool(),
        Cors::new("https://app.example.com"),
        FeeSchedule::default(),
        JwtVerifier::new(Some(api::JWT_SECRET.as_bytes()), None, 30).unwrap(),
        None,
    );
    let inventory = |user: Uuid| {
        let state = &state;
        async move {
            let token = api::hs256(&api::claims(user, 3600), api::JWT_SECRET);
            let auth = format!("Bearer {token}");
            let r = Resp::from_lambda(
                inventory_api::handle(state, get("/v1/inventory", "", &[("authorization", &auth)]))
                    .await,
            );
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            r.json()
        }
    };

    let v = inventory(uk).await;
    assert_eq!(v["market"], "UK");
    assert_eq!(v["currency"], "GBP");
    assert_eq!(v["fee_profile_is_default"], false);
    assert_eq!(v["fee_profile"]["stockx_seller_level"], 2);
    let item = &v["items"][0];
    assert_eq!(item["id"], uk_item.to_string());
    assert_eq!(item["price_source"], "live", "{item}");
    assert_eq!(item["size"]["us_size"], "10");
    assert_eq!(
        item["listings"],
        serde_json::json!([
            {"platform": "alias", "price_minor": 19_950, "currency": "GBP"},
            {"platform": "stockx", "price_minor": 21_000, "currency": "GBP"},
        ]),
        "the active listings, by platform"
    );
    assert_eq!(
        market(item, "stockx")["ask_minor"],
        stockx_ask(&p, uk_style, "10", "GBP").await,
        "the StockX ask is the UK market's, in GBP"
    );
    assert!(
        market(item, "alias")["ask_minor"].is_i64() || market(item, "alias")["bid_minor"].is_i64()
    );

    let v = inventory(de).await;
    assert_eq!(v["market"], "EU");
    assert_eq!(v["currency"], "EUR");
    let item = &v["items"][0];
    assert_eq!(item["id"], de_item.to_string());
    assert_eq!(item["price_source"], "live", "{item}");
    // The app's own record of the purchase, unconverted: 150.00 in its default currency, GBP.
    assert_eq!(item["purchase_price_minor"], 15_000);
    assert_eq!(item["purchase_currency"], "GBP");
    assert_eq!(item["purchase_source"], "Nike SNKRS");
    assert!(
        item["cost_minor"].is_i64() && item["cost_minor"] != 15_000,
        "converted to EUR"
    );
    assert_eq!(
        market(item, "stockx")["ask_minor"],
        stockx_ask(&p, de_style, "10", "EUR").await,
        "the StockX ask is the EU market's, in EUR"
    );

    // The marketplaces were asked for each seller's region: Alias region ids 3 (UK) and 2 (EU),
    // StockX in GBP and EUR.
    for endpoint in [
        "alias.availabilities?region_id=3",
        "alias.availabilities?region_id=2",
        "stockx.market_data?currencyCode=GBP",
        "stockx.market_data?currencyCode=EUR",
    ] {
        assert!(p.sandbox.count(endpoint).await > 0, "no {endpoint} request");
    }
    // The style without provider ids was found by search; the one with ids needed none.
    let links: i64 = c
        .query_one(
            "SELECT count(*) FROM market.marketplace_links l JOIN market.products p ON p.id = l.product_id
             WHERE p.style_code = ANY($1) AND l.status = 'matched'",
            &[&vec![uk_style.style_code.clone(), de_style.style_code.clone()]],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(links, 4);

    // The app's tables are read, never written: every row of every one is as it was.
    assert_eq!(app_tables_digest(&c).await, before);
}

/// A digest of every row of the app's tables.
async fn app_tables_digest(c: &Client) -> String {
    c.query_one(
        "SELECT concat_ws('/',
           (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM public.inventory_v4_items t),
           (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM public.inventory_v4_style_catalog t),
           (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM public.user_settings t),
           (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM public.profiles t),
           (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM public.inventory_v4_listings t),
           (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM public.inventory_v4_sales t))",
        &[],
    )
    .await
    .unwrap()
    .get(0)
}
