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
