//! Sizes through the real inventory handler: UK and EU sizes converted on the product's brand
//! chart (adidas' own, Nike's for Nike), an ambiguous UK size answered with its candidates, and a
//! bare number on a women-only product read as a women's size. Expected values are the brands'
//! published charts (adidas men's: UK 9 = US 9.5 = EU 43 1/3; Nike men's: UK 9 = US 10, UK 6 =
//! US 6.5 and US 7; Nike unisex labels: W 8 = M 6.5).

use e2e_tests::api::{self, assert_conforms, get, seed_market, Resp};
use e2e_tests::db::TestDb;
use serde_json::Value;
use uuid::Uuid;

fn item(v: &Value, id: Uuid) -> &Value {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.to_string())
        .unwrap_or_else(|| panic!("item {id} missing"))
}

#[tokio::test]
async fn uk_and_eu_sizes_convert_on_the_brands_chart_and_ambiguity_is_reported() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let adidas = api::product(&c, "IE0000-001", "adidas", "Samba OG", "warm").await;
    api::standard_sizes(&c, adidas).await;
    let nike = api::product(&c, "HF0000-001", "Nike", "Dunk Low", "warm").await;
    api::standard_sizes(&c, nike).await;
    let women = api::product(&c, "HF0000-002", "Nike", "Dunk Low (W)", "warm").await;
    api::standard_sizes(&c, women).await;
    c.execute(
        "UPDATE market.products SET gender = 'women' WHERE id = $1",
        &[&women],
    )
    .await
    .unwrap();

    let user = Uuid::new_v4();
    let add = |style: &'static str, size: &'static str, unit: &'static str| {
        let c = &c;
        async move { api::Item::new(user, style, size).unit(unit).insert(c).await }
    };
    let adidas_uk = add("IE0000-001", "9", "UK").await;
    let adidas_eu = add("IE0000-001", "43 1/3", "EU").await;
    let adidas_off_chart = add("IE0000-001", "44.5", "EU").await;
    let nike_uk = add("HF0000-001", "9", "UK").await;
    let nike_uk6 = add("HF0000-001", "6", "UK").await;
    let women_bare = add("HF0000-002", "8", "US").await;

    let s = api::inventory_state(db.pool(), None);
    let auth = api::bearer(user);
    let r = Resp::from_lambda(
        inventory_api::handle(&s, get("/v1/inventory", "", &[("authorization", &auth)])).await,
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_conforms("InventoryResponse", &v);

    let size = |id| item(&v, id)["size"].clone();
    for id in [adidas_uk, adidas_eu] {
        let s = size(id);
        assert_eq!(s["us_size"], "9.5", "adidas' chart, not Nike's: {s}");
        assert_eq!(s["conversion"], "brand_chart");
        assert_eq!(s["candidates"], serde_json::json!([]));
        assert_ne!(item(&v, id)["reason"], "size_not_in_run");
    }
    let off = item(&v, adidas_off_chart);
    assert!(
        off["size"]["us_size"].is_null(),
        "EU 44.5 is not an adidas size"
    );
    assert_eq!(off["reason"], "size_not_in_run");

    let n = size(nike_uk);
    assert_eq!(
        (n["us_size"].as_str(), n["conversion"].as_str()),
        (Some("10"), Some("standard_chart"))
    );

    let amb = item(&v, nike_uk6);
    assert_eq!(amb["reason"], "ambiguous_size");
    assert!(
        amb["size"]["us_size"].is_null(),
        "never one of the two: {amb}"
    );
    assert_eq!(amb["size"]["candidates"], serde_json::json!(["6.5", "7"]));
    assert!(amb["market_value_minor"].is_null());

    let w = size(women_bare);
    assert_eq!(
        (w["us_size"].as_str(), w["conversion"].as_str()),
        (Some("6.5"), Some("standard_chart")),
        "a bare 8 on a women's product is W 8 = M 6.5: {w}"
    );
}

/// The instance keeps the size runs it has read (`inventory_api::SizeRuns`) and the matches made
/// on them (`SizeMatches`): a product whose sizes a marketplace maps after a first request is
/// matched on the new run by the next request of the same instance, and a re-mapping that changes nothing leaves the run's version alone.
/// Expected values: StockX's captured `variants.json` (its size chart: US M 10 = UK 9).
#[tokio::test]
async fn a_run_mapped_between_two_requests_is_read_again_by_the_same_instance() {
    let db = TestDb::new().await;
    let c = db.client().await;
    seed_market(&c).await;
    let product = api::product(&c, "HQ0000-001", "Jordan", "Air Jordan 1 High", "warm").await;
    let user = Uuid::new_v4();
    let pair = api::Item::new(user, "HQ0000-001", "9")
        .unit("UK")
        .insert(&c)
        .await;
    let s = api::inventory_state(db.pool(), None);
    let request = || async {
        let r = Resp::from_lambda(
            inventory_api::handle(
                &s,
                get(
                    "/v1/inventory",
                    "",
                    &[("authorization", &api::bearer(user))],
                ),
            )
            .await,
        );
        assert_eq!(r.status, 200);
        r.json()
    };
    let version = || async {
        let v: i64 = c
            .query_one(
                "SELECT sizes_version FROM market.products WHERE id = $1",
                &[&product],
            )
            .await
            .unwrap()
            .get(0);
        v
    };

    let before = request().await;
    assert_eq!(item(&before, pair)["reason"], "size_not_in_run");
    assert!(!s.size_runs.is_empty(), "the read runs are held");
    assert!(!s.size_matches.is_empty(), "and the matches made on them");

    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/stockx/variants.json");
    let variants =
        shared::marketplaces::stockx::normalize::stockx_variants(&std::fs::read(path).unwrap())
            .unwrap();
    let mapped = chrono::Utc::now();
    // The sync's own write of a marketplace's sizes.
    let map_sizes = || async {
        shared::sync::store::write_variants(
            &c,
            product,
            shared::core::domain::Marketplace::StockX,
            &variants,
            mapped,
        )
        .await
        .unwrap();
    };
    map_sizes().await;
    let mapped_version = version().await;
    assert!(mapped_version > 0, "mapping the sizes bumps the version");

    let after = request().await;
    let it = item(&after, pair);
    assert_eq!(
        (
            it["size"]["us_size"].as_str(),
            it["size"]["conversion"].as_str()
        ),
        (Some("10"), Some("size_chart")),
        "UK 9 is US M 10 on StockX's chart: {it}"
    );
    // Matched to a size of the run; only the prices are still to come.
    assert_eq!(it["reason"], "not_yet_mapped");

    // The sync maps again with the same chart: nothing changed, so the held run stays valid.
    map_sizes().await;
    assert_eq!(version().await, mapped_version);
    let again = request().await;
    assert_eq!(item(&again, pair)["size"], it["size"]);
}
