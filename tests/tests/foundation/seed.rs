//! The seed loads the real catalogue (≥ 500 products) with size runs, idempotently.

use e2e_tests::db::TestDb;
use shared::admin::catalog;

async fn counts(c: &tokio_postgres::Client) -> (i64, i64, i64, i64) {
    let r = c
        .query_one(
            "SELECT (SELECT count(*) FROM market.products),
                    (SELECT count(*) FROM market.size_variants),
                    (SELECT count(*) FROM market.marketplace_links),
                    (SELECT count(DISTINCT product_id) FROM market.size_variants)",
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

#[tokio::test]
async fn seeds_the_real_catalogue_twice_with_identical_counts() {
    let path = catalog::default_catalog_path();
    let parsed =
        catalog::parse_file(&path).expect("the team kit's catalogue beside the repository");
    assert!(
        parsed.rows.len() >= 500,
        "catalogue has {} valid rows",
        parsed.rows.len()
    );

    let db = TestDb::new().await;
    let mut c = db.client().await;
    let first = catalog::load(&mut c, &parsed.rows).await.unwrap();
    assert_eq!(first.products_inserted as usize, parsed.rows.len());
    let after_first = counts(&c).await;
    assert_eq!(after_first.0 as usize, parsed.rows.len());
    assert_eq!(after_first.3, after_first.0, "every product has a size run");
    assert!(after_first.1 >= after_first.0 * 8);
    let with_ids = parsed
        .rows
        .iter()
        .filter(|r| r.stockx_product_id.is_some())
        .count() as i64;
    assert_eq!(
        after_first.2,
        with_ids - first.stockx_links_conflicting as i64
    );

    let second = catalog::load(&mut c, &parsed.rows).await.unwrap();
    assert_eq!(second.products_inserted, 0);
    assert_eq!(second.products_updated, 0);
    assert_eq!(second.variants_inserted, 0);
    assert_eq!(second.stockx_links_inserted, 0);
    assert_eq!(counts(&c).await, after_first);

    // Spot-check one real product end to end.
    let r = c
        .query_one(
            "SELECT p.brand, p.retail_price_minor, p.retail_currency, p.gender,
                    (SELECT count(*) FROM market.size_variants v WHERE v.product_id = p.id AND v.size_system = 'us_m'),
                    (SELECT external_id FROM market.marketplace_links l WHERE l.product_id = p.id AND l.marketplace_id = 1)
             FROM market.products p WHERE p.style_code = 'FZ5000'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(r.get::<_, String>(0), "adidas");
    assert_eq!(r.get::<_, Option<i64>>(1), Some(22000));
    assert_eq!(r.get::<_, Option<String>>(2).as_deref(), Some("USD"));
    assert_eq!(r.get::<_, String>(3), "men");
    assert_eq!(r.get::<_, i64>(4), 25);
    assert_eq!(
        r.get::<_, Option<String>>(5).as_deref(),
        Some("715fc618-f9a3-4bc2-90c2-bbfb9f24e9dd")
    );
}

#[tokio::test]
async fn a_changed_row_updates_only_that_product_and_bad_rows_do_not_block_the_rest() {
    let db = TestDb::new().await;
    let mut c = db.client().await;
    let csv = "sku,brand,name,retail_price_usd,gender\nAB1234-100,Nike,One,100,men\nAB1234-200,Nike,Two,,women\nBAD,Nike,Bad,,men\n";
    let parsed = catalog::parse(csv.as_bytes()).unwrap();
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].line, 4);
    catalog::load(&mut c, &parsed.rows).await.unwrap();

    let csv2 = "sku,brand,name,retail_price_usd,gender\nAB1234-100,Nike,One renamed,100,men\nAB1234-200,Nike,Two,,women\n";
    let parsed2 = catalog::parse(csv2.as_bytes()).unwrap();
    let r = catalog::load(&mut c, &parsed2.rows).await.unwrap();
    assert_eq!((r.products_inserted, r.products_updated), (0, 1));
    let name: String = c
        .query_one(
            "SELECT name FROM market.products WHERE style_code = 'AB1234-100'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "One renamed");
    let women: i64 = c
        .query_one(
            "SELECT count(*) FROM market.size_variants v JOIN market.products p ON p.id = v.product_id
             WHERE p.style_code = 'AB1234-200' AND v.size_system = 'us_w'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(women, 15);
}
