//! Row-level security: as `authenticated` with user A's claims, user B's rows are invisible and
//! cannot be written — through the view our code reads and through the base table.

use e2e_tests::db::TestDb;
use tokio_postgres::Client;

const A: &str = "11111111-1111-1111-1111-111111111111";
const B: &str = "22222222-2222-2222-2222-222222222222";

async fn seed(c: &Client) {
    c.batch_execute(&format!(
        "INSERT INTO market.inventory_items (user_id, style_id, size, size_unit, purchase_price, purchase_currency, status)
         VALUES ('{A}', 'DZ5485-612', '10', 'US', 180.00, 'USD', 'in_stock'),
                ('{A}', 'FZ5000', '9', 'UK', 200.00, 'GBP', 'consigned'),
                ('{B}', 'DZ5485-612', '11', 'US', 190.00, 'USD', 'in_stock');
         INSERT INTO market.fee_profiles (user_id, stockx_seller_level) VALUES ('{A}', 2), ('{B}', 5);"
    ))
    .await
    .unwrap();
}

/// Runs `sql` as role `authenticated` with `user`'s JWT claims, the way PostgREST and our
/// inventory-api do, inside one transaction.
async fn as_user(
    c: &mut Client,
    user: &str,
    sql: &str,
) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let tx = c.transaction().await?;
    let claims = format!(r#"{{"sub":"{user}","role":"authenticated","aud":"authenticated"}}"#);
    tx.query(
        "SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )
    .await?;
    let rows = tx.query(sql, &[]).await?;
    tx.commit().await?;
    Ok(rows)
}

#[tokio::test]
async fn a_user_sees_only_their_own_inventory() {
    let db = TestDb::new().await;
    let mut c = db.client().await;
    seed(&c).await;

    let rows = as_user(
        &mut c,
        A,
        "SELECT user_id::text, style_id FROM market.inventory ORDER BY style_id",
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.get::<_, String>(0) == A));

    let rows = as_user(
        &mut c,
        B,
        "SELECT user_id::text FROM market.inventory_items",
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), B);

    let fees = as_user(
        &mut c,
        A,
        "SELECT stockx_seller_level FROM market.fee_profiles",
    )
    .await
    .unwrap();
    assert_eq!(fees.len(), 1);
    assert_eq!(fees[0].get::<_, i16>(0), 2);

    // Anonymous callers see no inventory at all.
    let tx = c.transaction().await.unwrap();
    tx.batch_execute("SELECT set_config('role', 'anon', true)")
        .await
        .unwrap();
    let err = tx
        .query("SELECT * FROM market.inventory", &[])
        .await
        .unwrap_err();
    assert_eq!(
        err.code().unwrap().code(),
        "42501",
        "anon has no grant on inventory"
    );
}

#[tokio::test]
async fn a_user_cannot_write_another_users_rows() {
    let db = TestDb::new().await;
    let mut c = db.client().await;
    seed(&c).await;

    // Insert a row owned by B while authenticated as A: rejected by the policy's WITH CHECK.
    let err = as_user(
        &mut c,
        A,
        &format!("INSERT INTO market.inventory_items (user_id, style_id, size) VALUES ('{B}', 'X1234', '9') RETURNING id"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "42501", "{err}");

    // Update and delete of B's rows silently match nothing.
    let updated = as_user(
        &mut c,
        A,
        &format!(
            "UPDATE market.inventory_items SET status = 'sold' WHERE user_id = '{B}' RETURNING id"
        ),
    )
    .await
    .unwrap();
    assert!(updated.is_empty());
    let deleted = as_user(
        &mut c,
        A,
        &format!("DELETE FROM market.inventory_items WHERE user_id = '{B}' RETURNING id"),
    )
    .await
    .unwrap();
    assert!(deleted.is_empty());
    // Moving one's own row to B is rejected too.
    let err = as_user(
        &mut c,
        A,
        &format!(
            "UPDATE market.inventory_items SET user_id = '{B}' WHERE user_id = '{A}' RETURNING id"
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "42501");

    let b_rows: Vec<String> = c
        .query(
            &format!("SELECT status FROM market.inventory_items WHERE user_id = '{B}'"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(b_rows, vec!["in_stock".to_string()], "B's row is untouched");

    // A can still write their own rows.
    let mine = as_user(
        &mut c,
        A,
        &format!("INSERT INTO market.inventory_items (user_id, style_id, size) VALUES ('{A}', 'X1234', '9') RETURNING id"),
    )
    .await
    .unwrap();
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn internal_tables_are_closed_to_api_roles() {
    let db = TestDb::new().await;
    let mut c = db.client().await;
    for table in [
        "marketplace_credentials",
        "sync_jobs",
        "rate_limits",
        "marketplace_links",
    ] {
        let err = as_user(&mut c, A, &format!("SELECT * FROM market.{table}"))
            .await
            .unwrap_err();
        assert_eq!(err.code().unwrap().code(), "42501", "{table}");
    }
    // Public market data stays readable.
    let rows = as_user(
        &mut c,
        A,
        "SELECT code FROM market.marketplaces ORDER BY id",
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
}
