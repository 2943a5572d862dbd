//! `market`: the operator's command line — migrations, catalogue seed, and local-stack helpers.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use shared::db::{database_url_from_env, DbSettings};
use shared::{catalog, migrate, telemetry};

#[derive(Parser)]
#[command(
    name = "market",
    about = "Sneaker market-data backend: operator commands"
)]
struct Cli {
    /// PostgreSQL URL (default: the local PostgreSQL at 127.0.0.1:5432).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations from supabase/migrations (re-running is a no-op).
    Migrate {
        #[arg(long, default_value_os_t = migrate::default_dir())]
        dir: PathBuf,
    },
    /// Load a catalogue CSV (idempotent). Malformed rows are reported by line and skipped.
    Seed {
        #[arg(long, default_value_os_t = catalog::default_catalog_path())]
        catalog: PathBuf,
        /// Load only the first N valid rows (default: all).
        #[arg(long)]
        limit: Option<usize>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let cli = Cli::parse();
    let url = cli.database_url.unwrap_or_else(database_url_from_env);
    let settings = DbSettings::from_url(&url)?;
    match cli.command {
        Command::Migrate { dir } => {
            let migrations = migrate::discover(&dir)?;
            let mut client = settings.connect().await?;
            let report = migrate::apply(&mut client, &migrations).await?;
            println!(
                "migrations: {} applied, {} already applied",
                report.applied.len(),
                report.already_applied
            );
            for name in report.applied {
                println!("  applied {name}");
            }
        }
        Command::Seed {
            catalog: path,
            limit,
        } => {
            let started = std::time::Instant::now();
            let mut parsed = catalog::parse_file(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            for e in &parsed.errors {
                eprintln!("{}: skipped {e}", path.display());
            }
            if let Some(n) = limit {
                parsed.rows.truncate(n);
            }
            let mut client = settings.connect().await?;
            let r = catalog::load(&mut client, &parsed.rows).await?;
            println!(
                "seed: {} rows ({} rejected); products +{} inserted, {} updated; sizes +{}; StockX links +{} ({} ids already linked elsewhere); {:.2}s",
                r.rows,
                parsed.errors.len(),
                r.products_inserted,
                r.products_updated,
                r.variants_inserted,
                r.stockx_links_inserted,
                r.stockx_links_conflicting,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
