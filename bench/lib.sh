# Shared parts of the benchmarks (bench/run.sh, bench/ledger.sh, bench/import.sh): sourced, not run.
#
# Each rule lives here once: which binary is measured and how it is built, where PostgreSQL comes
# from, how the server is started and stopped, how a user signs in and gets a token, the wait for a
# quiet machine, and how one fixed-rate scenario is driven with oha.
#
# Environment understood by every script that sources this file (all optional):
#   BENCH_REF=HEAD   measure a clean `git archive` export of this commit, built in its own target
#                    directory ($BENCH_TARGET, default target/bench), rather than the working tree,
#                    which may hold someone's unfinished work
#   BENCH_TARGET=DIR cargo target directory for a BENCH_REF build (default $ROOT/target/bench; seeded
#                    from target/release when it does not exist yet, so only the workspace compiles)
#   BIN=PATH         measure this binary as it is, without building (e.g. a release build made
#                    earlier from the same commit); with BENCH_REF the figures name that commit,
#                    without it the commit is recorded as "unknown"
#   SKIP_BUILD=1     use the binary where the build would have put it, as it is
#   CARGO_BUILD_JOBS=1                             (default 1: the machine has 2 cores)
#   PG_URL=postgres://postgres@127.0.0.1:55432/postgres   an existing server to create databases in;
#       when unset, 127.0.0.1:$PG_PROBE_PORT (default 55432) is used if it answers, else (or always
#       with PG_OWN=1) a throwaway server is initdb'd into a temp directory on $PG_OWN_PORT (55440)
#       with PostgreSQL's default settings, and stopped afterwards
#   IDLE_WAIT=60     before each scenario, wait up to this many seconds for the machine to be quiet
#                    (other work below 25 % of one core); the figures record whether it was
#   WARMUP=5s        warm-up before each measured window (discarded)
#
# The caller sets `set -euo pipefail` and `shopt -s inherit_errexit` before sourcing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
IDLE_WAIT="${IDLE_WAIT:-60}"
WARMUP="${WARMUP:-5s}"
PASSWORD="Touchstone#2026" # the demo's password (crates/app/src/demo.rs)
DATE="$(date -u +%Y-%m-%d)"

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# parse_engines ARG -> sets ENGINES ("sqlite", "postgres" or both)
parse_engines() {
    ENGINES="${1:-both}"
    case "$ENGINES" in
        sqlite | postgres) ;;
        both) ENGINES="sqlite postgres" ;;
        *)
            echo "usage: $0 [sqlite|postgres|both]" >&2
            exit 64
            ;;
    esac
}

bench_setup() { # oha and the small tools; sets OHA_VERSION
    bash "$BENCH/setup.sh" >/dev/null
    OHA_VERSION="$(oha --version)"
}

