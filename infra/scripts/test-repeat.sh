#!/usr/bin/env bash
# Runs the whole suite (both passes: direct and through PgBouncer) N times in a row, optionally
# while the machine is busy, and stops at the first failure. It hunts flaky tests; it is not part
# of .ci/run, which must stay within its time budget.
#
#   bash infra/scripts/test-repeat.sh [--runs N] [--load none|cpu|build]
#
#   --load cpu    one busy loop per core for the whole repeat run
#   --load build  a parallel release build of the workspace in a separate target dir, restarted
#                 when it finishes (disk and CPU contention, as on a shared CI machine)
#
# Each run's output goes to .local/test-repeat/run-N.log; a summary line per run is printed with
# the load average beside it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

runs=5 load=none
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --load) load="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--load none|cpu|build]" >&2; exit 2 ;;
  esac
done
case "$load" in none|cpu|build) ;; *) echo "--load must be none, cpu or build" >&2; exit 2 ;; esac

out="$LOCAL_DIR/test-repeat"
mkdir -p "$out"
loaders=()
stop_load() {
  for pid in "${loaders[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
}
trap stop_load EXIT INT TERM

start_load() {
  case "$load" in
    cpu)
      for _ in $(seq 1 "$(nproc)"); do
        setsid bash -c 'while :; do :; done' & loaders+=("$!")
      done ;;
    build)
      setsid bash -c "while :; do CARGO_TARGET_DIR='$LOCAL_DIR/load-target' cargo build --release --workspace -q >/dev/null 2>&1; cargo clean -q --release --target-dir '$LOCAL_DIR/load-target' >/dev/null 2>&1; done" &
      loaders+=("$!") ;;
  esac
}

# Build once before loading the machine, so each run measures the tests, not the compiler.
cargo test --workspace --locked --no-run -q >/dev/null
start_load
passed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if bash infra/scripts/test.sh >"$out/run-$i.log" 2>&1; then
    status=pass; passed=$((passed + 1))
  else
    status=FAIL
  fi
  printf 'run %d/%d: %s in %ds (load %s; loadavg %s)\n' "$i" "$runs" "$status" \
    "$(($(date +%s) - start))" "$load" "$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$status" = FAIL ]; then
    grep -E '^(test .* FAILED|---- |thread .* panicked|failures:)' "$out/run-$i.log" | head -40 || true
    echo "log: $out/run-$i.log"
    exit 1
  fi
done
echo "$passed/$runs consecutive runs passed (load $load)"
