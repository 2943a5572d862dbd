//! Sales jobs end to end (planner, SQS, worker, sandbox): one call per size and region, repeats
//! that add nothing twice, odd rows counted, and walks cut short by their time budget.

use e2e_tests::pipeline::{Pipeline, PipelineOptions};
use shared::core::domain::Region;
use shared::sync::worker::WorkerConfig;

fn sales_options(products: usize) -> PipelineOptions {
    PipelineOptions {
        products,
        sales: true,
        worker: WorkerConfig {
            regions: vec![Region::US, Region::UK, Region::EU],
            // These tests count calls per job: a job cut short by the production budget (30 s)
            // on a loaded machine would make fewer and go on at the next tick.
            sales: shared::sync::sales::SalesConfig {
                job_budget: std::time::Duration::from_secs(100),
                ..Default::default()
            },
            ..PipelineOptions::default().worker
        },
        ..PipelineOptions::default()
    }
}

async fn finished_sales_jobs(p: &Pipeline) -> (i64, i64, i64) {
    let r = p
        .db
        .client()
        .await
        .query_one(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status <> 'succeeded'),
                    coalesce(sum(calls) FILTER (WHERE status = 'succeeded'), 0)
             FROM market.sync_jobs WHERE kind = 'sales'",
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2))
}