# ---------------------------------------------------------------- the binary
# bench_binary -> sets BIN (the touchstone binary to measure) and COMMIT (what it was built from)
SRC=""
bench_binary() {
    local build_dir=""
    if [[ -n "${BIN:-}" ]]; then
        # A binary given as it is (built earlier, e.g. from a worktree of the same commit).
        [[ -x "$BIN" ]] || die "BIN=$BIN is not an executable"
        if [[ -n "${BENCH_REF:-}" ]]; then
            COMMIT="$(git -C "$ROOT" rev-parse --short "$BENCH_REF")"
        else
            COMMIT="unknown"
        fi
        log "measuring $BIN as it is (commit: $COMMIT, not rebuilt)"
        return
    fi
    if [[ -n "${BENCH_REF:-}" ]]; then
        # A clean export of one commit, built in its own target directory (seeded from
        # target/release so that only the workspace's own crates compile). The export keeps the
        # commit's timestamps, so exporting the same commit again does not rebuild it.
        COMMIT="$(git -C "$ROOT" rev-parse --short "$BENCH_REF")"
        SRC="/tmp/touchstone-bench-src-$COMMIT"
        export CARGO_TARGET_DIR="${BENCH_TARGET:-$ROOT/target/bench}"
        BIN="$CARGO_TARGET_DIR/release/touchstone"
        if [[ ! -d "$CARGO_TARGET_DIR/release" && -d "$ROOT/target/release" ]]; then
            mkdir -p "$CARGO_TARGET_DIR"
            cp -a "$ROOT/target/release" "$CARGO_TARGET_DIR/release"
        fi
        rm -rf "$SRC"
        mkdir -p "$SRC"
        git -C "$ROOT" archive "$BENCH_REF" | tar -x -C "$SRC"
        build_dir="$SRC"
    else
        # The working tree as it is; "-dirty" when tracked source differs from HEAD (bench/ aside).
        COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
        git -C "$ROOT" diff --quiet HEAD -- . ':!bench' ':!BENCHMARKS.md' || COMMIT="$COMMIT-dirty"
        BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/touchstone"
        build_dir="$ROOT"
    fi
    if [[ -z "${SKIP_BUILD:-}" ]]; then
        log "building the release binary of $COMMIT (nice, CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1})"
        (cd "$build_dir" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" nice -n 10 cargo build --release --quiet)
    fi
    [[ -x "$BIN" ]] || die "$BIN is missing"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- PostgreSQL
OWN_PG_DIR=""
PG_OWN_PORT="${PG_OWN_PORT:-55440}"
PG_PROBE_PORT="${PG_PROBE_PORT:-55432}"
PG_HOST=""
PG_PORT=""
PG_DB=""
PG_PROCS=""

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
    if [[ -z "${PG_OWN:-}" ]] && pg_isready -q -h 127.0.0.1 -p "$PG_PROBE_PORT" 2>/dev/null; then
        PG_PORT="$PG_PROBE_PORT"
        return
    fi
    PG_PORT="$PG_OWN_PORT"
    if ! pg_isready -q -h 127.0.0.1 -p "$PG_OWN_PORT" 2>/dev/null; then
        command -v initdb >/dev/null || PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin | tail -1)"
        OWN_PG_DIR="$(mktemp -d /tmp/touchstone-bench-pg.XXXXXX)"
        chown postgres "$OWN_PG_DIR"
        log "starting a throwaway PostgreSQL on 127.0.0.1:$PG_OWN_PORT in $OWN_PG_DIR"
        su postgres -c "initdb -D '$OWN_PG_DIR/data' -U postgres -A trust >/dev/null"
        su postgres -c "pg_ctl -D '$OWN_PG_DIR/data' -l '$OWN_PG_DIR/log' -w -o \"-h 127.0.0.1 -p $PG_OWN_PORT -k $OWN_PG_DIR\" start" >/dev/null
    fi
}

pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"; }

# pg_create_db PREFIX -> creates a fresh database, sets PG_DB and PG_PROCS (for cpu.py)
pg_create_db() {
    PG_DB="${1}_$(date -u +%Y%m%d%H%M%S)_$$"
    pg -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null || die "could not create database $PG_DB on $PG_HOST:$PG_PORT"
    # So that cpu.py counts this database's backends and the server's helpers, nothing else.
    local pg_data
    pg_data="$(pg -d postgres -Atc 'SHOW data_directory')"
    PG_PROCS="$PG_DB:$(head -1 "$pg_data/postmaster.pid" 2>/dev/null || echo 0)"
}

pg_drop_db() {
    if [[ -n "$PG_DB" ]]; then
        pg -d postgres -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
        PG_DB=""
        PG_PROCS=""
    fi
}

pg_url() { echo "postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB"; }

pg_describe() { # version and the settings that matter, for the record
    pg -d postgres -Atc 'SELECT version()'
    pg -d postgres -Atc "SELECT name || ' = ' || current_setting(name) FROM pg_settings
        WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'work_mem', 'max_connections')"
    echo "server: $PG_HOST:$PG_PORT ($([[ -n "$OWN_PG_DIR" ]] && echo "throwaway, started by the benchmark" || echo "existing"))"
}

