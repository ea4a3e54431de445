#!/usr/bin/env bash
# Fixed-rate (open-loop) HTTP load benchmark of the Touchstone demo, on SQLite, PostgreSQL or both.
#
#   bash bench/run.sh [sqlite|postgres|both]      (default: both)
#
# For each engine: builds the release binary, seeds the Jiangxi demo into a fresh data directory
# (and, for PostgreSQL, a fresh database), signs in, creates API tokens, then drives each scenario
# with oha at a fixed request rate: a warm-up, then the measured run. Raw oha JSON, the server log
# and the machine's state go to bench/results/<date>-<engine>/; summary.json there holds the
# figures that BENCHMARKS.md quotes.
#
# Environment (all optional):
#   DURATION=30s WARMUP=5s SIGNIN_DURATION=20s   measured and warm-up windows
#   READ_RATE=200 WRITE_RATE=50 SIGNIN_RATE=5    requests per second
#   PG_URL=postgres://postgres@127.0.0.1:55432/postgres   an existing server to create the database in;
#       when unset, 127.0.0.1:$PG_PROBE_PORT (default 55432) is used if it answers, else a throwaway
#       server is started on 55440 (initdb into a temp directory as user postgres) and stopped after.
#   CARGO_BUILD_JOBS=1                            (default 1: the machine has 2 cores)
#   SKIP_BUILD=1                                  use the binary as it is
#   BENCH_REF=HEAD   measure a clean export of this commit (built into target/bench) rather than
#                    the working tree, which may hold someone's unfinished work
#   IDLE_WAIT=60   before each scenario, wait up to this many seconds for the machine to be quiet
#                  (other work below 25 % of one core); the figures record whether it was
set -euo pipefail
shopt -s inherit_errexit

ENGINES="${1:-both}"
case "$ENGINES" in
    sqlite | postgres) ;;
    both) ENGINES="sqlite postgres" ;;
    *)
        echo "usage: $0 [sqlite|postgres|both]" >&2
        exit 64
        ;;
esac

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
BIN="$ROOT/target/release/touchstone"
DURATION="${DURATION:-30s}"
WARMUP="${WARMUP:-5s}"
SIGNIN_DURATION="${SIGNIN_DURATION:-20s}"
READ_RATE="${READ_RATE:-200}"
WRITE_RATE="${WRITE_RATE:-50}"
SIGNIN_RATE="${SIGNIN_RATE:-5}"
IDLE_WAIT="${IDLE_WAIT:-60}"
PASSWORD="Touchstone#2026" # the demo's password (crates/app/src/demo.rs)
DATE="$(date -u +%Y-%m-%d)"

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

bash "$BENCH/setup.sh" >/dev/null
OHA_VERSION="$(oha --version)"

if [[ -n "${BENCH_REF:-}" ]]; then
    # A clean export of one commit, built in its own target directory (seeded from
    # target/release so that only the workspace's own crates compile).
    COMMIT="$(git -C "$ROOT" rev-parse --short "$BENCH_REF")"
    SRC="/tmp/touchstone-bench-src-$COMMIT"
    export CARGO_TARGET_DIR="$ROOT/target/bench"
    BIN="$CARGO_TARGET_DIR/release/touchstone"
    if [[ ! -d "$CARGO_TARGET_DIR/release" && -d "$ROOT/target/release" ]]; then
        mkdir -p "$CARGO_TARGET_DIR"
        cp -a "$ROOT/target/release" "$CARGO_TARGET_DIR/release"
    fi
    rm -rf "$SRC"
    mkdir -p "$SRC"
    git -C "$ROOT" archive "$BENCH_REF" | tar -x -C "$SRC"
    BUILD_DIR="$SRC"
else
    # The working tree as it is; "-dirty" when tracked source differs from HEAD (bench/ aside).
    COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
    git -C "$ROOT" diff --quiet HEAD -- . ':!bench' ':!BENCHMARKS.md' || COMMIT="$COMMIT-dirty"
    BUILD_DIR="$ROOT"