const AGGREGATES_MATCH: &str = "SELECT
    (SELECT count(*) FROM market.sales),
    (SELECT coalesce(sum(n), 0)::int8 FROM market.product_sales_daily, unnest(sales) n),
    (SELECT coalesce(sum(sales), 0)::int8 FROM market.sales_daily_sizes),
    (SELECT count(*) FROM (SELECT variant_id, marketplace_id, region, purchased_at, price_minor, consigned
                           FROM market.sales GROUP BY 1, 2, 3, 4, 5, 6 HAVING count(*) > 1) d)";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sales_jobs_make_one_call_per_size_and_region_and_repeats_add_nothing_twice() {
    let p = Pipeline::start(sales_options(6)).await;
    // Tick 1 maps the products (no sizes are known yet, so no sales job).
    let first = p.tick().await;
    assert!(first.planned_by_kind.iter().all(|(_, k, _)| k != "sales"));
    p.drain().await;
    // Tick 2: every Alias-mapped product's sales are due.
    p.sandbox.reset().await;
    let second = p.tick().await;
    let planned_sales: i64 = second
        .planned_by_kind
        .iter()
        .filter(|(_, k, _)| k == "sales")
        .map(|(_, _, n)| n)
        .sum();
    let mapped = p
        .count("SELECT count(*) FROM market.marketplace_links WHERE marketplace_id = 2 AND status = 'matched' AND variants_mapped_at IS NOT NULL")
        .await;
    assert!(mapped >= 4, "{mapped} products mapped on Alias");
    assert_eq!(planned_sales, mapped, "one sales job per mapped product");
    p.drain().await;
    let (ok, failed, calls) = finished_sales_jobs(&p).await;
    assert_eq!((ok, failed), (mapped, 0));
    let sizes = p
        .count("SELECT count(*) FROM market.variant_links WHERE marketplace_id = 2")
        .await;
    assert_eq!(calls, sizes * 3, "one call per size and region");
    assert_eq!(
        p.sandbox.count("alias.recent_sales").await as i64,
        sizes * 3,
        "the marketplace saw exactly those calls"
    );
    let r =
        p.db.client()
            .await
            .query_one(AGGREGATES_MATCH, &[])
            .await
            .unwrap();
    let (stored, daily, daily_sizes, dups): (i64, i64, i64, i64) =
        (r.get(0), r.get(1), r.get(2), r.get(3));
    assert!(stored > 0, "sales stored");
    // Figures for the record (`--nocapture`): calls and rows per product, bytes per stored sale.
    let r = p
        .db
        .client()
        .await
        .query_one(
            "SELECT pg_total_relation_size('market.sales'), pg_total_relation_size('market.sales_daily_sizes'),
                    pg_total_relation_size('market.product_sales_daily'),
                    (SELECT count(*) FROM market.sales_daily_sizes), (SELECT count(*) FROM market.product_sales_daily),
                    (SELECT count(*) FROM market.sales WHERE purchased_at > now() - interval '30 days')",
            &[],
        )
        .await
        .unwrap();
    let (raw_bytes, size_bytes, product_bytes, size_rows, product_rows, last_30d): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
    eprintln!(
        "sales sync: {mapped} products, {sizes} sizes, {calls} calls ({:.1} per product), {stored} sales \
         ({:.2} per product per day over the last 30 days), raw {raw_bytes} B ({} B/sale incl. index), \
         per-size daily {size_rows} rows {size_bytes} B, per-product months {product_rows} rows {product_bytes} B",
        calls as f64 / mapped as f64,
        last_30d as f64 / mapped as f64 / 30.0,
        raw_bytes / stored.max(1),
    );
    assert_eq!((daily, daily_sizes, dups), (stored, stored, 0));

    // The same products again (as a day passing would make them due): the overlapping windows
    // add only sales that happened in between, and the aggregates still count each sale once.
    p.db.client()
        .await
        .batch_execute("UPDATE market.sales_sync SET next_due_at = now() - interval '1 second'")
        .await
        .unwrap();
    let third = p.tick().await;
    assert!(third
        .planned_by_kind
        .iter()
        .any(|(_, k, n)| k == "sales" && *n == mapped));
    p.drain().await;
    let r =
        p.db.client()
            .await
            .query_one(AGGREGATES_MATCH, &[])
            .await
            .unwrap();
    let (stored2, daily2, sizes2, dups2): (i64, i64, i64, i64) =
        (r.get(0), r.get(1), r.get(2), r.get(3));
    assert_eq!((daily2, sizes2, dups2), (stored2, stored2, 0));
    let already: i64 = p
        .count("SELECT coalesce(sum((last_result->>'already_stored')::int8), 0)::int8 FROM market.sales_sync")
        .await;
    let inserted: i64 = p
        .count("SELECT coalesce(sum((last_result->>'inserted')::int8), 0)::int8 FROM market.sales_sync")
        .await;
    assert!(already > 0, "the second walk saw sales it already had");
    assert_eq!(stored2, stored + inserted, "only new sales were added");
    // Between full walks only sizes that sold in the last 30 days are asked.
    let full_walks: i64 = p
        .count("SELECT count(*) FROM market.sales_sync WHERE (last_result->>'full_walk')::bool")
        .await;
    assert_eq!(full_walks, 0, "the second walk is partial");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn odd_rows_and_a_rejected_size_are_counted_and_never_fail_the_product() {
    let p = Pipeline::start(sales_options(3)).await;
    p.tick().await;
    p.drain().await;
    let c = p.db.client().await;
    let r = c
        .query_one(
            "SELECT product_id, external_id FROM market.marketplace_links
             WHERE marketplace_id = 2 AND status = 'matched' AND variants_mapped_at IS NOT NULL
             ORDER BY product_id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let (product, catalog_id): (i32, String) = (r.get(0), r.get(1));
    // A size Alias does not sell this product in (as after a stale size chart): a 400 per region.
    c.batch_execute(&format!(
        "WITH v AS (INSERT INTO market.size_variants (product_id, size_system, size_value, us_m)
                    VALUES ({product}, 'us_m', 30, 30) RETURNING id)
         INSERT INTO market.variant_links (variant_id, marketplace_id, external_variant_id)
         SELECT id, 2, '30' FROM v"
    ))
    .await
    .unwrap();
    // Every page of this product also carries a duplicate, a null time, a "0" price and a row of
    // another size.
    p.sandbox
        .faults(serde_json::json!({ "sales_quirks": [catalog_id] }))
        .await;
    p.tick().await;
    p.drain().await;
    let (ok, failed, _) = finished_sales_jobs(&p).await;
    assert!(ok >= 1);
    assert_eq!(failed, 0, "odd data never fails a product");
    let result: serde_json::Value = c
        .query_one(
            "SELECT last_result FROM market.sales_sync WHERE product_id = $1",
            &[&product],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        result["sizes_rejected"], 3,
        "one rejected call per region: {result}"
    );
    let skipped = &result["skipped"];
    let dup = skipped["duplicate"].as_u64().unwrap();
    assert!(dup > 0, "{result}");
    for reason in ["no_time", "bad_price", "other_size"] {
        assert_eq!(skipped[reason].as_u64().unwrap(), dup, "{reason}: {result}");
    }
    let r = c.query_one(AGGREGATES_MATCH, &[]).await.unwrap();
    let (stored, daily, dups): (i64, i64, i64) = (r.get(0), r.get(1), r.get(3));
    assert_eq!((daily, dups), (stored, 0));
    let zero_or_timeless = p
        .count("SELECT count(*) FROM market.sales WHERE price_minor <= 0")
        .await;
    assert_eq!(zero_or_timeless, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_walk_cut_short_by_its_time_budget_goes_on_where_it_stopped() {
    let mut opts = sales_options(3);
    opts.worker.regions = vec![Region::US];
    // Each job stops after its first call.
    opts.worker.sales.job_budget = std::time::Duration::from_millis(1);
    let p = Pipeline::start(opts).await;
    p.tick().await;
    p.drain().await;
    let c = p.db.client().await;
    let product: i32 = c
        .query_one(
            "SELECT product_id FROM market.marketplace_links
             WHERE marketplace_id = 2 AND status = 'matched' AND variants_mapped_at IS NOT NULL
             ORDER BY product_id LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // The product's sizes in walking order.
    let order: Vec<i32> = c
        .query(
            "SELECT vl.variant_id FROM market.variant_links vl
             JOIN market.size_variants sv ON sv.id = vl.variant_id
             WHERE sv.product_id = $1 AND vl.marketplace_id = 2
             ORDER BY sv.us_m NULLS LAST, sv.size_value, vl.variant_id",
            &[&product],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(order.len() >= 3);
    for (step, next) in order.iter().enumerate().take(3).skip(1) {
        p.tick().await;
        p.drain().await;
        let r = c
            .query_one(
                "SELECT resume_region, resume_from_variant, next_due_at <= now(), last_result
                 FROM market.sales_sync WHERE product_id = $1",
                &[&product],
            )
            .await
            .unwrap();
        let (region, from, due, result): (Option<String>, Option<i32>, bool, serde_json::Value) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        assert_eq!(result["calls"], 1, "one call per job: {result}");
        assert_eq!(result["complete"], false);
        assert_eq!(result["resumed"], step > 1);
        assert_eq!(region.as_deref(), Some("US"));
        assert_eq!(from, Some(*next), "step {step} goes on from the next size");
        assert!(due, "an unfinished walk is due again at once");
    }
    let (_, failed, _) = finished_sales_jobs(&p).await;
    assert_eq!(failed, 0);
}
