#!/usr/bin/env bash
# Fuzzes both APIs against openapi/openapi.yaml with Schemathesis, through the local HTTP adapter
# (`market serve-apis`: every request becomes the Function URL event the Lambda handler gets).
#
# A throwaway database is created, migrated, seeded with the real catalogue (first $FUZZ_PRODUCTS
# products) and market data through the sync write path (`market bench-api --setup-only`), then
# both servers start on loopback and Schemathesis runs every operation, positive and negative
# inputs, bounded and reproducible (fixed seed, deterministic generation, one worker). The run fails
# on any 5xx, undocumented status code, wrong content type or response-schema violation.
#
#   bash infra/scripts/fuzz-api.sh            # FUZZ_MAX_EXAMPLES=50 FUZZ_SEED=20261129
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-50}"
SEED="${FUZZ_SEED:-20261129}"
PRODUCTS="${FUZZ_PRODUCTS:-60}"
MARKET_PORT="${FUZZ_MARKET_PORT:-18080}"
INVENTORY_PORT="${FUZZ_INVENTORY_PORT:-18081}"
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

ensure_postgres
ensure_venv

log "building market-cli"
cargo build -q -p market-cli
MARKET="$BIN_DIR/market"

cleanup() {
  stop_local_apis
  drop_scratch_db
}
trap cleanup EXIT

create_scratch_db market_fuzz
db_url="$SCRATCH_URL"
export DATABASE_URL="$db_url" RUST_LOG="${RUST_LOG:-warn}" LOG_FORMAT=text
export SUPABASE_JWT_SECRET="fuzz-only-hs256-secret-$(date +%s)-0123456789"
export CORS_ALLOWED_ORIGINS="https://app.example.com"
"$MARKET" migrate >/dev/null
"$MARKET" seed --limit "$PRODUCTS"
"$MARKET" bench-api --setup-only --products "$PRODUCTS" --days 14 --items 200 --writers 2
token="$("$MARKET" bench-api --print-token)"

start_local_apis "$MARKET_PORT" "$INVENTORY_PORT" 1800 "$LOCAL_DIR/fuzz-serve.log"

common=(--checks "$CHECKS" --max-examples "$MAX_EXAMPLES" --seed "$SEED" --generation-deterministic
        --workers 1 --phases examples,coverage,fuzzing --no-color
        --request-timeout 10)
status=0
log "schemathesis: market-api (http://127.0.0.1:$MARKET_PORT)"
schemathesis run openapi/openapi.yaml --url "http://127.0.0.1:$MARKET_PORT" --include-tag market-api \
  "${common[@]}" || status=1
# Arbitrary style codes mostly get 400/404; a second pass pins the path to a real, priced product
# so the query parameters are fuzzed against full 200 responses (response-schema conformance).
style="$(psql -X -At -d "$db_url" -c "SELECT style_code FROM market.products WHERE tier = 'hot' ORDER BY id LIMIT 1")"
config="$LOCAL_DIR/fuzz-schemathesis.toml"
printf '[parameters]\n"path.style_code" = "%s"\n' "$style" >"$config"
log "schemathesis: market-api with style_code=$style"
schemathesis --config-file "$config" run openapi/openapi.yaml --url "http://127.0.0.1:$MARKET_PORT" \
  --include-path-regex '^/v1/products/' "${common[@]}" || status=1
log "schemathesis: inventory-api (http://127.0.0.1:$INVENTORY_PORT)"
schemathesis run openapi/openapi.yaml --url "http://127.0.0.1:$INVENTORY_PORT" --include-tag inventory-api \
  -H "Authorization: Bearer $token" "${common[@]}" || status=1

if grep -qiE "panicked|request failed" "$LOCAL_DIR/fuzz-serve.log"; then
  log "server log reports failures:"; grep -iE "panicked|request failed" "$LOCAL_DIR/fuzz-serve.log" | head -20
  status=1
fi
[ "$status" = 0 ] && log "fuzz: no failures" || log "fuzz: FAILURES (see above)"
exit "$status"
