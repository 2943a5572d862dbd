#!/usr/bin/env bash
# The main job, locally: PostgreSQL (yours via DATABASE_URL, the one on 127.0.0.1:5432, or a
# throwaway cluster under .local/), migrations, the real catalogue seed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_postgres
if [ -z "${MARKET_KEEP_DATABASE_URL:-}" ]; then
  # Use a dedicated database on the chosen server rather than its `postgres` database.
  base="$DATABASE_URL"
  psql -X -q -d "$base" -tc "SELECT 1 FROM pg_database WHERE datname = 'sneaker_market'" | grep -q 1 ||
    psql -X -q -d "$base" -c "CREATE DATABASE sneaker_market"
  export DATABASE_URL="${base%/*}/sneaker_market"
fi
log "database: ${DATABASE_URL%%\?*}"

cargo build --locked -q -p market-cli
BIN="$ROOT/target/debug"
"$BIN/market" migrate
"$BIN/market" seed --catalog "${CATALOG_CSV:-$ROOT/../shared/data/catalog.csv}"
