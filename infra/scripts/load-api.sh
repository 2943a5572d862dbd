#!/usr/bin/env bash
# Load test of both APIs on loopback with wrk, while the sync write path writes concurrently.
#
# A throwaway database gets the real catalogue (first $LOAD_PRODUCTS products), 30 days of history
# through the sync write path and a 1,000-item inventory (`market bench-api --setup-only`). Then,
# for $LOAD_DURATION seconds (default 15) and all at once:
#   - wrk -t2 -c8 on market-api (`market serve-apis`), rotating over the style codes: product
#     pages, 1 in 10 requests a history, 1 in 10 a search;
#   - wrk -t1 -c2 on inventory-api `GET /v1/inventory` with a valid token;
#   - `market bench-api --write-load`: product snapshots through `store::write_snapshot` plus the
#     worker's link/product bookkeeping, one transaction each, at $LOAD_WRITE_RATE per second
#     (the real sync is rate-limited to ~5 product calls/s), sampling pg_stat_activity every
#     100 ms for backends waiting on a lock.
# Reports p50/p99, errors (non-2xx and socket errors) and the longest lock wait seen. Loopback only;
# stops by itself; the database is dropped at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

DURATION="${LOAD_DURATION:-15}"
PRODUCTS="${LOAD_PRODUCTS:-200}"
WRITE_RATE="${LOAD_WRITE_RATE:-20}"
MARKET_PORT="${LOAD_MARKET_PORT:-18180}"
INVENTORY_PORT="${LOAD_INVENTORY_PORT:-18181}"

ensure_postgres
command -v wrk >/dev/null 2>&1 || apt_install wrk

log "building market-cli"
cargo build -q -p market-cli
MARKET="$BIN_DIR/market"

work="$(mktemp -d)"
cleanup() {
  stop_local_apis
  drop_scratch_db
  rm -rf "$work"
}
trap cleanup EXIT

create_scratch_db market_load
db_url="$SCRATCH_URL"
export DATABASE_URL="$db_url" RUST_LOG="${RUST_LOG:-warn}" LOG_FORMAT=text
export SUPABASE_JWT_SECRET="load-only-hs256-secret-$(date +%s)-0123456789"
# Eight concurrent connections from wrk: as if eight Lambda instances, sharing one local pool.
export DB_POOL_SIZE="${DB_POOL_SIZE:-8}"
"$MARKET" migrate >/dev/null
"$MARKET" seed --limit "$PRODUCTS"
"$MARKET" bench-api --setup-only --products "$PRODUCTS" --days 30 --items 1000
token="$("$MARKET" bench-api --print-token)"

psql -X -At -d "$db_url" -c "SELECT replace(style_code, ' ', '%20') FROM market.products ORDER BY id" >"$work/styles.txt"
{
  echo 'local styles = {'
  sed 's/.*/  "&",/' "$work/styles.txt"
  echo '}'
  cat <<'LUA'
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
  n = id * 7919
end
function request()
  n = n + 1
  local s = styles[(n % #styles) + 1]
  local path
  if os.getenv("LOAD_TARGET") == "inventory" then
    path = "/v1/inventory"
  elseif n % 10 == 0 then
    path = "/v1/products/" .. s .. "/history?days=30"
  elseif n % 10 == 5 then
    path = "/v1/products?q=" .. string.sub(s, 1, 4)
  else
    path = "/v1/products/" .. s
  end
  return wrk.format("GET", path)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, k .. ": " .. v) end
  local e = summary.errors
  io.write(string.format(
    "RESULT %s: %d requests in %.1fs (%.1f req/s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; statuses {%s}; errors: connect %d, read %d, write %d, timeout %d, status>=400 %d\n",
    os.getenv("LOAD_TARGET"), summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.timeout, e.status))
end
LUA
} >"$work/load.lua"

start_local_apis "$MARKET_PORT" "$INVENTORY_PORT" $((DURATION + 120)) "$work/serve.log"

log "load: ${DURATION}s of wrk on both APIs while the write path runs at ${WRITE_RATE}/s"
"$MARKET" bench-api --write-load "$DURATION" --write-rate "$WRITE_RATE" >"$work/write.log" 2>&1 &
writer_pid=$!
LOAD_TARGET=market wrk -t2 -c8 -d"${DURATION}s" --timeout 5s -H "Accept-Encoding: gzip" -s "$work/load.lua" \
  "http://127.0.0.1:$MARKET_PORT" >"$work/wrk-market.log" 2>&1 &
wrk_market=$!
LOAD_TARGET=inventory wrk -t1 -c2 -d"${DURATION}s" --timeout 5s -H "Accept-Encoding: gzip" \
  -H "Authorization: Bearer $token" -s "$work/load.lua" \
  "http://127.0.0.1:$INVENTORY_PORT" >"$work/wrk-inventory.log" 2>&1 &
wrk_inventory=$!
status=0
wait "$wrk_market" || status=1
wait "$wrk_inventory" || status=1
wait "$writer_pid" || status=1

echo
echo "## API load (loopback, ${DURATION}s, DB_POOL_SIZE=$DB_POOL_SIZE, $PRODUCTS products)"
grep -h '^RESULT' "$work/wrk-market.log" "$work/wrk-inventory.log" | sed 's/^RESULT /- /'
sed 's/^/- /' "$work/write.log"
if grep -qiE "panicked|request failed" "$work/serve.log"; then
  log "server log reports failures:"; grep -iE "panicked|request failed" "$work/serve.log" | head; status=1
fi
if grep -h '^RESULT' "$work/wrk-market.log" "$work/wrk-inventory.log" | grep -qvE 'connect 0, read 0, write 0, timeout 0, status>=400 0$'; then status=1; fi
exit "$status"
