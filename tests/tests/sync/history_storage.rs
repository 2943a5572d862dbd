//! Per-size history at rest: past days packed into months, months compacted, retention and the
//! size budget's tightening.

use chrono::{Datelike, Duration as ChronoDuration, Utc};
use e2e_tests::db::TestDb;
use shared::sync::cleanup::{self, CleanupConfig};
use shared::sync::store;

use crate::housekeeping::{product_with_linked_size, snapshot};

/// Change events kept: raw rows of recent days plus the events packed into months.
async fn events_kept(c: &tokio_postgres::Client) -> (i64, i64) {
    let r = c
        .query_one(
            "SELECT (SELECT count(*) FROM market.price_history),
                    (SELECT coalesce(sum(cardinality(variant_id)), 0)::int8 FROM market.price_history_months)",
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

/// The size's 90-day chart as the history endpoint reads it.
async fn size_chart(
    c: &tokio_postgres::Client,
    product: i32,
) -> Vec<(chrono::NaiveDate, Option<i64>)> {
    c.query(
        "SELECT day, ask FROM market.size_daily_points(
           (SELECT array_agg(id) FROM market.size_variants WHERE product_id = $1), 'US', 90)
         ORDER BY day",
        &[&product],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

#[tokio::test]
async fn past_days_are_packed_into_months_and_every_chart_point_survives() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let product = product_with_linked_size(&c).await;
    c.batch_execute(
        "SELECT market.ensure_price_history_partitions((now() AT TIME ZONE 'UTC')::date - 62, 64)",
    )
    .await
    .unwrap();
    // A change every 14 hours for 58 days through the sync write path: several on some days, none
    // on others, across at least one month boundary.
    let now = Utc::now();
    for k in (0..100i64).rev() {
        let at = now - ChronoDuration::hours(14 * k);
        let w = store::write_snapshot(&c, product, &snapshot(at, 20_000 + k))
            .await
            .unwrap();
        assert_eq!(w.history_written, 1);
    }
    let before = size_chart(&c, product).await;
    assert!(before.len() >= 58, "{before:?}");
    assert_eq!(events_kept(&c).await, (100, 0));

    let report = cleanup::run(&c, &CleanupConfig::default()).await.unwrap();
    assert!(report.partitions_packed.len() >= 60, "{report:?}");
    let today = now.date_naive();
    let raw_days: i64 = c
        .query_one(
            "SELECT count(DISTINCT (captured_at AT TIME ZONE 'UTC')::date) FROM market.price_history
             WHERE (captured_at AT TIME ZONE 'UTC')::date < $1",
            &[&today],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(raw_days, 0, "days before today are packed");
    let (raw, packed) = events_kept(&c).await;
    assert!(
        (1..=2).contains(&raw),
        "today's events stay raw (one every 14 hours): {raw}"
    );
    assert_eq!(raw + packed, 100, "every event is kept once");
    assert_eq!(
        size_chart(&c, product).await,
        before,
        "the chart reads the same"
    );
    // The months packing appended to were rewritten compactly: their index is marked clustered.
    let months: Vec<(String, bool)> = c
        .query(
            "SELECT c.relname::text, ix.indisclustered
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_index ix ON ix.indrelid = c.oid AND ix.indisprimary
             WHERE i.inhparent = 'market.price_history_months'::regclass ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(months.len() >= 2, "{months:?}");
    assert!(months.iter().all(|(_, clustered)| *clustered), "{months:?}");
    let names: Vec<String> = months.into_iter().map(|(n, _)| n).collect();
    assert_eq!(report.months_compacted, names);

    // A second run packs nothing and changes nothing.
    let again = cleanup::run(&c, &CleanupConfig::default()).await.unwrap();
    assert!(again.partitions_packed.is_empty(), "{again:?}");
    assert!(again.months_compacted.is_empty(), "{again:?}");
    assert_eq!(events_kept(&c).await, (raw, packed));
    assert_eq!(size_chart(&c, product).await, before);
}

#[tokio::test]
async fn retention_drops_old_partitions_and_the_budget_tightens_it() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let product = product_with_linked_size(&c).await;
    c.batch_execute(
        "SELECT market.ensure_price_history_partitions((now() AT TIME ZONE 'UTC')::date - 155, 157)",
    )
    .await
    .unwrap();
    // 150 and 130 days ago fall in months that end more than 97 days ago, whatever today is.
    for days_ago in [150i64, 130, 10, 0] {
        store::write_snapshot(
            &c,
            product,
            &snapshot(
                Utc::now() - ChronoDuration::days(days_ago),
                10000 + days_ago,
            ),
        )
        .await
        .unwrap();
    }
    let report = cleanup::run(&c, &CleanupConfig::default()).await.unwrap();
    // Days before today are packed into months; per-size history is kept 97 days (90-day
    // charts plus a week), a packed month until the whole month is past that.
    assert!(report.partitions_packed.len() >= 150, "{report:?}");
    assert!(
        report
            .partitions_dropped
            .iter()
            .all(|p| p.starts_with("price_history_months_")),
        "{report:?}"
    );
    assert!(!report.partitions_dropped.is_empty(), "{report:?}");
    assert_eq!(report.tightened_raw_retention_days, None);
    assert_eq!(events_kept(&db.client().await).await, (1, 1));

    // Over budget: raw retention is tightened step by step down to the minimum. A packed month
    // goes once its whole month is older than the last week.
    let tight = CleanupConfig {
        budget_bytes: 1,
        min_raw_retention_days: 7,
        ..CleanupConfig::default()
    };
    let report = cleanup::run(&c, &tight).await.unwrap();
    assert_eq!(report.tightened_raw_retention_days, Some(7));
    assert_eq!(
        report.tightened_daily_retention_days,
        Some(366),
        "the two-year series halves, once a run"
    );
    assert!(report.over_budget_after);
    let ten_days_ago = (Utc::now() - ChronoDuration::days(10)).date_naive();
    let its_month_ends =
        chrono::NaiveDate::from_ymd_opt(ten_days_ago.year(), ten_days_ago.month(), 1)
            .unwrap()
            .checked_add_months(chrono::Months::new(1))
            .unwrap();
    let week_ago = (Utc::now() - ChronoDuration::days(7)).date_naive();
    let expected = (1, i64::from(its_month_ends > week_ago));
    assert_eq!(
        events_kept(&c).await,
        expected,
        "the last week's observation, and the one 10 days ago while its month is not over"
    );
    let days: i64 = c
        .query_one(
            "SELECT count(*) FROM market.product_daily_points($1, 'US', 400)",
            &[&product],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(days, 4, "the product's daily series outlives raw history");
}
