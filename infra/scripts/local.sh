#!/usr/bin/env bash
# The main job, locally, end to end:
#   PostgreSQL (yours via DATABASE_URL, the one on 127.0.0.1:5432, or a throwaway cluster under
#   .local/) → migrations → the real catalogue seed → the sandbox marketplace (StockX + Alias
#   protocols) → an SQS-compatible queue with its DLQ (moto) → the orchestrator's daily FX run and
#   a sync tick → the local SQS event source feeding the worker until the queue is empty → both
#   APIs served on localhost (until Ctrl-C).
#
# The sandbox runs unthrottled by default so the first sync of the whole catalogue takes minutes,
# not the hour StockX's 1 request/s would need; LOCAL_REAL_LIMITS=1 enforces the real limits.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started_at=$(date +%s)

ensure_postgres
if [ -z "${MARKET_KEEP_DATABASE_URL:-}" ]; then
  # A dedicated database on the chosen server rather than its `postgres` database.
  base="$DATABASE_URL"
  psql -X -q -d "$base" -tc "SELECT 1 FROM pg_database WHERE datname = 'sneaker_market'" | grep -q 1 ||
    psql -X -q -d "$base" -c "CREATE DATABASE sneaker_market"
  export DATABASE_URL="${base%/*}/sneaker_market"
fi
log "database: ${DATABASE_URL%%\?*}"
ensure_venv
sqs_was_running=0
curl -sS -o /dev/null "http://127.0.0.1:4566/" 2>/dev/null && sqs_was_running=1
ensure_sqs 4566
step "database and queue server ready"

SANDBOX_PORT="${SANDBOX_PORT:-8089}"
SANDBOX="http://127.0.0.1:$SANDBOX_PORT"
export AWS_ENDPOINT_URL_SQS="${AWS_ENDPOINT_URL_SQS:-http://127.0.0.1:4566}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
# The functions' configuration, pointed at the sandbox (its default credentials).
export STOCKX_API_BASE="$SANDBOX/v2" STOCKX_AUTH_BASE="$SANDBOX"
export STOCKX_API_KEY=sandbox-api-key STOCKX_CLIENT_ID=sandbox-client-id STOCKX_CLIENT_SECRET=sandbox-client-secret
export STOCKX_REFRESH_TOKEN=sandbox-refresh-token
export ALIAS_API_BASE="$SANDBOX/api/v1" ALIAS_API_TOKEN=goatapi_sandbox-token
export FX_FEED_URL="$SANDBOX/ecb/eurofxref-daily.xml"
export SUPABASE_JWT_SECRET="${SUPABASE_JWT_SECRET:-local-development-jwt-secret-change-me}"
export CORS_ALLOWED_ORIGINS="${CORS_ALLOWED_ORIGINS:-http://localhost:3000}"
# Every market the API serves is synced, so each region's page and inventory have prices
# (LOCAL_REGIONS=US syncs one, a third of the calls).
export SYNC_REGIONS="${LOCAL_REGIONS:-US,UK,EU}"
if [ -n "${LOCAL_REAL_LIMITS:-}" ]; then
  export SANDBOX_STOCKX_MIN_INTERVAL_MS=1000 STOCKX_MIN_INTERVAL_MS=1050
else
  export SANDBOX_STOCKX_MIN_INTERVAL_MS=0 STOCKX_MIN_INTERVAL_MS=5 ALIAS_MIN_INTERVAL_MS=5
fi

log "building the market command and the sandbox (the first build takes several minutes)"
# grep --line-buffered: a block-buffered pipe would hold the progress lines back until the end.
cargo build --locked -p market-cli -p sandbox-market 2>&1 | grep --line-buffered -E '^\s*(Compiling|Finished|error|warning)' |
  awk '/Compiling/ { n++; if (n % 25 == 0) printf "==>   %d crates compiled\n", n > "/dev/stderr"; next } { print > "/dev/stderr" }'
step "built"
BIN="$BIN_DIR"
"$BIN/market" migrate
# A representative subset keeps the first run quick; LOCAL_PRODUCTS=all syncs the whole catalogue.
LOCAL_PRODUCTS="${LOCAL_PRODUCTS:-200}"
if [ "$LOCAL_PRODUCTS" = all ]; then
  "$BIN/market" seed --catalog "${CATALOG_CSV:-$ROOT/../shared/data/catalog.csv}"
else
  "$BIN/market" seed --catalog "${CATALOG_CSV:-$ROOT/../shared/data/catalog.csv}" --limit "$LOCAL_PRODUCTS"
