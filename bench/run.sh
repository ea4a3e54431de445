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
#   and those of bench/lib.sh (shared with ledger.sh and import.sh): BENCH_REF, BENCH_TARGET, BIN,
#   SKIP_BUILD, CARGO_BUILD_JOBS, PG_URL, PG_PROBE_PORT, PG_OWN, IDLE_WAIT, WARMUP.
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
parse_engines "${1:-both}"

DURATION="${DURATION:-30s}"
SIGNIN_DURATION="${SIGNIN_DURATION:-20s}"
READ_RATE="${READ_RATE:-200}"
WRITE_RATE="${WRITE_RATE:-50}"
SIGNIN_RATE="${SIGNIN_RATE:-5}"

bench_setup
bench_binary
bench_traps

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
        pg_create_db bench
        db_args=(--db "$(pg_url)")
        pg_describe >"$OUT/postgres-version.txt"
    fi
    : >"$OUT/machine.txt"
    : >"$OUT/scenarios.txt"
    snapshot "start"

    log "$engine: seeding the demo and serving at $BASE"
    local t0
    t0="$(date +%s.%N)"
    serve_start "$OUT/server.log" demo --data "$DATA_DIR" --bind "127.0.0.1:$port" "${db_args[@]}"
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
    server_stop
    log "$engine: verifying the audit chain"
    "$BIN" audit verify --data "$DATA_DIR" "${db_args[@]}" >"$OUT/audit-verify.txt" 2>&1 &&
        echo "exit 0" >>"$OUT/audit-verify.txt" || echo "exit $?" >>"$OUT/audit-verify.txt"

    finish_engine "$engine" --seed-seconds "$seed_seconds" --users-visible "$users_total"
}

for engine in $ENGINES; do
    run_engine "$engine"
done
stop_own_pg
