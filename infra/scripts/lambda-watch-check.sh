#!/usr/bin/env bash
# Proves the documented local Lambda path: `cargo lambda watch` serves market-api and inventory-api
# through their `lambda-url` paths against a local database, with the env file the docs describe.
#
# A throwaway database is created, migrated and seeded (the fuzz run's data), `cargo lambda watch`
# starts with that env file, and each function is called through
# http://127.0.0.1:$PORT/lambda-url/<function>/...: a search and a market page on market-api, the
# inventory, /v1/me and /v1/status on inventory-api. The first call to each function compiles it
# (tens of seconds to minutes on 2 cores), so each waits up to WATCH_WAIT_SECS. Everything it
# starts is stopped on exit. Not part of test.sh (the extra build is slow); run it by hand:
#
#   bash infra/scripts/lambda-watch-check.sh          # WATCH_PORT=9000 WATCH_WAIT_SECS=900
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PORT="${WATCH_PORT:-9000}"
WAIT="${WATCH_WAIT_SECS:-900}"
PRODUCTS=20

ensure_postgres
ensure_venv
if ! command -v cargo-lambda >/dev/null 2>&1; then
  log "installing cargo-lambda into .local/venv (infra/requirements-lambda.txt)"
  pip install -q -r infra/requirements-lambda.txt
fi

log "building market-cli"
cargo build -q -p market-cli
MARKET="$BIN_DIR/market"

admin_url="$DATABASE_URL"
db="market_watch_$$"
db_url="${admin_url%/*}/$db"
watch_pid=""
cleanup() {
  if [ -n "$watch_pid" ]; then
    kill -- "-$watch_pid" 2>/dev/null || kill "$watch_pid" 2>/dev/null || true
    wait "$watch_pid" 2>/dev/null || true
  fi
  psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "database $db"
psql -X -q -d "$admin_url" -c "CREATE DATABASE $db"
secret="watch-check-only-hs256-secret-$(date +%s)-0123456789"
DATABASE_URL="$db_url" "$MARKET" migrate >/dev/null
DATABASE_URL="$db_url" "$MARKET" seed --limit "$PRODUCTS" >/dev/null
DATABASE_URL="$db_url" SUPABASE_JWT_SECRET="$secret" \
  "$MARKET" bench-api --setup-only --products "$PRODUCTS" --days 7 --items 20 --writers 1 >/dev/null
token="$(DATABASE_URL="$db_url" SUPABASE_JWT_SECRET="$secret" "$MARKET" bench-api --print-token)"
style="$(psql -X -At -d "$db_url" -c "SELECT style_code FROM market.products ORDER BY id LIMIT 1")"

# The env file as docs/operations.md describes it (no empty values: watch rejects NAME=).
env_file="$LOCAL_DIR/lambda-watch-check.env"
cat >"$env_file" <<ENV
DATABASE_URL=$db_url
SUPABASE_JWT_SECRET=$secret
CORS_ALLOWED_ORIGINS=http://localhost:3000
LOG_FORMAT=text
RUST_LOG=warn
ENV

log "cargo lambda watch on 127.0.0.1:$PORT (log: .local/lambda-watch-check.log)"
setsid cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --env-file "$env_file" \
  >"$LOCAL_DIR/lambda-watch-check.log" 2>&1 &
watch_pid=$!

base="http://127.0.0.1:$PORT/lambda-url"
# call NAME URL [curl args...]: waits for the function's first build, then wants a 200 with JSON.
call() {
  local name="$1" url="$2"; shift 2
  local started=$SECONDS code=""
  while [ $((SECONDS - started)) -lt "$WAIT" ]; do
    code="$(curl -s -o "$LOCAL_DIR/lambda-watch-check.body" -w '%{http_code}' --max-time 600 "$@" "$url" || true)"
    [ "$code" = 200 ] && break
    kill -0 "$watch_pid" 2>/dev/null || { log "cargo lambda watch exited"; tail -20 "$LOCAL_DIR/lambda-watch-check.log"; exit 1; }
    sleep 2
  done
  if [ "$code" != 200 ]; then
    log "$name: HTTP $code after $((SECONDS - started)) s"; head -c 400 "$LOCAL_DIR/lambda-watch-check.body"; echo
    exit 1
  fi
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$LOCAL_DIR/lambda-watch-check.body"
  log "$name: 200 in $((SECONDS - started)) s"
}

call "market-api search" "$base/market-api/v1/products?q=${style%%-*}"
call "market-api page" "$base/market-api/v1/products/$style"
call "inventory-api status" "$base/inventory-api/v1/status"
call "inventory-api inventory" "$base/inventory-api/v1/inventory" -H "Authorization: Bearer $token"
call "inventory-api me" "$base/inventory-api/v1/me" -H "Authorization: Bearer $token"
log "cargo lambda watch serves both APIs against the local database"