# ---------------------------------------------------------------- the server
SERVER_PID=""
DATA_DIR=""

# serve_start LOGFILE ARGS… : starts "$BIN" ARGS… (demo or serve) in the background with the
# default log level as JSON, waits until it answers /readyz; sets SERVER_PID. BASE must be set.
serve_start() {
    local logfile="$1"
    shift
    # The server's default log level (info: one line per request, here as JSON), so the logging
    # cost is counted; the JSON lets summarise.py count status codes as the server saw them.
    LOG_FORMAT=json "$BIN" "$@" >"$logfile" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 3000); do
        curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -20 "$logfile")"
        sleep 0.2
    done
    curl -sf "$BASE/readyz" >/dev/null || die "the server is not ready"
}

server_stop() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}

cleanup_engine() {
    server_stop
    [[ -n "${KEEP_DB:-}" ]] || pg_drop_db
    if [[ -n "$DATA_DIR" && -z "${KEEP_DB:-}" ]]; then
        rm -rf "$DATA_DIR"
        DATA_DIR=""
    fi
}

# finish_engine ENGINE [summarise.py args…]: $OUT/summary.json, the server log compressed, the data
# directory and database kept (KEEP_DB=1, printed) or removed, and the summary's table printed.
finish_engine() {
    local engine="$1"
    shift
    python3 "$BENCH/summarise.py" "$OUT" --engine "$engine" --oha "$OHA_VERSION" --commit "$COMMIT" \
        --warmup "$WARMUP" "$@" >"$OUT/summary.json"
    gzip -f "$OUT/server.log"
    if [[ -n "${KEEP_DB:-}" ]]; then
        log "$engine: kept $DATA_DIR ${PG_DB:+and database $PG_DB}"
        DATA_DIR=""
        PG_DB=""
    fi
    cleanup_engine
    python3 "$BENCH/summarise.py" table "$OUT/summary.json"
}

bench_traps() {
    trap 'cleanup_engine; stop_own_pg; [[ -z "${SRC:-}" ]] || rm -rf "$SRC"' EXIT
    trap 'exit 130' INT TERM
}

# ---------------------------------------------------------------- signing in
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

# ---------------------------------------------------------------- measuring
snapshot() { # machine state, appended to $OUT/machine.txt
    {
        echo "== $1 $(date -u +%FT%TZ)"
        uptime
        ps -eo pid,pcpu,rss,etime,comm --sort=-pcpu | head -8
    } >>"$OUT/machine.txt"
}

machine_describe() { # the machine, for the record
    echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    echo "memory: $(free -g | awk '/Mem:/{print $2 " GiB total, " $7 " GiB available"}')"
    echo "kernel: $(uname -r)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "rustc: $(rustc --version 2>/dev/null || echo '?')"
    echo "sqlite3: $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
    echo "date: $(date -u +%FT%TZ)"
}

# scenario NAME RATE DURATION URL [oha args…]: waits for a quiet machine, warms up, then measures.
# URL is a file of URLs when the oha args include --urls-from-file (oha picks one at random per
# request). Writes $OUT/NAME.json (oha), $OUT/NAME.cpu.json, and appends to scenarios.txt and
# idle-wait.txt. Needs OUT, SERVER_PID and (PostgreSQL) PG_PROCS.
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
    # shellcheck disable=SC2086 # PG_PROCS is empty or one word
    (sleep 1 && python3 "$BENCH/cpu.py" "$SERVER_PID" "$((secs > 3 ? secs - 2 : 1))" $PG_PROCS >"$OUT/$name.cpu.json") &
    local sampler=$!
    oha -z "$duration" -o "$OUT/$name.json" "${common[@]}"
    wait "$sampler"
    echo "$name $rate $duration" >>"$OUT/scenarios.txt"
}
