//! The sales write path: deduplication and the daily aggregates against a hand-computed example
//! from Alias's published `recent_sales` payload, retention, and the fold of rows an older version
//! wrote into the product's months.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use e2e_tests::db::TestDb;
use shared::admin::catalog;
use shared::core::domain::{Currency, Marketplace, Region};
use shared::marketplaces::alias::normalize::alias_recent_sales;
use shared::marketplaces::snapshot::{Sale, SalesPage};
use shared::sync::sales::store::{write_sales, SizeSales};

fn fixture_page() -> SalesPage {
    let body = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/alias/recent-sales.json"),
    )
    .unwrap();
    alias_recent_sales(
        &body,
        "air-jordan-1-retro-high-og-dz5485-612",
        "10",
        Region::US,
        Utc::now(),
    )
    .expect("the published example parses")
}

fn page_of(sales: Vec<Sale>) -> SalesPage {
    SalesPage {
        sales,
        ..fixture_page()
    }
}

fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, s).unwrap()
}

/// A database with one catalogue product; returns it and one of its variant ids.
async fn one_variant() -> (TestDb, i32, i32) {
    let db = TestDb::new().await;
    let parsed = catalog::parse_file(&catalog::default_catalog_path()).expect("catalogue");
    let rows: Vec<_> = parsed.rows.into_iter().take(1).collect();
    let mut c = db.client().await;
    catalog::load(&mut c, &rows).await.expect("seed");
    let r = c
        .query_one(
            "SELECT product_id, id FROM market.size_variants ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    (db, r.get(0), r.get(1))
}

/// (day, sales, sum, min, max, last) per day of one table, oldest first.
async fn daily(db: &TestDb, table: &str) -> Vec<(String, i32, i64, i32, i32, i32)> {
    db.client()
        .await
        .query(
            &format!(
                "SELECT day::text, sales, sum_minor, min_minor, max_minor, last_minor
                 FROM market.{table} ORDER BY day"
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

/// The product's days with sales (day, count, sum, min, max) from its monthly arrays.
async fn product_days(db: &TestDb) -> Vec<(String, i32, i64, i32, i32)> {
    db.client()
        .await
        .query(
            "SELECT (d.month + (u.dom - 1)::int)::text, u.n, u.total, u.lo, u.hi
             FROM market.product_sales_daily d,
                  unnest(d.sales, d.sum_minor, d.min_minor, d.max_minor) WITH ORDINALITY u(n, total, lo, hi, dom)
             WHERE u.n IS NOT NULL ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

#[tokio::test]
async fn overlapping_and_repeated_fetches_store_each_sale_once_and_aggregates_match_a_hand_count() {
    let (db, product, variant) = one_variant().await;
    let c = db.client().await;
    let page = fixture_page();
    // The published example: five sales of size 10, newest first.
    assert_eq!(page.sales.len(), 5);
    assert_eq!(page.currency, Currency::USD);
    let long_ago = at(2000, 1, 1, 0, 0, 0);
    let write = |sales: Vec<Sale>| {
        let page = page_of(sales);
        let c = &c;
        async move {
            write_sales(
                c,
                product,
                Marketplace::Alias,
                Region::US,
                &[SizeSales {
                    variant_id: variant,
                    page: &page,
                }],
                long_ago,
            )
            .await
            .unwrap()
        }
    };
    // Two overlapping windows: the newest three, then the oldest three (one shared sale).
    let a = write(page.sales[..3].to_vec()).await;
    assert_eq!((a.received, a.inserted, a.already_stored), (3, 3, 0));
    let b = write(page.sales[2..].to_vec()).await;
    assert_eq!((b.received, b.inserted, b.already_stored), (3, 2, 1));
    // The whole page again: nothing new.
    let again = write(page.sales.clone()).await;
    assert_eq!((again.inserted, again.already_stored), (0, 5));
    // A second sale on 2025-11-27 (hand-made, earlier that day) joins that day's aggregate.
    let extra = Sale {
        purchased_at: at(2025, 11, 27, 8, 0, 0),
        price_minor: 20_000,
        consigned: false,
    };
    let e = write(vec![extra.clone(), extra]).await;
    assert_eq!((e.received, e.inserted, e.already_stored), (2, 1, 0));

    let stored: i64 = c
        .query_one("SELECT count(*) FROM market.sales", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 6);
    // By hand from recent-sales.json (22000 on 11-27 11:46, 21500 on 11-26, 22500 on 11-25,
    // 21900 on 11-22, 23000 on 11-18) plus the extra 20000 on 11-27 08:00.
    let expected = vec![
        ("2025-11-18".to_string(), 1, 23_000, 23_000, 23_000, 23_000),
        ("2025-11-22".to_string(), 1, 21_900, 21_900, 21_900, 21_900),
        ("2025-11-25".to_string(), 1, 22_500, 22_500, 22_500, 22_500),
        ("2025-11-26".to_string(), 1, 21_500, 21_500, 21_500, 21_500),
        // Two sales: sum 42,000, min 20,000, max 22,000, last = the 11:46 sale (22,000).
        ("2025-11-27".to_string(), 2, 42_000, 20_000, 22_000, 22_000),
    ];
    assert_eq!(daily(&db, "sales_daily_sizes").await, expected);
    // The product's series keeps the same days in its month's arrays, and the month's newest sale
    // (the fixture's 2025-11-27T11:46:29.335Z, 220.00).
    let days: Vec<_> = expected
        .iter()
        .map(|(day, n, sum, min, max, _)| (day.clone(), *n, *sum, *min, *max))
        .collect();
    assert_eq!(product_days(&db).await, days);
    let month = c
        .query_one(
            "SELECT month::text, last_minor, last_at = '2025-11-27T11:46:29.335Z'::timestamptz
             FROM market.product_sales_daily",
            &[],
        )
        .await
        .unwrap();
    let month: (String, i32, bool) = (month.get(0), month.get(1), month.get(2));
    assert_eq!(month, ("2025-11-01".to_string(), 22_000, true));
    let consigned: i64 = c
        .query_one("SELECT count(*) FROM market.sales WHERE consigned", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        consigned, 2,
        "the example's two consigned sales are kept as such"
    );
}

#[tokio::test]
async fn sales_older_than_retention_are_counted_not_stored() {
    let (db, product, variant) = one_variant().await;
    let c = db.client().await;
    let page = fixture_page();
    let w = write_sales(
        &c,
        product,
        Marketplace::Alias,
        Region::UK,
        &[SizeSales {
            variant_id: variant,
            page: &page,
        }],
        at(2025, 11, 24, 0, 0, 0),
    )
    .await
    .unwrap();
    assert_eq!((w.received, w.inserted, w.older_than_retention), (5, 3, 2));
    let stored: i64 = c
        .query_one("SELECT count(*) FROM market.sales", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        stored, 3,
        "only the sales inside the retention window are stored"
    );
}

#[tokio::test]
async fn rows_an_older_version_wrote_per_day_are_folded_into_the_months_once() {
    let (db, product, variant) = one_variant().await;
    let c = db.client().await;
    // Last month (inside every retention but the raw one), so the test holds on any date.
    let m = (Utc::now() - chrono::Duration::days(40)).date_naive();
    let m = m
        .with_day(1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let day = |d: i64, h: i64| m + chrono::Duration::days(d - 1) + chrono::Duration::hours(h);
    // This version writes two sales: 200.00 on day 3, 300.00 on day 10.
    let sale = |at, price_minor| Sale {
        purchased_at: at,
        price_minor,
        consigned: false,
    };
    let page = page_of(vec![sale(day(3, 10), 20_000), sale(day(10, 12), 30_000)]);
    let pages = [SizeSales {
        variant_id: variant,
        page: &page,
    }];
    write_sales(&c, product, Marketplace::Alias, Region::US, &pages, m)
        .await
        .unwrap();
    // A function still on the previous version (during a deploy) adds per-day rows to the old
    // table: 150.00 on day 3 (earlier that day) and 250.00 on day 21.
    c.execute(
        "INSERT INTO market.sales_daily
           (last_at, sum_minor, day, product_id, sales, min_minor, max_minor, last_minor, marketplace_id, region, currency)
         VALUES ($1, 15000, ($1 AT TIME ZONE 'UTC')::date, $3, 1, 15000, 15000, 15000, 2, 'US', 'USD'),
                ($2, 25000, ($2 AT TIME ZONE 'UTC')::date, $3, 1, 25000, 25000, 25000, 2, 'US', 'USD')",
        &[&day(3, 8), &day(21, 9), &product],
    )
    .await
    .unwrap();
    let cfg = shared::sync::sales::SalesConfig::default();
    let date = |d: i64| (m + chrono::Duration::days(d - 1)).date_naive().to_string();
    // By hand: day 3 holds 150.00 and 200.00, day 10 300.00, day 21 250.00, the newest sale.
    let expected = vec![
        (date(3), 2, 35_000, 15_000, 20_000),
        (date(10), 1, 30_000, 30_000, 30_000),
        (date(21), 1, 25_000, 25_000, 25_000),
    ];
    for _ in 0..2 {
        // The daily housekeeping folds them in; a second run finds nothing to fold.
        shared::sync::sales::store::prune(&c, &cfg).await.unwrap();
        assert_eq!(product_days(&db).await, expected);
        let r = c
            .query_one(
                "SELECT last_minor, last_at = $1, (SELECT count(*) FROM market.sales_daily)
                 FROM market.product_sales_daily",
                &[&day(21, 9)],
            )
            .await
            .unwrap();
        let (last, at_newest, left): (i32, bool, i64) = (r.get(0), r.get(1), r.get(2));
        assert_eq!((last, at_newest, left), (25_000, true, 0));
    }
}
