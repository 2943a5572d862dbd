//! Partitions across midnight, a missing partition, FX, hot caps, stale runs and unlinked sizes.

use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use e2e_tests::db::TestDb;
use e2e_tests::pipeline::{Pipeline, PipelineOptions};
use shared::core::domain::{Currency, Marketplace, Region};
use shared::marketplaces::snapshot::{MarketSnapshot, Quote};
use shared::sync::store;

pub(crate) async fn product_with_linked_size(c: &tokio_postgres::Client) -> i32 {
    c.batch_execute(
        "INSERT INTO market.products (style_code, brand, name) VALUES ('AB1234-100', 'Nike', 'Test');
         INSERT INTO market.size_variants (product_id, size_system, size_value) SELECT id, 'us_m', 10 FROM market.products;
         INSERT INTO market.variant_links (variant_id, marketplace_id, external_variant_id) SELECT id, 1, 'v-10' FROM market.size_variants;",
    )
    .await
    .unwrap();
    c.query_one("SELECT id FROM market.products", &[])
        .await
        .unwrap()
        .get(0)
}

pub(crate) fn snapshot(at: chrono::DateTime<Utc>, ask: i64) -> MarketSnapshot {
    MarketSnapshot {
        marketplace: Marketplace::StockX,
        external_product_id: "p".into(),
        region: Region::US,
        currency: Currency::USD,
        observed_at: at,
        quotes: vec![Quote {
            external_variant_id: "v-10".into(),
            lowest_ask: Some(ask),
            highest_bid: None,
            last_sale: None,
        }],
    }
}

