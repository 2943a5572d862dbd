//! inventory-api's status route against a real database: freshness, failures without provider
//! text, and the database's size against its budget.

use e2e_tests::api::{self, get, seed_market, Resp};
use e2e_tests::db::TestDb;

fn state(db: &TestDb) -> inventory_api::State {
    api::inventory_state(db.pool(), None)
}

#[tokio::test]
async fn status_reports_freshness_failures_and_database_size() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let f = seed_market(&c).await;
    c.batch_execute(&format!(
        "INSERT INTO market.sync_runs (kind, status, finished_at, jobs_planned, jobs_enqueued, error)
           VALUES ('tick', 'succeeded', now(), 3, 3, 'secret provider text');
         INSERT INTO market.sync_jobs (product_id, marketplace_id, kind, status, finished_at, error_kind, error_message)
           VALUES ({0}, 1, 'prices', 'failed', now(), 'rate_limited', 'token=abc'),
                  ({0}, 2, 'prices', 'dead', now(), 'permanent', 'boom'),
                  ({0}, 1, 'map', 'failed', now() - interval '3 days', 'retryable', 'old');",
        f.jordan
    ))
    .await
    .unwrap();
    let operator = uuid::Uuid::new_v4();
    let mut s = state(&db);
    s.operators = vec![operator];

    // The public answer is liveness only: no failure counts, no error kinds.
    let r = Resp::from_lambda(inventory_api::handle(&s, get("/v1/status", "", &[])).await);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["last_tick"]["status"], "succeeded");
    api::assert_conforms("LivenessResponse", &v);
    let text = String::from_utf8_lossy(&r.body);
    assert!(!text.contains("rate_limited") && !text.contains("failed_24h"));

    // The operator view: 401 without a token, 403 for a signed-in non-operator.
    let r = Resp::from_lambda(inventory_api::handle(&s, get("/v1/ops/status", "", &[])).await);
    assert_eq!(r.problem(401)["code"], "missing_token");
    let someone = api::bearer(uuid::Uuid::new_v4());
    let r = Resp::from_lambda(
        inventory_api::handle(
            &s,
            get("/v1/ops/status", "", &[("authorization", &someone)]),
        )
        .await,
    );
    assert_eq!(r.problem(403)["code"], "not_an_operator");
    let auth = api::bearer(operator);
    let r = Resp::from_lambda(
        inventory_api::handle(&s, get("/v1/ops/status", "", &[("authorization", &auth)])).await,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    let hot = v["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == "hot")
        .unwrap()
        .clone();
    assert_eq!(
        (hot["products"].as_i64(), hot["fresh"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(hot["fresh_pct"], "100.0");
    let warm = v["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == "warm")
        .unwrap()
        .clone();
    assert_eq!(warm["fresh_pct"], "0.0");
    assert_eq!(v["last_run"]["status"], "succeeded");
    assert_eq!(v["failed_24h"], 1);
    assert_eq!(v["dead_24h"], 1);
    assert!(v["database"]["size_bytes"].as_i64().unwrap() > 0);
    assert_eq!(v["database"]["budget_bytes"], 400 * 1024 * 1024);
    let text = String::from_utf8_lossy(&r.body);
    assert!(
        !text.contains("token=abc") && !text.contains("secret provider text"),
        "aggregate only"
    );
    api::assert_conforms("StatusResponse", &v);
    assert!(r
        .header("cache-control")
        .is_some_and(|c| c.contains("private")));
    let bad = Resp::from_lambda(inventory_api::handle(&s, get("/v1/status", "x=1", &[])).await);
    assert_eq!(bad.invalid_param_names(), ["x"]);
}
