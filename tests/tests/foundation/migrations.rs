//! Migrations: apply in order with the runner and with plain `psql -f`; re-running changes nothing.

use e2e_tests::db::TestDb;
use shared::admin::migrate;

async fn schema_fingerprint(c: &tokio_postgres::Client) -> Vec<String> {
    c.query(
        "SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('market', 'auth', 'supabase_migrations')
           -- day partitions depend on the day the migrations ran, not on the migrations
           AND c.relname !~ '^price_history_[0-9]{8}'
         ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn runner_applies_everything_once_and_records_it_for_the_supabase_cli() {
    let db = TestDb::new().await;
    let mut c = db.client().await;
    // The template was migrated by the same runner: a second run is a no-op.
    let all = migrate::discover(&migrate::default_dir()).unwrap();
    let before = schema_fingerprint(&c).await;
    let report = migrate::apply(&mut c, &all).await.unwrap();
    assert!(report.applied.is_empty(), "{:?}", report.applied);
    assert_eq!(report.already_applied, all.len());
    assert_eq!(schema_fingerprint(&c).await, before);

    let recorded: Vec<String> = c
        .query(
            "SELECT version FROM supabase_migrations.schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: Vec<String> = all.iter().map(|m| m.version.clone()).collect();
    assert_eq!(recorded, expected);
    for table in [
        "products",
        "size_variants",
        "marketplace_links",
        "latest_prices",
        "product_daily",
        "sync_jobs",
    ] {
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'market' AND table_name = $1",
                &[&table],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "market.{table} exists");
    }
}

#[tokio::test]
async fn a_fresh_database_migrates_from_zero_and_a_failed_migration_rolls_back() {
    let db = TestDb::new().await;
    let admin = db.client().await;
    let name = format!("{}_fresh", db.name);
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = e2e_tests::db::url_with_db(&db.direct_url, &name);
    let (mut c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);

    let mut all = migrate::discover(&migrate::default_dir()).unwrap();
    all.push(migrate::Migration {
        version: "29991231000000".into(),
        name: "broken".into(),
        sql: "CREATE TABLE market.half_done (id int); SELECT 1/0;".into(),
        transactional: true,
    });
    let err = migrate::apply(&mut c, &all).await.unwrap_err();
    assert!(err.to_string().contains("29991231000000_broken"), "{err}");
    let half: Option<String> = c
        .query_one("SELECT to_regclass('market.half_done')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(half, None, "the failed migration left nothing behind");
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM supabase_migrations.schema_migrations",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n as usize, all.len() - 1);
    drop(c);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test]
async fn plain_psql_applies_the_files_in_order() {
    if std::process::Command::new("psql")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("psql is required for this test (Debian package postgresql-client)");
    }
    let db = TestDb::new().await;
    let admin = db.client().await;
    let name = format!("{}_psql", db.name);
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = e2e_tests::db::url_with_db(&db.direct_url, &name);
    for m in migrate::discover(&migrate::default_dir()).unwrap() {
        let path = migrate::default_dir().join(format!("{}_{}.sql", m.version, m.name));
        let out = std::process::Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &url, "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql -f {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let template = db.client().await;
    assert_eq!(
        schema_fingerprint(&c)
            .await
            .into_iter()
            .filter(|s| !s.starts_with("supabase_migrations"))
            .collect::<Vec<_>>(),
        schema_fingerprint(&template)
            .await
            .into_iter()
            .filter(|s| !s.starts_with("supabase_migrations"))
            .collect::<Vec<_>>(),
        "psql and the runner produce the same objects"
    );
    drop(c);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test]
async fn constraints_reject_impossible_rows() {
    let db = TestDb::new().await;
    let c = db.client().await;
    c.batch_execute(
        "INSERT INTO market.products (style_code, brand, name) VALUES ('AB1234-100', 'Nike', 'Test');
         INSERT INTO market.size_variants (product_id, size_system, size_value)
           SELECT id, 'us_m', 10 FROM market.products;",
    )
    .await
    .unwrap();
    let bad = [
        ("negative price", "INSERT INTO market.latest_prices (variant_id, marketplace_id, region, currency, ask_minor, observed_at, changed_at) SELECT id, 1, 'US', 'USD', -100, now(), now() FROM market.size_variants"),
        ("zero price", "INSERT INTO market.latest_prices (variant_id, marketplace_id, region, currency, ask_minor, observed_at, changed_at) SELECT id, 1, 'US', 'USD', 0, now(), now() FROM market.size_variants"),
        ("unknown marketplace", "INSERT INTO market.latest_prices (variant_id, marketplace_id, region, currency, ask_minor, observed_at, changed_at) SELECT id, 9, 'US', 'USD', 100, now(), now() FROM market.size_variants"),
        ("bad currency", "INSERT INTO market.latest_prices (variant_id, marketplace_id, region, currency, ask_minor, observed_at, changed_at) SELECT id, 1, 'US', 'usd', 100, now(), now() FROM market.size_variants"),
        ("unknown region", "INSERT INTO market.latest_prices (variant_id, marketplace_id, region, currency, ask_minor, observed_at, changed_at) SELECT id, 1, 'MARS', 'USD', 100, now(), now() FROM market.size_variants"),
        ("bad style code", "INSERT INTO market.products (style_code, brand, name) VALUES ('ab 12', 'Nike', 'x')"),
        ("retail without currency", "INSERT INTO market.products (style_code, brand, name, retail_price_minor) VALUES ('AB1234-200', 'Nike', 'x', 100)"),
        ("bad size system", "INSERT INTO market.size_variants (product_id, size_system, size_value) SELECT id, 'us_x', 9 FROM market.products"),
        ("bad inventory status", "INSERT INTO market.inventory_items (user_id, style_id, size, status) VALUES (gen_random_uuid(), 'AB1234-100', '10', 'lost')"),
        ("bad purchase currency", "INSERT INTO market.inventory_items (user_id, style_id, size, purchase_currency) VALUES (gen_random_uuid(), 'AB1234-100', '10', 'JPY')"),
        ("bad seller level", "INSERT INTO market.fee_profiles (user_id, stockx_seller_level) VALUES (gen_random_uuid(), 6)"),
        ("history negative bid", "INSERT INTO market.price_history (variant_id, marketplace_id, region, captured_at, currency, bid_minor) VALUES (1, 1, 'US', now(), 'USD', -1)"),
    ];
    for (what, sql) in bad {
        let err = c.batch_execute(sql).await.expect_err(what);
        let code = err.code().map(|c| c.code().to_string()).unwrap_or_default();
        assert!(
            code.starts_with("23"),
            "{what}: expected an integrity violation, got {err}"
        );
    }
}

#[tokio::test]
async fn a_style_id_reaches_its_products_key_however_it_is_written() {
    let db = TestDb::new().await;
    let c = db.client().await;
    // The product's key is generated by its table (its code without hyphens); a pair's style id,
    // however the seller cased or spaced it, must reach the same key in SQL (`market.style_key`,
    // which skips its regexp for ids written as codes) and in Rust alike.
    c.batch_execute(
        "INSERT INTO market.products (style_code, brand, name) VALUES ('DZ5485-612', 'Nike', 'x')",
    )
    .await
    .unwrap();
    let product_key: String = c
        .query_one("SELECT style_key FROM market.products", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(product_key, "DZ5485612");
    let written = [
        "DZ5485-612",
        "DZ5485612",
        "DZ-5485--612-",
        "dz5485-612",
        "dz5485 612",
        " DZ5485_612 ",
        "DZ5485\u{2013}612", // an en dash, as pasted from a web page
        "dz5485/612",
    ];
    for raw in written {
        let key: String = c
            .query_one("SELECT market.style_key($1::text)", &[&raw])
            .await
            .unwrap()
            .get(0);
        assert_eq!(key, product_key, "{raw:?}");
        assert_eq!(shared::core::domain::style_key(raw), key, "{raw:?}");
    }
    for raw in ["", "-", " / "] {
        let key: String = c
            .query_one("SELECT market.style_key($1::text)", &[&raw])
            .await
            .unwrap()
            .get(0);
        assert_eq!(key, "", "{raw:?}");
    }
}

#[tokio::test]
async fn a_style_id_normalizes_to_its_catalogue_code_however_it_is_written() {
    let db = TestDb::new().await;
    let c = db.client().await;
    // The code as the catalogue and StockX write it (`DZ5485-612`). `market.normalize_style_code`
    // returns ids already written that way as they are and folds the rest with a regexp; both
    // paths, and Rust's `core::domain::normalize_style_code`, must agree on every spelling.
    let code = "DZ5485-612";
    let normalize = |raw: &'static str| {
        let c = &c;
        async move {
            c.query_one("SELECT market.normalize_style_code($1::text)", &[&raw])
                .await
                .unwrap()
                .get::<_, Option<String>>(0)
        }
    };
    for raw in [
        "DZ5485-612",
        "dz5485-612",
        "dz5485 612",
        " DZ5485_612 ",
        "DZ5485--612",
        "-DZ5485-612-",
        "DZ5485\u{2013}612",
        "dz5485/612",
    ] {
        assert_eq!(normalize(raw).await.as_deref(), Some(code), "{raw:?}");
        assert_eq!(
            shared::core::domain::normalize_style_code(raw),
            code,
            "{raw:?}"
        );
    }
    for (raw, expected) in [("FZ5000", "FZ5000"), ("CW2288-111-A", "CW2288-111-A")] {
        assert_eq!(normalize(raw).await.as_deref(), Some(expected), "{raw:?}");
        assert_eq!(shared::core::domain::normalize_style_code(raw), expected);
    }
    for raw in ["", "-", " / "] {
        assert_eq!(normalize(raw).await, None, "{raw:?}");
        assert_eq!(shared::core::domain::normalize_style_code(raw), "");
    }
}
