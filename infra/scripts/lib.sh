# Shared shell helpers for the local stack and the test runner. Sourced, not executed.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL_DIR="$ROOT/.local"
# Where cargo puts debug binaries (CARGO_TARGET_DIR is honoured).
BIN_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
mkdir -p "$LOCAL_DIR"

# Each line says how long the script has been running ([m:ss]); `step` also says how long the step
# it closes took (since the previous `step`, or the start).
LOG_T0="$(date +%s)"
STEP_T="$LOG_T0"
log() {
  local s=$(($(date +%s) - LOG_T0))
  printf '==> [%d:%02d] %s\n' $((s / 60)) $((s % 60)) "$*" >&2
}
step() {
  local now
  now="$(date +%s)"
  log "$* ($((now - STEP_T)) s)"
  STEP_T="$now"
}

# Servers this script started (ensure_sqs, ensure_pgbouncer): `name:pid` or `name:pidfile`.
# stop_started_services stops them; servers that were already running are left alone.
STARTED_SERVICES=()
stop_started_services() {
  local entry name ref pid
  for entry in "${STARTED_SERVICES[@]}"; do
    name="${entry%%:*}"; ref="${entry#*:}"
    if [ -f "$ref" ]; then pid="$(cat "$ref" 2>/dev/null || true)"; else pid="$ref"; fi
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then log "stopped $name (pid $pid), which this run started"; fi
  done
  STARTED_SERVICES=()
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_answers() { # url
  command -v pg_isready >/dev/null 2>&1 || return 1
  pg_isready -q -d "$1" -t 3
}

# Makes sure a PostgreSQL answers and exports DATABASE_URL (and TEST_DATABASE_URL's base).
# Order: $DATABASE_URL if set; else the server on 127.0.0.1:5432 (started if its cluster is down);
# else a throwaway cluster under .local/pg on port 55432 (installing Debian's postgresql if missing).
ensure_postgres() {
  if ! command -v psql >/dev/null 2>&1; then
    apt_install postgresql-client
  fi
  if [ -n "${DATABASE_URL:-}" ]; then
    pg_answers "$DATABASE_URL" || { log "DATABASE_URL does not answer"; return 1; }
    return 0
  fi
  local local_url="postgres://postgres@127.0.0.1:5432/postgres"
  if pg_answers "$local_url"; then
    export DATABASE_URL="$local_url"; return 0
  fi
  if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
    local ver
    ver=$(pg_lsclusters -h | awk '$2=="main"{print $1; exit}')
    if [ -n "$ver" ]; then
      log "starting PostgreSQL $ver/main"
      as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
      for _ in $(seq 1 30); do pg_answers "$local_url" && { export DATABASE_URL="$local_url"; return 0; }; sleep 1; done
    fi
  fi
  # No server of our own: a throwaway cluster under .local/pg.
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    apt_install postgresql
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  local data="$LOCAL_DIR/pg" port=55432
  local run_as=()
  if [ "$(id -u)" = 0 ]; then run_as=(runuser -u postgres --); as_root chown -R postgres "$LOCAL_DIR" 2>/dev/null || true; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a throwaway PostgreSQL cluster in $data"
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres "$data"
    "${run_as[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  if ! pg_answers "postgres://postgres@127.0.0.1:$port/postgres"; then
    "${run_as[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -w start >/dev/null
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Python tools pinned in a venv under .local (moto's SQS server, cfn-lint).
ensure_venv() {
  local venv="$LOCAL_DIR/venv"
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      apt_install python3-venv
      python3 -m venv "$venv"
    fi
  fi
  if ! cmp -s "$ROOT/infra/requirements.txt" "$venv/.installed" 2>/dev/null; then
    log "installing Python tools into $venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$ROOT/infra/requirements.txt"
    cp "$ROOT/infra/requirements.txt" "$venv/.installed"
  fi
  export PATH="$venv/bin:$PATH"
}

# Starts moto's SQS-compatible server on 127.0.0.1:$1 unless one answers there.
ensure_sqs() {
  local port="${1:-4566}"
  # Any HTTP answer on the port means the server is up (moto's dashboard page can answer 500).
  sqs_answers() { curl -sS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; }
  if sqs_answers; then return 0; fi
  log "starting moto SQS server on 127.0.0.1:$port"
  nohup moto_server -H 127.0.0.1 -p "$port" >"$LOCAL_DIR/moto.log" 2>&1 &
  echo $! >"$LOCAL_DIR/moto.pid"
  STARTED_SERVICES+=("moto:$!")
  for _ in $(seq 1 50); do sqs_answers && return 0; sleep 0.2; done
  log "moto server did not start; see $LOCAL_DIR/moto.log"; return 1
}

# A transaction-mode PgBouncer on 127.0.0.1:6432 in front of $DATABASE_URL's server, the way
# Supabase's pooler fronts its database: server connections are shared between transactions, so
# nothing may rely on session state (named prepared statements, SET, advisory session locks).
ensure_pgbouncer() {
  local port="${1:-6432}"
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || apt_install pgbouncer
  local bin; bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  if pg_answers "postgres://postgres@127.0.0.1:$port/postgres"; then return 0; fi
  local dir="$LOCAL_DIR/pgbouncer"
  mkdir -p "$dir"
  local host port_db
  host=$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or "127.0.0.1")' "$DATABASE_URL")
  port_db=$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.port or 5432)' "$DATABASE_URL")
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$host port=$port_db user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,application_name
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  local run_as=()
  if [ "$(id -u)" = 0 ]; then run_as=(runuser -u postgres --); chown -R postgres "$dir"; fi
  log "starting PgBouncer (transaction mode) on 127.0.0.1:$port"
  "${run_as[@]}" "$bin" -d "$dir/pgbouncer.ini"
  STARTED_SERVICES+=("pgbouncer:$dir/pgbouncer.pid")
  for _ in $(seq 1 50); do pg_answers "postgres://postgres@127.0.0.1:$port/postgres" && return 0; sleep 0.2; done
  log "PgBouncer did not start; see $dir/pgbouncer.log"; return 1
}

# A throwaway database for one script run, beside $DATABASE_URL's: `create_scratch_db <prefix>`
# sets SCRATCH_DB and SCRATCH_URL; `drop_scratch_db` (from the script's EXIT trap) removes it.
create_scratch_db() {
  SCRATCH_ADMIN_URL="$DATABASE_URL"
  SCRATCH_DB="${1}_$$"
  SCRATCH_URL="${SCRATCH_ADMIN_URL%/*}/$SCRATCH_DB"
  log "database $SCRATCH_DB"
  psql -X -q -d "$SCRATCH_ADMIN_URL" -c "CREATE DATABASE $SCRATCH_DB"
}
drop_scratch_db() {
  [ -n "${SCRATCH_DB:-}" ] || return 0
  psql -X -q -d "$SCRATCH_ADMIN_URL" -c "DROP DATABASE IF EXISTS $SCRATCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
}

# Both APIs over local HTTP (`market serve-apis`: each request becomes the Function URL event the
# Lambda handler gets), in the background until ready: `start_local_apis <market port>
# <inventory port> <max secs> <log file>`. `stop_local_apis` (from the EXIT trap) stops them.
start_local_apis() {
  "$BIN_DIR/market" serve-apis --market-addr "127.0.0.1:$1" --inventory-addr "127.0.0.1:$2" \
    --max-secs "$3" >"$4" 2>&1 &
  LOCAL_APIS_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$2/v1/status" 2>/dev/null && return 0
    sleep 0.1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$2/v1/status"
}
stop_local_apis() {
  [ -n "${LOCAL_APIS_PID:-}" ] || return 0
  kill "$LOCAL_APIS_PID" 2>/dev/null || true
  wait "$LOCAL_APIS_PID" 2>/dev/null || true
}
