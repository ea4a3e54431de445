#!/usr/bin/env bash
# The ledger benchmark (issue 4): the enterprise file page, search and filtered list pages over a
# province-sized ledger, at a fixed request rate, on SQLite, PostgreSQL or both.
#
#   bash bench/ledger.sh [sqlite|postgres|both]      (default: both)
#
# For each engine, in a fresh data directory (and, for PostgreSQL, a fresh database):
#   1. `touchstone demo` seeds the demo's users and 3,000 enterprises; stopped once it serves;
#   2. `touchstone generate --province 360000 --enterprises 100000 --seed 11` adds 100,000
#      enterprises with their certificates and status history (through the application);
#   3. BENCH FILLER: one set-based INSERT adds rows to enterprise_changes (the per-enterprise
#      change history) until certificates + certificate status history + attachments + enterprise
#      changes + record changes reach $HISTORY_ROWS (1,000,000). These rows are not application
#      data: they are labelled actor 'bench-filler' and exist only to give the file page and the
#      tables the issue's size;
#   4. `touchstone serve`; signs in as jx.officer (province officer of Jiangxi), makes an API token;
#   5. builds the URL lists from the database (bench/ledger.py, deterministic for a given database
#      and $URL_SEED) and drives each scenario with oha at $RATE req/s: warm-up, then $DURATION;
#   6. probes every distinct search and list URL once, one at a time (which kind of query is
#      slow), and on PostgreSQL groups the server's log of slow statements by their text;
#   7. writes bench/results/<date>-ledger-<engine>/summary.json (bench/summarise.py).
#
# Environment (all optional), besides those of bench/lib.sh (BENCH_REF, BENCH_TARGET, BIN,
# SKIP_BUILD, CARGO_BUILD_JOBS, PG_URL, PG_PROBE_PORT, PG_OWN, IDLE_WAIT, WARMUP):
#   RATE=200 DURATION=30s          request rate and measured window of every scenario
#   ENTERPRISES=100000 GEN_SEED=11  the generated province
#   HISTORY_ROWS=1000000           certificate/history/attachment rows to reach with the filler
#   URL_SEED=4                     seed of the URL lists
#   KEEP_DB=1                      leave the data directory / database in place (printed)
#   SUFFIX=-x                      results into bench/results/<date>-ledger-<engine>-x
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
parse_engines "${1:-both}"

RATE="${RATE:-200}"
DURATION="${DURATION:-30s}"
ENTERPRISES="${ENTERPRISES:-100000}"
GEN_SEED="${GEN_SEED:-11}"
HISTORY_ROWS="${HISTORY_ROWS:-1000000}"
URL_SEED="${URL_SEED:-4}"
PROVINCE=360000
OFFICER=jx.officer # province officer of Jiangxi (360000)

bench_setup
bench_binary
bench_traps

# The tables of the enterprise file, counted before and after the filler.
TABLES="enterprises enterprise_contacts enterprise_categories enterprise_search certificates
certificate_status_history attachments enterprise_changes record_changes products audit_entries"
# The ones the issue counts as "certificate / history / attachment rows".
HISTORY_TABLES="certificates certificate_status_history attachments enterprise_changes record_changes"

# sql ENGINE STATEMENT… -> runs SQL on the benchmark database, tab-separated rows out
sql() {
    local engine="$1"
    shift
    if [[ "$engine" == sqlite ]]; then
        sqlite3 -bail -separator $'\t' "$DATA_DIR/touchstone.db" "$@"
    else
        local s
        for s in "$@"; do pg -d "$PG_DB" -At -F $'\t' -c "$s"; done
    fi
}

count_rows() { # count_rows ENGINE -> "table<TAB>rows" lines
    local engine="$1" t
    for t in $TABLES; do
        printf '%s\t%s\n' "$t" "$(sql "$engine" "SELECT COUNT(*) FROM $t")"
    done
}

# The filler (step 3): enough history rows per enterprise, every enterprise alike, in one
# set-based statement. The JSON is a change of `industrial_park`, so the file page shows each
# row as a one-field diff like a real import's.
filler() {
    local engine="$1" per="$2"
    if [[ "$engine" == sqlite ]]; then
        # SQLite stores UUIDs as 16-byte blobs (sqlx).
        sql sqlite "/* bench filler: not application data */
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $per)
INSERT INTO enterprise_changes (id, enterprise_id, at, actor_name, action, before_json, after_json, job_id)
SELECT randomblob(16), e.id, e.created_at - n.i * 86400000000, 'bench-filler', 'enterprise.import',
       json_object('industrial_park', 'bench filler ' || (n.i - 1)), json_object('industrial_park', 'bench filler ' || n.i), NULL
FROM enterprises e CROSS JOIN n"
    else
        sql postgres "/* bench filler: not application data */
INSERT INTO enterprise_changes (id, enterprise_id, at, actor_name, action, before_json, after_json, job_id)
SELECT gen_random_uuid(), e.id, e.created_at - n.i * 86400000000, 'bench-filler', 'enterprise.import',
       json_build_object('industrial_park', 'bench filler ' || (n.i - 1))::text,
       json_build_object('industrial_park', 'bench filler ' || n.i)::text, NULL
