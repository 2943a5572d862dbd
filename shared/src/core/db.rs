//! Database connections: TLS choice, a small pool built once per Lambda instance, and the rules
//! that keep us compatible with Supabase's transaction-mode pooler.
//!
//! Pooler rules (every query in this workspace follows them):
//! - statements go through `query_typed` (unnamed statements, parameter types given by us) or
//!   `batch_execute`/`simple_query`; never `prepare`/`query(&str)`, which create *named* prepared
//!   statements that do not survive a server switch between transactions;
//! - session state (`SET`, advisory locks, temp tables) only inside a transaction, with
//!   `set_config(.., true)` / `pg_advisory_xact_lock`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::Config;
use tokio_postgres_rustls::MakeRustlsConnect;

pub use deadpool_postgres::{Object as PooledClient, Pool as DbPool};
pub use tokio_postgres::types::Type;
pub use tokio_postgres::{Client, Row, Transaction};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL: {0}")]
    Config(String),
    #[error("database connection failed: {0}")]
    Connect(#[source] tokio_postgres::Error),
    #[error("database pool: {0}")]
    Pool(String),
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => DbError::Connect(e),
            other => DbError::Pool(other.to_string()),
        }
    }
}

impl DbError {
    /// True when the database (not the query) is the problem: connection refused or lost, pool
    /// timeout, server shutting down. Callers answer 503 / retry later instead of failing hard.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Connect(_) | DbError::Pool(_) => true,
            DbError::Postgres(e) => is_unavailable(e),
            DbError::Config(_) => false,
        }
    }
}

/// Is this Postgres error about the connection or server state rather than the statement?
pub fn is_unavailable(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            let c = code.code();
            // 08: connection exception; 57P0x: admin shutdown / crash shutdown / cannot connect now;
            // 53300: too many connections.
            // 57014 / 55P03: our own statement_timeout / lock_timeout (`query_bounded`): the
            // database is busy or a lock is held; the request is retryable, not wrong.
            c.starts_with("08")
                || c.starts_with("57P")
                || c == "53300"
                || c == "57014"
                || c == "55P03"
        }
        // No SQLSTATE: an I/O error on the socket.
        None => e.as_db_error().is_none(),
    }
}

/// How to secure the connection. Mirrors libpq's `sslmode` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    /// Encrypt, do not verify the certificate (libpq `require`). Supabase's pooler certificate chains
    /// to Supabase's own CA, which is not in the public roots; use `verify-full` with
    /// `DATABASE_CA_CERT` to pin it.
    Require,
    /// Encrypt and verify the certificate chain and host name against public roots plus
    /// `DATABASE_CA_CERT` (PEM) when given.
    VerifyFull,
}

/// Parsed database settings.
#[derive(Clone)]
pub struct DbSettings {
    pub config: Config,
    pub tls: TlsMode,
    pub ca_cert_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for DbSettings {
    // Never print the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSettings")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .field("user", &self.config.get_user())
            .field("tls", &self.tls)
            .finish()
    }
}

impl DbSettings {
    /// Parses a `postgres://` URL. `sslmode` accepts disable, prefer, require, verify-ca and
    /// verify-full; without it, loopback hosts and Unix sockets use no TLS and everything else
    /// uses `require`.
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        let (cleaned, sslmode) = strip_sslmode(url)?;
        let mut config = Config::from_str(&cleaned).map_err(|e| DbError::Config(e.to_string()))?;
        let local = config.get_hosts().iter().all(|h| match h {
            Host::Tcp(name) => matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1"),
            #[cfg(unix)]
            Host::Unix(_) => true,
        });
        let tls = match sslmode.as_deref() {
            Some("disable") | Some("allow") => TlsMode::Disable,
            Some("prefer") | None if local => TlsMode::Disable,
            Some("prefer") | Some("require") | None => TlsMode::Require,
            Some("verify-ca") | Some("verify-full") => TlsMode::VerifyFull,
            Some(other) => return Err(DbError::Config(format!("unsupported sslmode {other:?}"))),
        };
        config.ssl_mode(if tls == TlsMode::Disable {
            SslMode::Disable
        } else {
            SslMode::Require
        });
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("sneaker-market");
        }
        config.keepalives(true);
        let ca_cert_pem = match std::env::var("DATABASE_CA_CERT") {
            Ok(path) if !path.is_empty() => Some(
                std::fs::read(&path)
                    .map_err(|e| DbError::Config(format!("DATABASE_CA_CERT {path}: {e}")))?,
            ),
            _ => None,
        };
        Ok(DbSettings {
            config,
            tls,
            ca_cert_pem,
        })
    }

    fn tls_connector(&self) -> Result<MakeRustlsConnect, DbError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| DbError::Config(e.to_string()))?;
        let config = match self.tls {
            TlsMode::VerifyFull => {
                let mut roots = rustls::RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                if let Some(pem) = &self.ca_cert_pem {
                    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(pem) {
                        let cert: CertificateDer<'static> =
                            cert.map_err(|e| DbError::Config(format!("DATABASE_CA_CERT: {e}")))?;
                        roots
                            .add(cert)
                            .map_err(|e| DbError::Config(format!("DATABASE_CA_CERT: {e}")))?;
                    }
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            TlsMode::Require | TlsMode::Disable => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
                .with_no_client_auth(),
        };
        Ok(MakeRustlsConnect::new(config))
    }

    /// Opens one connection; the connection task is spawned on the current runtime.
    pub async fn connect(&self) -> Result<Client, DbError> {
        let tls = self.tls_connector()?;
        let (client, connection) = self.config.connect(tls).await.map_err(DbError::Connect)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "database connection closed");
            }
        });
        Ok(client)
    }

    /// A pool of at most `max_size` connections, opened lazily and reused across invocations.
    pub fn pool(&self, max_size: usize) -> Result<Pool, DbError> {
        let manager = Manager::from_config(
            self.config.clone(),
            self.tls_connector()?,
            ManagerConfig {
                // `Fast` only checks the socket: `Verified` would add a round trip per checkout.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(max_size.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| DbError::Pool(e.to_string()))
    }
}

fn strip_sslmode(url: &str) -> Result<(String, Option<String>), DbError> {
    let parsed = url::Url::parse(url).map_err(|e| DbError::Config(format!("{e}")))?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(DbError::Config(
            "scheme must be postgres:// or postgresql://".into(),
        ));
    }
    let mut sslmode = None;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(k, v)| {
            if k == "sslmode" {
                sslmode = Some(v.to_string());
                None
            } else if k == "sslrootcert" {
                None
            } else {
                Some((k.to_string(), v.to_string()))
            }
        })
        .collect();
    let mut cleaned = parsed.clone();
    if kept.is_empty() {
        cleaned.set_query(None);
    } else {
        cleaned.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok((cleaned.to_string(), sslmode))
}