fi
if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building the release binary of $COMMIT (nice, CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1})"
    (cd "$BUILD_DIR" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" nice -n 10 cargo build --release --quiet)
fi
[[ -x "$BIN" ]] || die "$BIN is missing"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- PostgreSQL
OWN_PG_DIR=""
OWN_PG_PORT=55440
PG_PROBE_PORT="${PG_PROBE_PORT:-55432}"
stop_own_pg() {
    if [[ -n "$OWN_PG_DIR" ]]; then
        log "stopping the throwaway PostgreSQL in $OWN_PG_DIR"
        su postgres -c "pg_ctl -D '$OWN_PG_DIR/data' -m fast stop" >/dev/null 2>&1 || true
        rm -rf "$OWN_PG_DIR"
        OWN_PG_DIR=""
    fi
}

pg_server() { # sets PG_HOST and PG_PORT to a PostgreSQL server to use (no subshell: it may start one)
    if [[ -n "${PG_URL:-}" ]]; then
        read -r PG_HOST PG_PORT < <(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 5432)' "$PG_URL")
        return
    fi
    PG_HOST=127.0.0.1
    if pg_isready -q -h 127.0.0.1 -p "$PG_PROBE_PORT" 2>/dev/null; then
        PG_PORT="$PG_PROBE_PORT"
        return
    fi
    PG_PORT="$OWN_PG_PORT"
    if ! pg_isready -q -h 127.0.0.1 -p "$OWN_PG_PORT" 2>/dev/null; then
        command -v initdb >/dev/null || PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin | tail -1)"
        OWN_PG_DIR="$(mktemp -d /tmp/touchstone-bench-pg.XXXXXX)"
        chown postgres "$OWN_PG_DIR"
        log "starting a throwaway PostgreSQL on 127.0.0.1:$OWN_PG_PORT in $OWN_PG_DIR"
        su postgres -c "initdb -D '$OWN_PG_DIR/data' -U postgres -A trust >/dev/null"
        su postgres -c "pg_ctl -D '$OWN_PG_DIR/data' -l '$OWN_PG_DIR/log' -w -o \"-h 127.0.0.1 -p $OWN_PG_PORT -k $OWN_PG_DIR\" start" >/dev/null
    fi
}

# ---------------------------------------------------------------- server
SERVER_PID=""
DATA_DIR=""
PG_DB=""
PG_HOST=""
PG_PORT=""
PG_PROCS=""
cleanup_engine() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
    if [[ -n "$PG_DB" ]]; then
        psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
        PG_DB=""
        PG_PROCS=""
    fi
    if [[ -n "$DATA_DIR" ]]; then
        rm -rf "$DATA_DIR"
        DATA_DIR=""
    fi
}
trap 'cleanup_engine; stop_own_pg; [[ -z "${SRC:-}" ]] || rm -rf "$SRC"' EXIT
trap 'exit 130' INT TERM

# sign_in USER -> prints the session cookie value
sign_in() {
    local user="$1" headers body
    headers="$(mktemp)"
    body="$(curl -sS --fail-with-body -D "$headers" -H 'Content-Type: application/json' -H "Origin: $BASE" \
        -d "{\"username\":\"$user\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/sign-in")" ||
        die "sign-in as $user failed: $body"
    [[ "$(jq -r .next <<<"$body")" == "done" ]] || die "sign-in as $user needs more than a password: $body"
    sed -n 's/^[Ss]et-[Cc]ookie: ts_session=\([^;]*\);.*/\1/p' "$headers" | tr -d '\r'
    rm -f "$headers"
}

# api_token USER -> prints the secret of a new API token
api_token() {
    local user="$1" cookie body
    cookie="$(sign_in "$user")"
    [[ -n "$cookie" ]] || die "no session cookie for $user"
    body="$(curl -sS --fail-with-body -H 'Content-Type: application/json' -H "Origin: $BASE" \
        -H "Cookie: ts_session=$cookie" -d '{"name":"bench"}' "$BASE/api/v1/me/tokens")" ||
        die "creating a token for $user failed: $body"
    jq -er .secret <<<"$body"
}

snapshot() { # machine state, appended to machine.txt
    {
        echo "== $1 $(date -u +%FT%TZ)"
        uptime
        ps -eo pid,pcpu,rss,etime,comm --sort=-pcpu | head -8
    } >>"$OUT/machine.txt"
}

# scenario NAME RATE DURATION URL [oha args…]: warm-up, then the measured run
scenario() {
    local name="$1" rate="$2" duration="$3" url="$4"
    shift 4
    local common=(--no-tui --output-format json -q "$rate" --latency-correction -w -c 50 --worker-threads 1 "$@" "$url")
    local quiet
    quiet="$(python3 "$BENCH/cpu.py" wait "$IDLE_WAIT")"
    echo "$name $quiet" >>"$OUT/idle-wait.txt"
    log "$name: waited for a quiet machine: $quiet"
    log "$name: warm-up $WARMUP at $rate req/s"
    oha -z "$WARMUP" -o "$OUT/$name.warmup.json" "${common[@]}"
    snapshot "$name"
    log "$name: measuring $duration at $rate req/s"
    # CPU over the measured window (less a second at each end): the server's and the machine's.
    local secs="${duration%s}"
    (sleep 1 && python3 "$BENCH/cpu.py" "$SERVER_PID" "$((secs > 3 ? secs - 2 : 1))" $PG_PROCS >"$OUT/$name.cpu.json") &
    local sampler=$!
    oha -z "$duration" -o "$OUT/$name.json" "${common[@]}"
    wait "$sampler"
    echo "$name $rate $duration" >>"$OUT/scenarios.txt"
}

