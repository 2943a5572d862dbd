//! Price history is partitioned by UTC day; the SQL functions create and drop partitions.

use e2e_tests::db::TestDb;

async fn partitions(c: &tokio_postgres::Client) -> Vec<String> {
    c.query(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'market.price_history'::regclass ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn history_is_range_partitioned_by_day() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let strategy: String = c
        .query_one(
            "SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'market.price_history'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(strategy, "r");
    // The template was migrated at some point; make sure today's window exists, then check bounds.
    c.batch_execute("SELECT market.ensure_price_history_partitions()")
        .await
        .unwrap();
    let today: String = c
        .query_one(
            "SELECT market.price_history_partition_name((now() AT TIME ZONE 'UTC')::date)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let bound: String = c
        .query_one(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = $1",
            &[&today],
        )
        .await
        .unwrap()
        .get(0);
    assert!(bound.contains("FOR VALUES FROM"), "{bound}");
    // A row lands in the partition of its UTC day.
    c.batch_execute(
        "SET TIME ZONE 'America/Los_Angeles';
         INSERT INTO market.price_history (variant_id, marketplace_id, region, captured_at, currency, ask_minor)
         VALUES (1, 1, 'US', date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'USD', 100)",
    )
    .await
    .unwrap();
    let landed: String = c
        .query_one(
            "SELECT tableoid::regclass::text FROM market.price_history",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(landed, format!("market.{today}"));
}

#[tokio::test]
async fn functions_create_future_days_and_drop_expired_ones() {
    let db = TestDb::new().await;
    let c = db.client().await;
    // Create a window in the past and in the future.
    let created: i32 = c
        .query_one(
            "SELECT market.ensure_price_history_partitions((now() AT TIME ZONE 'UTC')::date - 60, 70)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(created > 0);
    let again: i32 = c
        .query_one(
            "SELECT market.ensure_price_history_partitions((now() AT TIME ZONE 'UTC')::date - 60, 70)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(again, 0, "idempotent");
    let before = partitions(&c).await;
    assert!(before.len() >= 70);

    // Old rows exist in an old partition and a fresh one.
    c.batch_execute(
        "INSERT INTO market.price_history (variant_id, marketplace_id, region, captured_at, currency, ask_minor) VALUES
           (1, 1, 'US', now() - interval '50 days', 'USD', 100),
           (1, 1, 'US', now(), 'USD', 100)",
    )
    .await
    .unwrap();

    let dropped: Vec<String> = c
        .query("SELECT market.drop_price_history_partitions(35)", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(dropped.len(), 60 - 35);
    let after = partitions(&c).await;
    assert_eq!(after.len(), before.len() - dropped.len());
    let oldest_kept: String = c
        .query_one(
            "SELECT market.price_history_partition_name((now() AT TIME ZONE 'UTC')::date - 35)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(after.first(), Some(&oldest_kept));
    let rows: i64 = c
        .query_one("SELECT count(*) FROM market.price_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        rows, 1,
        "only the expired observation went with its partition"
    );

    let err = c
        .query("SELECT market.drop_price_history_partitions(0)", &[])
        .await
        .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "22023");
}