FROM enterprises e CROSS JOIN generate_series(1, $per) AS n(i)"
    fi
}

seconds_since() { python3 -c "import time; print(round(time.time() - $1, 1))"; }

run_engine() {
    local engine="$1"
    OUT="$BENCH/results/$DATE-ledger-$engine${SUFFIX:-}"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    DATA_DIR="$(mktemp -d /tmp/touchstone-bench-ledger.XXXXXX)"
    local port db
    port="$(free_port)"
    BASE="http://127.0.0.1:$port"
    if [[ "$engine" == postgres ]]; then
        pg_server
        pg_create_db ledger
        db="$(pg_url)"
        pg_describe >"$OUT/postgres-version.txt"
    else
        db="sqlite:$DATA_DIR/touchstone.db"
    fi
    machine_describe >"$OUT/machine-info.txt"
    : >"$OUT/machine.txt"
    : >"$OUT/scenarios.txt"
    snapshot "start"
    local load="$OUT/load.txt"
    : >"$load"

    # 1. The demo: users and 3,000 enterprises.
    log "$engine: seeding the demo ($db)"
    local t0
    t0="$(date +%s.%N)"
    serve_start "$OUT/demo.log" demo --data "$DATA_DIR" --db "$db" --bind "127.0.0.1:$port"
    grep -q "^account: $OFFICER " "$OUT/demo.log" || die "the demo did not print $OFFICER"
    server_stop
    echo "demo: $(grep '^Enterprises:' "$OUT/demo.log") [$(seconds_since "$t0") s with start-up]" | tee -a "$load" >&2

    # 2. 100,000 generated enterprises with certificates and status history.
    log "$engine: generating $ENTERPRISES enterprises (seed $GEN_SEED)"
    t0="$(date +%s.%N)"
    "$BIN" generate --db "$db" --data "$DATA_DIR" --province "$PROVINCE" --enterprises "$ENTERPRISES" \
        --seed "$GEN_SEED" >"$OUT/generate.txt" 2>&1 || die "generate failed: $(tail -5 "$OUT/generate.txt")"
    echo "generate: $(tail -1 "$OUT/generate.txt") [$(seconds_since "$t0") s]" | tee -a "$load" >&2
    count_rows "$engine" >"$OUT/rows-before-filler.tsv"

    # 3. The filler.
    local n_ent have need per
    n_ent="$(sql "$engine" "SELECT COUNT(*) FROM enterprises")"
    have=0
    for t in $HISTORY_TABLES; do
        have=$((have + $(awk -F'\t' -v t="$t" '$1 == t {print $2}' "$OUT/rows-before-filler.tsv")))
    done
    need=$((HISTORY_ROWS - have))
    per=0
    ((need <= 0)) || per=$(((need + n_ent - 1) / n_ent))
    if ((per > 0)); then
        log "$engine: BENCH FILLER: $per enterprise_changes rows for each of $n_ent enterprises ($have rows before)"
        t0="$(date +%s.%N)"
        filler "$engine" "$per"
        echo "bench filler: $per enterprise_changes rows per enterprise, $((per * n_ent)) in all [$(seconds_since "$t0") s]" | tee -a "$load" >&2
    fi
    if [[ "$engine" == postgres ]]; then
        # What autovacuum does on its own shortly after a bulk insert; done here so that the plans
        # do not change during the measurement. (SQLite: nothing — the application never runs
        # ANALYZE, so its planner has no statistics in production either.)
        t0="$(date +%s.%N)"
        pg -d "$PG_DB" -c "VACUUM ANALYZE" >/dev/null
        echo "VACUUM ANALYZE [$(seconds_since "$t0") s]" | tee -a "$load" >&2
    fi
    count_rows "$engine" >"$OUT/rows.tsv"
    local size
    if [[ "$engine" == sqlite ]]; then
        sqlite3 "$DATA_DIR/touchstone.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
        size="$(stat -c %s "$DATA_DIR/touchstone.db")"
    else
        size="$(pg -d "$PG_DB" -Atc "SELECT pg_database_size(current_database())")"
    fi
    echo "database size: $size bytes" | tee -a "$load" >&2

    if [[ "$engine" == postgres && -n "$OWN_PG_DIR" ]]; then
        # The throwaway server logs every statement of this database slower than PG_SLOW_MS, with
        # its parameters: slow-statements.txt says which statements the slow requests ran.
        pg -d postgres -c "ALTER DATABASE $PG_DB SET log_min_duration_statement = ${PG_SLOW_MS:-100}" >/dev/null
        PG_LOG_START="$(stat -c %s "$OWN_PG_DIR/log")"
    fi

    # 4. Serve; a session and a token for the province officer.
    log "$engine: serving at $BASE"
    serve_start "$OUT/server.log" serve --data "$DATA_DIR" --db "$db" --bind "127.0.0.1:$port"
    local token cookie
    token="$(api_token "$OFFICER")"
    cookie="$(sign_in "$OFFICER")"
    [[ -n "$cookie" ]] || die "no session cookie for $OFFICER"
    local visible
    visible="$(curl -sf -H "Authorization: Bearer $token" "$BASE/api/v1/enterprises?per_page=1" | jq .total)"
    log "$OFFICER sees $visible enterprises"

    # 5. URL lists from the database.
    local dump
    dump="$(mktemp -d)"
    if [[ "$engine" == sqlite ]]; then
        sql sqlite "SELECT lower(hex(id)), uscc, name, legal_representative, region_code FROM enterprises ORDER BY uscc" >"$dump/enterprises.tsv"
    else
        sql postgres "SELECT id, uscc, name, legal_representative, region_code FROM enterprises ORDER BY uscc" >"$dump/enterprises.tsv"
    fi
    sql "$engine" "SELECT category_code, COUNT(*) FROM enterprise_categories GROUP BY category_code ORDER BY category_code" >"$dump/categories.tsv"
    git -C "$ROOT" show "${BENCH_REF:-HEAD}:crates/domain/data/regions.tsv" >"$dump/regions.tsv"
    python3 "$BENCH/ledger.py" urls "$dump" "$BASE" "$URL_SEED" "$OUT"
    log "$engine: $(wc -l <"$OUT/urls-file.txt") file pages, $(wc -l <"$OUT/urls-search-api.txt") searches, $(wc -l <"$OUT/urls-list.txt") list pages"

    # The scenarios: the framework floor first, then the three the issue sets targets for.
    local auth=(-H "Authorization: Bearer $token") page=(-H "Cookie: ts_session=$cookie")
    scenario healthz "$RATE" "$DURATION" "$BASE/healthz"
    scenario file "$RATE" "$DURATION" "$OUT/urls-file.txt" --urls-from-file "${page[@]}"
    scenario search_api "$RATE" "$DURATION" "$OUT/urls-search-api.txt" --urls-from-file "${auth[@]}"
    scenario search_page "$RATE" "$DURATION" "$OUT/urls-search-page.txt" --urls-from-file "${page[@]}"
    scenario list "$RATE" "$DURATION" "$OUT/urls-list.txt" --urls-from-file "${page[@]}"
    snapshot "end"

    # 6. Which queries are slow: every distinct search and list request once, through the API
    #    (same store query as the pages, and it reports the total), one at a time.
    log "$engine: probing each search and list query once"
    python3 "$BENCH/ledger.py" probe "$OUT/urls-search-api.txt" "Authorization: Bearer $token" \
        "$OUT/probe-search.tsv" "$OUT/search-queries.tsv"
    sed "s#^$BASE/enterprises?#$BASE/api/v1/enterprises?#" "$OUT/urls-list.txt" >"$dump/list-api.txt"
    python3 "$BENCH/ledger.py" probe "$dump/list-api.txt" "Authorization: Bearer $token" \
        "$OUT/probe-list.tsv" "$OUT/list-queries.tsv"
    head -300 "$OUT/urls-file.txt" >"$dump/file-300.txt"
    python3 "$BENCH/ledger.py" probe "$dump/file-300.txt" "Cookie: ts_session=$cookie" "$OUT/probe-file.tsv"
    server_stop
    if [[ "$engine" == postgres && -n "$OWN_PG_DIR" ]]; then
        tail -c +"$((PG_LOG_START + 1))" "$OWN_PG_DIR/log" >"$dump/pg.log"
        python3 "$BENCH/ledger.py" slowlog "$dump/pg.log" "${PG_SLOW_MS:-100}" >"$OUT/slow-statements.txt"
    fi

    rm -rf "$dump"

    python3 - "$OUT" "$ENTERPRISES" "$GEN_SEED" "$HISTORY_ROWS" "$per" "$visible" "$HISTORY_TABLES" >"$OUT/ledger.json" <<'EOF'
import json, sys
out, ents, seed, target, per, visible, hist = sys.argv[1:8]
rows = dict(l.split("\t") for l in open(out + "/rows.tsv").read().split("\n") if l)
before = dict(l.split("\t") for l in open(out + "/rows-before-filler.tsv").read().split("\n") if l)
hist = hist.split()
json.dump({
    "generated_enterprises": int(ents), "generator_seed": int(seed),
    "rows_before_filler": {k: int(v) for k, v in before.items()},
    "rows": {k: int(v) for k, v in rows.items()},
    "history_rows_total": sum(int(rows[t]) for t in hist),
    "history_rows_target": int(target),
    "bench_filler_rows": int(rows["enterprise_changes"]) - int(before["enterprise_changes"]),
    "bench_filler_per_enterprise": int(per),
    "enterprises_visible_to_jx_officer": int(visible),
    "load": open(out + "/load.txt").read().splitlines(),
    "targets_p99_ms": {"file": 50, "search_api": 100, "search_page": 100, "list": 100},
}, sys.stdout, indent=2, ensure_ascii=False)
EOF
    finish_engine "$engine" --extra "$OUT/ledger.json"
}

for engine in $ENGINES; do
    run_engine "$engine"
done
stop_own_pg