run_engine() {
    local engine="$1"
    OUT="$BENCH/results/$DATE-$engine"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    DATA_DIR="$(mktemp -d /tmp/touchstone-bench-data.XXXXXX)"
    local port db_args=()
    port="$(free_port)"
    BASE="http://127.0.0.1:$port"
    if [[ "$engine" == postgres ]]; then
        pg_server
        PG_DB="bench_$(date -u +%Y%m%d%H%M%S)_$$"
        psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null ||
            die "could not create database $PG_DB on $PG_HOST:$PG_PORT"
        db_args=(--db "postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB")
        # So that cpu.py counts this database's backends and the server's helpers, nothing else.
        local pg_data
        pg_data="$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atc 'SHOW data_directory')"
        PG_PROCS="$PG_DB:$(head -1 "$pg_data/postmaster.pid" 2>/dev/null || echo 0)"
        psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atc 'SELECT version()' >"$OUT/postgres-version.txt"
        psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atc "SELECT name || ' = ' || current_setting(name)
            FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections')" \
            >>"$OUT/postgres-version.txt"
    fi
    : >"$OUT/machine.txt"
    : >"$OUT/scenarios.txt"
    snapshot "start"

    log "$engine: seeding the demo and serving at $BASE"
    local t0
    t0="$(date +%s.%N)"
    # The server's default log level (info: one line per request, here as JSON), so the logging
    # cost is counted; the JSON lets summarise.py count status codes as the server saw them.
    LOG_FORMAT=json "$BIN" demo --data "$DATA_DIR" --bind "127.0.0.1:$port" "${db_args[@]}" >"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -20 "$OUT/server.log")"
        sleep 0.2
    done
    curl -sf "$BASE/readyz" >/dev/null || die "the server is not ready"
    local seed_seconds
    seed_seconds="$(python3 -c "import time; print(round(time.time()-$t0, 1))")"
    grep -q '^account: ncx.officer ' "$OUT/server.log" || die "the demo did not print ncx.officer"

    local tok_ncx tok_jx ck_jx users_total
    tok_ncx="$(api_token ncx.officer)"
    tok_jx="$(api_token jx.officer)"
    ck_jx="$(sign_in jx.officer)"
    [[ -n "$ck_jx" ]] || die "no session cookie for jx.officer"
    users_total="$(curl -sf -H "Authorization: Bearer $tok_jx" "$BASE/api/v1/users?per_page=50" | jq .total)"
    log "jx.officer sees $users_total users"

    scenario healthz "$READ_RATE" "$DURATION" "$BASE/healthz"
    scenario me "$READ_RATE" "$DURATION" "$BASE/api/v1/me" -H "Authorization: Bearer $tok_ncx"
    scenario users "$READ_RATE" "$DURATION" "$BASE/api/v1/users?per_page=50" -H "Authorization: Bearer $tok_jx"
    scenario page_users "$READ_RATE" "$DURATION" "$BASE/admin/users" -H "Cookie: ts_session=$ck_jx"
    scenario token_create "$WRITE_RATE" "$DURATION" "$BASE/api/v1/me/tokens" \
        -m POST -T application/json -d '{"name":"bench"}' -H "Authorization: Bearer $tok_ncx"
    scenario sign_in "$SIGNIN_RATE" "$SIGNIN_DURATION" "$BASE/api/v1/auth/sign-in" \
        -m POST -T application/json -H "Origin: $BASE" -d "{\"username\":\"ncx.officer\",\"password\":\"$PASSWORD\"}"
    snapshot "end"

    # The audit chain after the concurrent writes.
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    log "$engine: verifying the audit chain"
    "$BIN" audit verify --data "$DATA_DIR" "${db_args[@]}" >"$OUT/audit-verify.txt" 2>&1 &&
        echo "exit 0" >>"$OUT/audit-verify.txt" || echo "exit $?" >>"$OUT/audit-verify.txt"

    python3 "$BENCH/summarise.py" "$OUT" --engine "$engine" --oha "$OHA_VERSION" \
        --commit "$COMMIT" --seed-seconds "$seed_seconds" \
        --users-visible "$users_total" --warmup "$WARMUP" >"$OUT/summary.json"
    gzip -f "$OUT/server.log"
    cleanup_engine
    python3 "$BENCH/summarise.py" table "$OUT/summary.json"
}

for engine in $ENGINES; do
    run_engine "$engine"
done
stop_own_pg
