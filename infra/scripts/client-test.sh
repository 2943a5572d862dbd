#!/usr/bin/env bash
# The TypeScript client's test (openapi/typescript-client): types generated from
# openapi/openapi.yaml, type-checked with tsc, then node's test runner calls every route of both
# APIs through the client, against the local HTTP adapter (`market serve-apis`, the Lambda
# handlers behind Function URL events) over a throwaway database seeded like the fuzz run.
#
#   bash infra/scripts/client-test.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PRODUCTS="${CLIENT_TEST_PRODUCTS:-30}"
MARKET_PORT="${CLIENT_TEST_MARKET_PORT:-18180}"
INVENTORY_PORT="${CLIENT_TEST_INVENTORY_PORT:-18181}"
CLIENT_DIR="$ROOT/openapi/typescript-client"

command -v npm >/dev/null 2>&1 || apt_install nodejs npm
ensure_postgres

log "building market-cli"
cargo build -q -p market-cli
MARKET="$BIN_DIR/market"

cleanup() {
  stop_local_apis
  drop_scratch_db
}
trap cleanup EXIT

create_scratch_db market_client
db_url="$SCRATCH_URL"
export DATABASE_URL="$db_url" RUST_LOG="${RUST_LOG:-warn}" LOG_FORMAT=text
export SUPABASE_JWT_SECRET="client-test-only-hs256-secret-$(date +%s)-0123456789"
export CORS_ALLOWED_ORIGINS="https://app.example.com"
"$MARKET" migrate >/dev/null
"$MARKET" seed --limit "$PRODUCTS" >/dev/null
"$MARKET" bench-api --setup-only --products "$PRODUCTS" --days 14 --items 120 --writers 2 >/dev/null
token="$("$MARKET" bench-api --print-token)"
# The token's user is the operator of this run, so /v1/ops/status answers 200.
OPERATOR_USER_IDS="$(python3 -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["sub"])' "$token")"
export OPERATOR_USER_IDS

start_local_apis "$MARKET_PORT" "$INVENTORY_PORT" 900 "$LOCAL_DIR/client-serve.log"
style="$(psql -X -At -d "$db_url" -c "SELECT p.style_code FROM market.products p
  WHERE EXISTS (SELECT 1 FROM market.size_variants v JOIN market.latest_prices l ON l.variant_id = v.id
                WHERE v.product_id = p.id) ORDER BY p.id LIMIT 1")"

log "npm ci (openapi/typescript-client)"
(cd "$CLIENT_DIR" && npm ci --no-audit --no-fund --loglevel=error)
log "generate, type-check and test the client against http://127.0.0.1:$MARKET_PORT and :$INVENTORY_PORT"
(cd "$CLIENT_DIR" && MARKET_API_URL="http://127.0.0.1:$MARKET_PORT" \
  INVENTORY_API_URL="http://127.0.0.1:$INVENTORY_PORT" API_TOKEN="$token" STYLE_CODE="$style" \
  npm test)
log "client: passed"
