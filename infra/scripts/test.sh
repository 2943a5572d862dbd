#!/usr/bin/env bash
# Runs the whole test suite against real services: PostgreSQL (started or created if needed) and
# moto's SQS server. Each test clones its own database from a migrated template.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_postgres
ensure_venv
# The SQS server and PgBouncer this run starts are stopped when it ends (ones already running are
# reused and left running). KEEP_SERVICES=1 leaves them up for the next run.
[ -n "${KEEP_SERVICES:-}" ] || trap stop_started_services EXIT
# The deployment template (AWS SAM) must lint clean; cfn-lint is pinned in infra/requirements.txt.
cfn-lint template.yaml
ensure_sqs 4566
export TEST_DATABASE_URL="$DATABASE_URL"
export AWS_ENDPOINT_URL_SQS="${AWS_ENDPOINT_URL_SQS:-http://127.0.0.1:4566}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION="${AWS_REGION:-us-east-1}"

# Leftovers of interrupted earlier runs.
psql -X -q -d "$DATABASE_URL" -At -c "SELECT datname FROM pg_database WHERE datname ~ '^t_[0-9a-f]{32}'" |
  while read -r db; do psql -X -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; done

cargo test --workspace --locked "$@"

# The same sync, API and marketplace tests again through a transaction-mode PgBouncer, as the
# functions reach Supabase through its pooler (no session state may survive a transaction).
if [ -z "${SKIP_POOLER_PASS:-}" ] && [ "$#" = 0 ]; then
  ensure_pgbouncer 6432
  TEST_POOLER_URL="postgres://postgres@127.0.0.1:6432/postgres" \
    cargo test --locked -p e2e-tests --test sync --test api --test marketplaces
fi

# The TypeScript client for the app: generated from openapi/openapi.yaml, type-checked, and its
# node:test suite run against both APIs served locally (needs Node.js 20+ and npm).
if [ "$#" = 0 ]; then
  bash "$ROOT/infra/scripts/client-test.sh"
fi
