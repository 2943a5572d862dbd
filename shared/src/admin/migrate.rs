//! Migration runner: applies `supabase/migrations/YYYYMMDDHHMMSS_name.sql` files in order, each in
//! its own transaction, and records them in `supabase_migrations.schema_migrations` — the table the
//! Supabase CLI uses — so `supabase db push` later sees them as applied.
//!
//! A file whose first line is `-- migrate:no-transaction` runs outside a transaction (needed for
//! `CREATE INDEX CONCURRENTLY` on tables that already hold data); such a file must be idempotent
//! (`IF NOT EXISTS`) because a failure part-way cannot be rolled back.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;
use tokio_postgres::Client;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot read migrations from {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("migration file name {0:?} does not match YYYYMMDDHHMMSS_name.sql")]
    BadName(String),
    #[error("two migrations share version {0}")]
    DuplicateVersion(String),
    #[error("migration {version}_{name} failed: {message}")]
    Failed {
        version: String,
        name: String,
        message: String,
    },
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
}

/// One migration file.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: String,
    pub name: String,
    pub sql: String,
    pub transactional: bool,
}

const NO_TRANSACTION_MARKER: &str = "-- migrate:no-transaction";

impl Migration {
    fn from_file(path: &Path) -> Result<Option<Self>, MigrateError> {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let Some(stem) = file_name.strip_suffix(".sql") else {
            return Ok(None);
        };
        let (version, name) = stem
            .split_once('_')
            .ok_or_else(|| MigrateError::BadName(file_name.clone()))?;
        if version.len() != 14 || !version.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
            return Err(MigrateError::BadName(file_name));
        }
        let sql = std::fs::read_to_string(path).map_err(|source| MigrateError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let transactional = !sql.trim_start().starts_with(NO_TRANSACTION_MARKER);
        Ok(Some(Migration {
            version: version.to_string(),
            name: name.to_string(),
            sql,
            transactional,
        }))
    }
}

/// Reads every migration in `dir`, sorted by version.
pub fn discover(dir: &Path) -> Result<Vec<Migration>, MigrateError> {
    let entries = std::fs::read_dir(dir).map_err(|source| MigrateError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut migrations = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| MigrateError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        if let Some(m) = Migration::from_file(&entry.path())? {
            migrations.push(m);
        }
    }
    migrations.sort_by(|a, b| a.version.cmp(&b.version));
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(MigrateError::DuplicateVersion(pair[0].version.clone()));
        }
    }
    Ok(migrations)
}

/// A stable fingerprint of a set of migrations (used to name test template databases).
pub fn fingerprint(migrations: &[Migration]) -> String {
    let mut h = Sha256::new();
    for m in migrations {
        h.update(m.version.as_bytes());
        h.update(m.sql.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

/// The default location: `supabase/migrations` under the repository root.
pub fn default_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../supabase/migrations"
    ))
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub applied: Vec<String>,
    pub already_applied: usize,
}

const BOOTSTRAP: &str = "
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (
  version    text PRIMARY KEY,
  statements text[],
  name       text
);";

// Serializes concurrent runners (two deploys at once); transaction-scoped so it is safe through a
// transaction-mode pooler.
const LOCK: &str = "SELECT pg_advisory_xact_lock(7386420917)";

/// Applies every pending migration in order. Re-running is a no-op.
pub async fn apply(client: &mut Client, migrations: &[Migration]) -> Result<Report, MigrateError> {
    {
        // Two runners may race on the bootstrap too; the lock makes it deterministic.
        let tx = client.transaction().await?;
        tx.batch_execute(LOCK).await?;
        tx.batch_execute(BOOTSTRAP).await?;
        tx.commit().await?;
    }
    let mut report = Report::default();
    for m in migrations {
        if m.transactional {
            let tx = client.transaction().await?;
            tx.batch_execute(LOCK).await?;
            if is_applied(&tx, &m.version).await? {
                report.already_applied += 1;
                continue;
            }
            tx.batch_execute(&m.sql).await.map_err(|e| failed(m, &e))?;
            record(&tx, m).await?;
            tx.commit().await.map_err(|e| failed(m, &e))?;
        } else {
            if is_applied(client, &m.version).await? {
                report.already_applied += 1;
                continue;
            }
            client
                .batch_execute(&m.sql)
                .await
                .map_err(|e| failed(m, &e))?;
            record(client, m).await?;
        }
        tracing::info!(version = %m.version, name = %m.name, "migration applied");
        report.applied.push(format!("{}_{}", m.version, m.name));
    }
    Ok(report)
}

fn failed(m: &Migration, e: &tokio_postgres::Error) -> MigrateError {
    let message = match e.as_db_error() {
        Some(db) => {
            let mut msg = format!("{}: {}", db.code().code(), db.message());
            if let Some(detail) = db.detail() {
                msg.push_str(&format!(" ({detail})"));
            }
            msg
        }
        None => e.to_string(),
    };
    MigrateError::Failed {
        version: m.version.clone(),
        name: m.name.clone(),
        message,
    }
}

async fn is_applied<C: tokio_postgres::GenericClient>(
    c: &C,
    version: &str,
) -> Result<bool, MigrateError> {
    let rows = c
        .query_typed(
            "SELECT 1 FROM supabase_migrations.schema_migrations WHERE version = $1",
            &[(&version, Type::TEXT)],
        )
        .await?;
    Ok(!rows.is_empty())
}

async fn record<C: tokio_postgres::GenericClient>(
    c: &C,
    m: &Migration,
) -> Result<(), MigrateError> {
    let statements = vec![m.sql.clone()];
    c.query_typed(
        "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES ($1, $2, $3)",
        &[
            (&m.version, Type::TEXT),
            (&m.name, Type::TEXT),
            (&statements, Type::TEXT_ARRAY),
        ],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_the_repository_migrations_in_order() {
        let all = discover(&default_dir()).unwrap();
        assert!(all.len() >= 5);
        assert!(all.windows(2).all(|w| w[0].version < w[1].version));
        assert!(all.iter().all(|m| m.transactional));
        assert_eq!(fingerprint(&all), fingerprint(&all));
    }

    #[test]
    fn rejects_bad_names() {
        let dir = std::env::temp_dir().join(format!("mig-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("2026_bad.sql"), "select 1").unwrap();
        assert!(matches!(discover(&dir), Err(MigrateError::BadName(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
