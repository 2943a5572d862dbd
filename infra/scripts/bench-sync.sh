#!/usr/bin/env bash
# Benchmark: a full sync of N products against the sandbox at StockX's real limit, through the real
# pipeline. Arguments go to `market bench-sync` (see --help). Creates and drops its own database.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_postgres
ensure_venv
ensure_sqs 4566
export AWS_ENDPOINT_URL_SQS="${AWS_ENDPOINT_URL_SQS:-http://127.0.0.1:4566}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
cargo build --locked -q -p market-cli
RUST_LOG="${RUST_LOG:-warn}" "$BIN_DIR/market" bench-sync "$@"