#[tokio::test]
async fn observations_either_side_of_midnight_land_in_their_own_day() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let product = product_with_linked_size(&c).await;
    let today = Utc::now().date_naive();
    let midnight = Utc.from_utc_datetime(
        &(today + ChronoDuration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    c.batch_execute("SELECT market.ensure_price_history_partitions()")
        .await
        .unwrap();

    let before = store::write_snapshot(
        &c,
        product,
        &snapshot(midnight - ChronoDuration::seconds(1), 20000),
    )
    .await
    .unwrap();
    let after = store::write_snapshot(
        &c,
        product,
        &snapshot(midnight + ChronoDuration::seconds(1), 21000),
    )
    .await
    .unwrap();
    assert_eq!((before.history_written, after.history_written), (1, 1));
    let parts: Vec<String> = c
        .query(
            "SELECT tableoid::regclass::text FROM market.price_history ORDER BY captured_at",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(parts.len(), 2);
    assert_ne!(
        parts[0], parts[1],
        "two UTC days, two partitions: {parts:?}"
    );
    let days: Vec<(chrono::NaiveDate, Option<i64>)> = c
        .query(
            "SELECT day, ask FROM market.product_daily_points($1, 'US', 2) ORDER BY day",
            &[&product],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        days,
        vec![
            (today, Some(20000)),
            (today + ChronoDuration::days(1), Some(21000))
        ]
    );

    // The same snapshot again (a retried write) changes nothing.
    let again = store::write_snapshot(
        &c,
        product,
        &snapshot(midnight + ChronoDuration::seconds(1), 21000),
    )
    .await
    .unwrap();
    assert_eq!(again.rows_written(), 0);
    // A later observation with the same price writes no history, only the day's close again.
    let same = store::write_snapshot(
        &c,
        product,
        &snapshot(midnight + ChronoDuration::seconds(60), 21000),
    )
    .await
    .unwrap();
    assert_eq!(
        (same.changed, same.history_written, same.daily_written),
        (0, 0, 1)
    );
    // An ask that disappears is a change to "no data", written once.
    let gone = store::write_snapshot(
        &c,
        product,
        &MarketSnapshot {
            quotes: vec![],
            ..snapshot(midnight + ChronoDuration::seconds(120), 1)
        },
    )
    .await
    .unwrap();
    assert_eq!((gone.changed, gone.history_written), (1, 1));
    let latest: Option<i64> = c
        .query_one("SELECT ask_minor FROM market.latest_prices", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(latest, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_partition_for_today_is_created_by_the_worker() {
    let p = Pipeline::start(PipelineOptions {
        products: 5,
        ..PipelineOptions::default()
    })
    .await;
    p.tick().await;
    // Today's partition disappears after the tick created it (say, an operator dropped it).
    p.db
        .client()
        .await
        .batch_execute(
            "DO $$ DECLARE t text := market.price_history_partition_name((now() AT TIME ZONE 'UTC')::date);
             BEGIN EXECUTE format('DROP TABLE market.%I', t); END $$",
        )
        .await
        .unwrap();
    p.drain().await;
    let ok = p
        .count("SELECT count(*) FROM market.sync_jobs WHERE status = 'succeeded'")
        .await;
    assert!(ok >= 8, "{ok} jobs succeeded");
    let today_rows = p
        .count("SELECT count(*) FROM market.price_history WHERE captured_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'")
        .await;
    assert!(
        today_rows > 0,
        "history was written into the recreated partition"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_daily_mode_loads_ecb_rates_once() {
    let p = Pipeline::start(PipelineOptions {
        products: 2,
        ..PipelineOptions::default()
    })
    .await;
    let first = sync_orchestrator::daily(&p.orchestrator).await.unwrap();
    assert_eq!(first.fx_error, None);
    assert_eq!(first.fx_rates_written, Some(4));
    let second = sync_orchestrator::daily(&p.orchestrator).await.unwrap();
    assert_eq!(
        second.fx_rates_written,
        Some(0),
        "same day, same rates: nothing rewritten"
    );
    let gbp: String = p
        .db
        .client()
        .await
        .query_one(
            "SELECT rate::text FROM market.fx_rates WHERE quote = 'GBP' AND rate_date = (now() AT TIME ZONE 'UTC')::date",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(gbp.starts_with("0.8"), "{gbp}");
    let runs = p
        .count(
            "SELECT count(*) FROM market.sync_runs WHERE kind = 'cleanup' AND status = 'succeeded'",
        )
        .await;
    assert_eq!(runs, 2);
}

#[tokio::test]
async fn views_make_at_most_the_capped_number_of_products_hot() {
    let db = TestDb::new().await;
    let c = db.client().await;
    // Ten products viewed in the last hour (as a flood of views would leave them), one owned.
    c.batch_execute(
        "INSERT INTO market.products (style_code, brand, name, last_viewed_at)
         SELECT 'VW' || g || '-100', 'Nike', 'Viewed ' || g, now() - make_interval(mins => g)
         FROM generate_series(1, 10) g;
         INSERT INTO market.products (style_code, brand, name) VALUES ('OW1-100', 'Nike', 'Owned');
         INSERT INTO market.inventory_items (user_id, style_id, size) VALUES (gen_random_uuid(), 'OW1-100', '10');",
    )
    .await
    .unwrap();
    let cadences = shared::core::tier::Cadences {
        hot_view_max: 3,
        ..Default::default()
    };
    shared::sync::tiers::recompute(&c, &cadences).await.unwrap();
    let hot: Vec<String> = c
        .query(
            "SELECT style_code FROM market.products WHERE tier = 'hot' ORDER BY style_code",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // The three most recently viewed, and the owned one regardless of the cap.
    assert_eq!(hot, ["OW1-100", "VW1-100", "VW2-100", "VW3-100"]);
}

#[tokio::test]
async fn a_run_left_running_by_a_dead_invocation_is_closed_by_the_next_tick() {
    let p = Pipeline::start(PipelineOptions {
        products: 2,
        ..PipelineOptions::default()
    })
    .await;
    let c = p.db.client().await;
    c.batch_execute(
        "INSERT INTO market.sync_runs (kind, status, started_at) VALUES ('tick', 'running', now() - interval '1 hour')",
    )
    .await
    .unwrap();
    p.tick().await;
    let (running, abandoned): (i64, i64) = {
        let r = c
            .query_one(
                "SELECT count(*) FILTER (WHERE status = 'running'),
                        count(*) FILTER (WHERE error LIKE 'abandoned%')
                 FROM market.sync_runs",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!((running, abandoned), (0, 1));
}

#[tokio::test]
async fn a_size_that_loses_its_link_loses_its_price() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let product = product_with_linked_size(&c).await;
    c.batch_execute("SELECT market.ensure_price_history_partitions()")
        .await
        .unwrap();
    let now = Utc::now();
    let first = store::write_snapshot(
        &c,
        product,
        &snapshot(now - ChronoDuration::hours(2), 20000),
    )
    .await
    .unwrap();
    assert_eq!((first.latest_written, first.unlinked_cleared), (1, 0));
    // The marketplace's size list no longer has our US 10 (a remap dropped the link).
    c.batch_execute("DELETE FROM market.variant_links")
        .await
        .unwrap();
    let later = store::write_snapshot(&c, product, &snapshot(now, 20000))
        .await
        .unwrap();
    assert_eq!(later.unlinked_cleared, 1);
    let left: i64 = c
        .query_one("SELECT count(*) FROM market.latest_prices", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "no price is shown for a size we no longer map");
    // The history keeps what was observed while the link existed.
    let history: i64 = c
        .query_one("SELECT count(*) FROM market.price_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(history, 1);
    // Replaying the older snapshot does not bring it back.
    let replay = store::write_snapshot(
        &c,
        product,
        &snapshot(now - ChronoDuration::hours(2), 20000),
    )
    .await
    .unwrap();
    assert_eq!((replay.latest_written, replay.unlinked_cleared), (0, 0));
}
