//! A fresh PostgreSQL database per test, cloned from a migrated template.
//!
//! The template is named after a fingerprint of the migration files, so it is built once per
//! change to the migrations (by whichever test process gets there first, under an advisory lock)
//! and every test then costs one `CREATE DATABASE ... TEMPLATE`, which is fast and lets tests run
//! in parallel. `TEST_DATABASE_URL` (or `DATABASE_URL`) points at the server; the default is the
//! local PostgreSQL at 127.0.0.1:5432 as user postgres.
//!
//! With `TEST_POOLER_URL` set (a transaction-mode PgBouncer in front of the same server), the code
//! under test (`pool()`, `settings()`, `url`) goes through the pooler, as the functions do through
//! Supabase's pooler; the tests' own setup and assertions (`client()`) stay on a direct connection.

use std::time::Duration;

use shared::admin::migrate;
use shared::core::db::{DbPool, DbSettings};
use tokio_postgres::{Client, NoTls};

/// One test's database. Dropped (with `FORCE`) when the value goes out of scope.
pub struct TestDb {
    pub name: String,
    /// What the code under test connects to: the pooler when `TEST_POOLER_URL` is set.
    pub url: String,
    /// A direct connection to the same database.
    pub direct_url: String,
    admin_url: String,
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// The same server URL with another database name.
pub fn url_with_db(base: &str, db: &str) -> String {
    let mut u = url::Url::parse(base).expect("database URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

async fn connect(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!("cannot connect to test PostgreSQL ({e}); is it running on 127.0.0.1:5432?")
        });
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

async fn ensure_template(admin: &Client, admin_url: &str) -> String {
    let migrations = migrate::discover(&migrate::default_dir()).expect("migrations");
    let template = format!("market_tpl_{}", migrate::fingerprint(&migrations));
    // Session-level lock on a direct connection: only one process builds the template.
    admin
        .batch_execute("SELECT pg_advisory_lock(918273645)")
        .await
        .expect("template lock");
    let exists = !admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
        .await
        .expect("pg_database")
        .is_empty();
    if !exists {
        let building = format!("{template}_building");
        for sql in [
            format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
            format!("CREATE DATABASE {building}"),
        ] {
            admin
                .batch_execute(&sql)
                .await
                .expect("create template database");
        }
        {
            let mut c = connect(&url_with_db(admin_url, &building)).await;
            migrate::apply(&mut c, &migrations)
                .await
                .expect("migrations apply to the template");
        }
        // Renamed only when complete, so a crashed build never leaves a half-migrated template.
        for sql in [
            format!("ALTER DATABASE {building} RENAME TO {template}"),
            format!("ALTER DATABASE {template} WITH IS_TEMPLATE true"),
        ] {
            admin.batch_execute(&sql).await.expect("publish template");
        }
    }
    admin
        .batch_execute("SELECT pg_advisory_unlock(918273645)")
        .await
        .expect("template unlock");
    template
}

impl TestDb {
    pub async fn new() -> TestDb {
        let admin_url = admin_url();
        let admin = connect(&admin_url).await;
        let template = ensure_template(&admin, &admin_url).await;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut attempt = 0;
        loop {
            match admin
                .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .await
            {
                Ok(()) => break,
                // "source database is being accessed by other users": another test is copying it.
                Err(e) if attempt < 50 && e.code().map(|c| c.code()) == Some("55006") => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        let direct_url = url_with_db(&admin_url, &name);
        let url = match std::env::var("TEST_POOLER_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(pooler) => url_with_db(&pooler, &name),
            None => direct_url.clone(),
        };
        TestDb {
            url,
            direct_url,
            name,
            admin_url,
        }
    }

    /// A test database that also holds the existing app's tables (`tests/fixtures/existing_app.sql`),
    /// with our views pointed at them as the migration does on the app's database.
    pub async fn with_existing_app() -> TestDb {
        let db = TestDb::new().await;
        let fixture =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/existing_app.sql");
        let sql = std::fs::read_to_string(fixture).expect("existing app fixture");
        let c = db.client().await;
        c.batch_execute(&sql)
            .await
            .expect("existing app fixture applies");
        let adopted: bool = c
            .query_one("SELECT market.adopt_existing_app()", &[])
            .await
            .expect("adopt the existing app")
            .get(0);
        assert!(adopted, "the app's inventory table is found");
        db
    }

    /// A new direct connection to this test's database.
    pub async fn client(&self) -> Client {
        connect(&self.direct_url).await
    }

    /// A pool over this database, as the functions build one.
    pub fn pool(&self) -> DbPool {
        DbSettings::from_url(&self.url)
            .expect("test database URL")
            .pool(8)
            .expect("pool")
    }

    /// Settings for code that takes `DbSettings`.
    pub fn settings(&self) -> DbSettings {
        DbSettings::from_url(&self.url).expect("test database URL")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a separate thread with its own runtime avoids
        // blocking it. Failures only leave a stray database behind (cleaned by .ci/run).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok((c, conn)) = tokio_postgres::connect(&admin_url, NoTls).await {
                        tokio::spawn(conn);
                        let _ = c
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    }
                });
            }
        })
        .join();
    }
}