/// Certificate verifier for `sslmode=require`: encryption without authentication, as libpq does.
/// Hand-written because rustls deliberately ships no such verifier; signatures are still checked.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `DATABASE_URL` from the environment, with the local default used by the README and tests.
pub fn database_url_from_env() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_skip_tls_and_remote_urls_require_it() {
        let local = DbSettings::from_url("postgres://postgres@127.0.0.1:5432/db").unwrap();
        assert_eq!(local.tls, TlsMode::Disable);
        let remote =
            DbSettings::from_url("postgres://u:secret@aws-0-eu.pooler.supabase.com:6543/postgres")
                .unwrap();
        assert_eq!(remote.tls, TlsMode::Require);
        let full = DbSettings::from_url(
            "postgres://u@db.example.com/postgres?sslmode=verify-full&application_name=x",
        )
        .unwrap();
        assert_eq!(full.tls, TlsMode::VerifyFull);
        assert_eq!(full.config.get_application_name(), Some("x"));
        assert!(DbSettings::from_url("mysql://x").is_err());
        assert!(DbSettings::from_url("postgres://h/db?sslmode=bogus").is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let s = DbSettings::from_url("postgres://u:hunter2@db.example.com/postgres").unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}

/// Time limits for one API statement, set per transaction (`set_config(.., true)`), so they hold
/// through a transaction-mode pooler and never leak to the next client of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub statement_timeout_ms: u32,
    pub lock_timeout_ms: u32,
}

impl Default for QueryLimits {
    /// Well inside the APIs' 10-second Lambda timeout: a request behind a lock or a runaway plan
    /// answers 503 with `Retry-After` instead of timing out.
    fn default() -> Self {
        QueryLimits {
            statement_timeout_ms: 4_000,
            lock_timeout_ms: 1_000,
        }
    }
}

impl QueryLimits {
    /// `API_STATEMENT_TIMEOUT_MS` (default 4,000) and `API_LOCK_TIMEOUT_MS` (default 1,000).
    pub fn from_env() -> Result<Self, crate::core::config::ConfigError> {
        let d = QueryLimits::default();
        Ok(QueryLimits {
            statement_timeout_ms: crate::core::config::parsed(
                "API_STATEMENT_TIMEOUT_MS",
                d.statement_timeout_ms,
            )?
            .clamp(100, 60_000),
            lock_timeout_ms: crate::core::config::parsed("API_LOCK_TIMEOUT_MS", d.lock_timeout_ms)?
                .clamp(10, 60_000),
        })
    }
}

/// Runs one statement inside a transaction bounded by `limits`, pipelined (BEGIN, the limits, the
/// statement and COMMIT are written before any reply is read: one network round trip).
///
/// JIT is off for the transaction: PostgreSQL compiles a plan whose estimate passes
/// `jit_above_cost` (100,000 by default), and the estimates of the APIs' multi-CTE reads pass it
/// while they run in milliseconds. On the 500-product bench the inventory read spent 102 ms of its
/// 243 ms compiling (`EXPLAIN ANALYZE`, "JIT: Timing ... Total").
pub async fn query_bounded(
    client: &tokio_postgres::Client,
    sql: &str,
    params: &[(&(dyn tokio_postgres::types::ToSql + Sync), Type)],
    limits: QueryLimits,
) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let statement = limits.statement_timeout_ms.to_string();
    let lock = limits.lock_timeout_ms.to_string();
    let limit_params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 2] =
        [(&statement, Type::TEXT), (&lock, Type::TEXT)];
    let result = futures::try_join!(
        client.batch_execute("BEGIN"),
        client.query_typed(
            "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true), \
             set_config('jit', 'off', true)",
            &limit_params,
        ),
        client.query_typed(sql, params),
        client.batch_execute("COMMIT"),
    );
    match result {
        Ok((_, _, rows, _)) => Ok(rows),
        Err(e) => {
            // Never hand a pooled connection back inside a failed transaction.
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}