fi
step "migrated and seeded"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Stop the queue server too when this run started it (Ctrl-C leaves nothing behind).
  if [ "$sqs_was_running" = 0 ] && [ -f "$LOCAL_DIR/moto.pid" ]; then
    kill "$(cat "$LOCAL_DIR/moto.pid")" 2>/dev/null || true
    rm -f "$LOCAL_DIR/moto.pid"
  fi
}
trap cleanup EXIT INT TERM
SANDBOX_CATALOG="${CATALOG_CSV:-$ROOT/../shared/data/catalog.csv}" \
  "$BIN/sandbox-market" --addr "127.0.0.1:$SANDBOX_PORT" >"$LOCAL_DIR/sandbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "$SANDBOX/__admin/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$SANDBOX/__admin/health" >/dev/null || { log "the sandbox did not start; see $LOCAL_DIR/sandbox.log"; exit 1; }
log "sandbox marketplace on $SANDBOX"

# A fresh sandbox only knows its initial refresh token: store it as a human consent would.
"$BIN/market" stockx-reconsent
# --purge: a queue server left running by an interrupted run still holds that run's messages.
export SYNC_QUEUE_URL="$("$BIN/market" queues --name sneaker-market-sync --purge)"
log "queue: $SYNC_QUEUE_URL"

"$BIN/market" orchestrate --mode daily >/dev/null && log "FX rates loaded, housekeeping done"
"$BIN/market" orchestrate --mode tick >"$LOCAL_DIR/tick.json"
log "tick planned $(grep -m1 '"planned"' "$LOCAL_DIR/tick.json" | tr -dc 0-9) jobs (summary: $LOCAL_DIR/tick.json)"
log "syncing: the local event source feeds the queue to the worker until it is empty"
RUST_LOG="${RUST_LOG:-warn}" WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-8}" "$BIN/market" run-queue --idle-secs 3
step "prices synced"
# A demo seller with three pairs, so the inventory has something to show (created before the
# sales tick: owned products are hot, so theirs are walked first).
DEMO_TOKEN="$("$BIN/market" demo-user)"
echo "$DEMO_TOKEN" >"$LOCAL_DIR/demo-token"
# Sales: once sizes are mapped, a second tick plans Alias recent_sales walks (one call per size),
# hot products first, within a small call budget so this step stays quick.
SALES_DAILY_CALLS="${LOCAL_SALES_CALLS:-2000}" "$BIN/market" orchestrate --mode tick >"$LOCAL_DIR/tick-sales.json"
log "sales tick planned $(grep -m1 '"planned"' "$LOCAL_DIR/tick-sales.json" | tr -dc 0-9) jobs (up to ${LOCAL_SALES_CALLS:-2000} recent_sales calls)"
RUST_LOG="${RUST_LOG:-warn}" WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-8}" "$BIN/market" run-queue --idle-secs 3
step "sales synced"
# Search reads the summary view, which the daily run refreshes: refresh it now the prices exist.
psql -X -q -d "$DATABASE_URL" -c "REFRESH MATERIALIZED VIEW market.product_market_summary"

psql -X -q -d "$DATABASE_URL" -c "
  SELECT (SELECT count(*) FROM market.products) AS products,
         (SELECT count(DISTINCT sv.product_id) FROM market.latest_prices lp
            JOIN market.size_variants sv ON sv.id = lp.variant_id) AS products_with_prices,
         (SELECT count(*) FROM market.latest_prices) AS latest_prices,
         (SELECT count(*) FROM market.price_history) AS history_rows,
         (SELECT count(*) FROM market.sales) AS sales,
         (SELECT count(*) FILTER (WHERE status = 'succeeded') FROM market.sync_jobs) AS jobs_ok,
         (SELECT count(*) FILTER (WHERE status IN ('failed', 'dead')) FROM market.sync_jobs) AS jobs_failed"
# The failures by kind: not_found and unmappable are expected data outcomes (a style one
# marketplace does not list); anything else is worth a look in the jobs' error_message.
psql -X -q -d "$DATABASE_URL" -c "
  SELECT kind, coalesce(error_kind, status) AS failure, count(*) AS jobs
  FROM market.sync_jobs WHERE status IN ('failed', 'dead')
  GROUP BY 1, 2 ORDER BY 3 DESC"

log "ready in $(( ($(date +%s) - started_at + 30) / 60 )) min; serving the APIs (Ctrl-C to stop):"
log "  market-api:    http://127.0.0.1:8080/v1/products?q=jordan  and  /v1/products/FZ5000"
log "  inventory-api: http://127.0.0.1:8081/v1/status"
log "  the demo seller's inventory (token in $LOCAL_DIR/demo-token, valid one day):"
log "    curl -H \"Authorization: Bearer \$(cat $LOCAL_DIR/demo-token)\" http://127.0.0.1:8081/v1/inventory"
log "    curl -H \"Authorization: Bearer \$(cat $LOCAL_DIR/demo-token)\" http://127.0.0.1:8081/v1/me"
"$BIN/market" serve-apis --market-addr 127.0.0.1:8080 --inventory-addr 127.0.0.1:8081
