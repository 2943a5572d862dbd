//! `sandbox-market`: the local StockX + Alias stand-in. See the library docs for routes.

use std::path::PathBuf;

use clap::Parser;
use sandbox_market::{Api, Faults, Limit, SandboxConfig};

#[derive(Parser, Debug)]
#[command(about = "Local StockX API v2 + Alias API v1 sandbox serving the catalogue CSV")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SANDBOX_ADDR", default_value = "127.0.0.1:8089")]
    addr: String,
    /// Catalogue CSV (default: the team kit's shared/data/catalog.csv beside the repository).
    #[arg(long, env = "SANDBOX_CATALOG")]
    catalog: Option<PathBuf>,
    /// The kit's sales directory (real StockX sales used as price anchors); "none" disables.
    #[arg(long, env = "SANDBOX_SALES_DIR")]
    sales_dir: Option<String>,
    #[arg(long, env = "SANDBOX_SEED", default_value_t = 1)]
    seed: u64,
    /// Seconds per price bucket (prices move between buckets); 0 freezes prices.
    #[arg(long, env = "SANDBOX_PRICE_EPOCH_SECS", default_value_t = 300)]
    price_epoch_secs: u64,
    #[arg(long, env = "SANDBOX_STOCKX_MIN_INTERVAL_MS", default_value_t = 1000)]
    stockx_min_interval_ms: u64,
    #[arg(long, env = "SANDBOX_STOCKX_DAILY_LIMIT", default_value_t = 25_000)]
    stockx_daily_limit: u64,
    /// Alias limit (unlimited unless set).
    #[arg(long, env = "SANDBOX_ALIAS_MIN_INTERVAL_MS")]
    alias_min_interval_ms: Option<u64>,
    #[arg(long, env = "SANDBOX_ALIAS_DAILY_LIMIT", default_value_t = 1_000_000)]
    alias_daily_limit: u64,
    #[arg(long, env = "SANDBOX_ACCESS_TOKEN_TTL_SECS", default_value_t = 43_200)]
    access_token_ttl_secs: u64,
    /// Do not return a new refresh token on refresh.
    #[arg(long, env = "SANDBOX_NO_ROTATION")]
    no_rotation: bool,
    #[arg(
        long,
        env = "SANDBOX_STOCKX_API_KEY",
        default_value = "sandbox-api-key"
    )]
    stockx_api_key: String,
    #[arg(
        long,
        env = "SANDBOX_STOCKX_CLIENT_ID",
        default_value = "sandbox-client-id"
    )]
    stockx_client_id: String,
    #[arg(
        long,
        env = "SANDBOX_STOCKX_CLIENT_SECRET",
        default_value = "sandbox-client-secret"
    )]
    stockx_client_secret: String,
    #[arg(
        long,
        env = "SANDBOX_STOCKX_REFRESH_TOKEN",
        default_value = "sandbox-refresh-token"
    )]
    stockx_refresh_token: String,
    #[arg(
        long,
        env = "SANDBOX_ALIAS_TOKEN",
        default_value = "goatapi_sandbox-token"
    )]
    alias_token: String,
    /// Fault: per-mille probability of a 5xx on API requests.
    #[arg(long, env = "SANDBOX_ERROR_PER_MILLE", default_value_t = 0)]
    error_per_mille: u32,
    /// Fault: added latency per API request.
    #[arg(long, env = "SANDBOX_LATENCY_MS", default_value_t = 0)]
    latency_ms: u64,
    /// Send Retry-After on 429 responses.
    #[arg(long, env = "SANDBOX_RETRY_AFTER")]
    retry_after: bool,
    /// Fault: style codes or ids answering 404 (comma separated).
    #[arg(long, env = "SANDBOX_NOT_FOUND", value_delimiter = ',')]
    not_found: Vec<String>,
    /// Fault: limit faults to these marketplaces (stockx, alias).
    #[arg(long, env = "SANDBOX_FAULT_TARGETS", value_delimiter = ',')]
    fault_targets: Vec<String>,
}

#[tokio::main]
async fn main() {
    shared::ops::telemetry::init();
    let a = Args::parse();
    let defaults = SandboxConfig::default();
    let catalog_path = a.catalog.unwrap_or(defaults.catalog_path);
    let sales_dir = match a.sales_dir.as_deref() {
        Some("none") | Some("") => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(catalog_path.with_file_name("sales")),
    };
    let targets = a
        .fault_targets
        .iter()
        .filter_map(|t| match t.trim().to_ascii_lowercase().as_str() {
            "stockx" => Some(Api::Stockx),
            "alias" => Some(Api::Alias),
            _ => None,
        })
        .collect();
    let cfg = SandboxConfig {
        catalog_path,
        sales_dir,
        seed: a.seed,
        price_epoch_secs: a.price_epoch_secs,
        stockx_limit: Limit {
            min_interval_ms: a.stockx_min_interval_ms,
            daily_limit: a.stockx_daily_limit,
        },
        alias_limit: a.alias_min_interval_ms.map(|ms| Limit {
            min_interval_ms: ms,
            daily_limit: a.alias_daily_limit,
        }),
        access_token_ttl_secs: a.access_token_ttl_secs,
        rotate_refresh_tokens: !a.no_rotation,
        api_key: a.stockx_api_key,
        client_id: a.stockx_client_id,
        client_secret: a.stockx_client_secret,
        initial_refresh_token: a.stockx_refresh_token,
        alias_token: a.alias_token,
        faults: Faults {
            targets,
            error_per_mille: a.error_per_mille,
            latency_ms: a.latency_ms,
            retry_after: a.retry_after,
            not_found: a.not_found,
            ..Faults::default()
        },
    };
    let listener = match tokio::net::TcpListener::bind(&a.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sandbox-market: cannot bind {}: {e}", a.addr);
            std::process::exit(2);
        }
    };
    tracing::info!(addr = %a.addr, catalog = %cfg.catalog_path.display(), "sandbox-market listening");
    if let Err(e) = sandbox_market::serve(cfg, listener).await {
        eprintln!("sandbox-market: {e}");
        std::process::exit(1);
    }
}
