#!/usr/bin/env bash
# The campaign benchmark (issue 5): the weekly statistics report and the hazard ledger over a
# generated province of 100,000 enterprises, ~1,000,000 inspections and ~2,000,000 hazards with
# their histories, on SQLite, PostgreSQL or both.
#
#   bash bench/campaign.sh [sqlite|postgres|both]      (default: both)
#
# For each engine, in a fresh data directory (and, for PostgreSQL, a fresh database):
#   1. `touchstone demo` seeds the demo's users (and its own small campaign); stopped once it serves;
#   2. `touchstone generate --province 360000 --enterprises $ENTERPRISES --seed $GEN_SEED
#      --campaign jiangxi-2022 --campaign-year $CAMPAIGN_YEAR --inspections-per-enterprise
#      $INSPECTIONS --findings-per-inspection $FINDINGS` adds the ledger, launches the campaign
#      and draws its self-inspections, inspections and hazards with every step of their history
#      (crates/app/src/generate_campaign.rs). Row counts go to rows.tsv;
#   2b. a server sweeping every second makes the escalations the generated history has due (see below);
#   3. `touchstone serve`; an API token and a session for jx.officer (the province);
#   4. the weekly report, one request at a time, $RUNS times per case — the province and one
#      county, a week in mid-campaign and cumulative — beside the hand-written SQL for the same
#      numbers run $RUNS times directly on the same database, and the numbers compared
#      (bench/campaign.py report → report.json; a difference fails the run);
#   5. the hazard ledger's filtered list, API and page, with oha at $RATE req/s (warm-up, then
#      $DURATION), then the first $PROBE URLs once each, one at a time (probe-hazards.tsv);
#   6. bench/results/<date>-campaign-<engine>/summary.json (bench/summarise.py).
#
# Environment (all optional), besides those of bench/lib.sh (BENCH_REF, BIN, SKIP_BUILD, PG_URL…):
#   ENTERPRISES=100000 GEN_SEED=11 CAMPAIGN_YEAR=2025 INSPECTIONS=15 FINDINGS=2
#   WEEK=2025-W22  CUMULATIVE_TO=2025-10-31  COUNTY=360121  RUNS=7
#   RATE=200 DURATION=30s  URL_SEED=4  PROBE=150  KEEP_DB=1  SUFFIX=-x
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
parse_engines "${1:-both}"

ENTERPRISES="${ENTERPRISES:-100000}"
GEN_SEED="${GEN_SEED:-11}"
CAMPAIGN_YEAR="${CAMPAIGN_YEAR:-2025}"
INSPECTIONS="${INSPECTIONS:-15}"
FINDINGS="${FINDINGS:-2}"
WEEK="${WEEK:-$CAMPAIGN_YEAR-W22}"
CUMULATIVE_TO="${CUMULATIVE_TO:-$CAMPAIGN_YEAR-10-31}"
COUNTY="${COUNTY:-360121}"
RUNS="${RUNS:-7}"
RATE="${RATE:-200}"
DURATION="${DURATION:-30s}"
URL_SEED="${URL_SEED:-4}"
PROBE="${PROBE:-150}"
PROVINCE=360000
OFFICER=jx.officer

bench_setup
bench_binary
bench_traps

TABLES="enterprises enterprise_categories self_inspections inspections hazards hazard_events audit_entries"

sql() { # sql ENGINE STATEMENT -> tab-separated rows
    if [[ "$1" == sqlite ]]; then
        sqlite3 -bail -separator $'\t' "$DATA_DIR/touchstone.db" "$2"
    else
        pg -d "$PG_DB" -At -F $'\t' -c "$2"
    fi
}

seconds_since() { python3 -c "import time; print(round(time.time() - $1, 1))"; }

run_engine() {
    local engine="$1"
    OUT="$BENCH/results/$DATE-campaign-$engine${SUFFIX:-}"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    DATA_DIR="$(mktemp -d /tmp/touchstone-bench-campaign.XXXXXX)"
    local port db db_shell
    port="$(free_port)"
    BASE="http://127.0.0.1:$port"
    if [[ "$engine" == postgres ]]; then
        pg_server
        pg_create_db campaign
        db="$(pg_url)"
        db_shell="$db"
        pg_describe >"$OUT/postgres-version.txt"
    else
        db="sqlite:$DATA_DIR/touchstone.db"
        db_shell="$DATA_DIR/touchstone.db"
    fi
    machine_describe >"$OUT/machine-info.txt"
    : >"$OUT/machine.txt"
    : >"$OUT/scenarios.txt"
    snapshot "start"
    local load="$OUT/load.txt" t0
    : >"$load"

    # 1. The demo's users.
    log "$engine: seeding the demo ($db)"
    t0="$(date +%s.%N)"
    serve_start "$OUT/demo.log" demo --data "$DATA_DIR" --db "$db" --bind "127.0.0.1:$port"
    server_stop
    echo "demo: $(grep '^Enterprises:' "$OUT/demo.log") [$(seconds_since "$t0") s with start-up]" | tee -a "$load" >&2

    # 2. The province and the campaign's activity.
    log "$engine: generating $ENTERPRISES enterprises and the campaign's activity"
    t0="$(date +%s.%N)"
    "$BIN" generate --db "$db" --data "$DATA_DIR" --province "$PROVINCE" --enterprises "$ENTERPRISES" \
        --seed "$GEN_SEED" --campaign jiangxi-2022 --campaign-year "$CAMPAIGN_YEAR" \
        --inspections-per-enterprise "$INSPECTIONS" --findings-per-inspection "$FINDINGS" \
        >"$OUT/generate.txt" 2>&1 || die "generate failed: $(tail -5 "$OUT/generate.txt")"
    echo "generate: $(tr '\n' ' ' <"$OUT/generate.txt") [$(seconds_since "$t0") s]" | tee -a "$load" >&2
    local campaign
    campaign="$(sed -n 's/^campaign .* (\([0-9a-f-]\{36\}\)).*/\1/p' "$OUT/generate.txt")"
    [[ -n "$campaign" ]] || die "no campaign id in generate's output"
    if [[ "$engine" == postgres ]]; then
        # What autovacuum does on its own shortly after a bulk insert; done here so that the plans
        # do not change during the measurement.
        t0="$(date +%s.%N)"
        pg -d "$PG_DB" -c "VACUUM ANALYZE" >/dev/null
        echo "VACUUM ANALYZE [$(seconds_since "$t0") s]" | tee -a "$load" >&2
    else
        sqlite3 "$DATA_DIR/touchstone.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    fi
    local t
    for t in $TABLES; do printf '%s\t%s\n' "$t" "$(sql "$engine" "SELECT COUNT(*) FROM $t")"; done >"$OUT/rows.tsv"
    sql "$engine" "SELECT status, COUNT(*) FROM hazards GROUP BY status ORDER BY status" >"$OUT/hazard-statuses.tsv"
    column -t "$OUT/rows.tsv" >&2

    # 2b. The sweeper catches up. The generator writes years of history but not the escalations
    # a live ledger would have made day by day as deadlines passed, so a first server would spend
    # its first hours escalating ~200,000 hazards, a thousand a minute, inside the measured
    # minutes. A server sweeping every second makes them first (the real code path: events,
    # notifications, audit), until no live hazard's escalation falls due today (China time).
    local today due
    today="$(TZ=Asia/Shanghai date +%F)"
    due="SELECT COUNT(*) FROM hazards WHERE status IN ('open', 'rectifying') AND escalation_due_on <= '$today'"
    log "$engine: the sweeper escalates $(sql "$engine" "$due") overdue hazards"
    t0="$(date +%s.%N)"
    TOUCHSTONE_SWEEPER__INTERVAL_SECONDS=1 serve_start "$OUT/catch-up.log" serve --data "$DATA_DIR" --db "$db" \
        --bind "127.0.0.1:$port"
    until [[ "$(sql "$engine" "$due")" == 0 ]]; do sleep 10; done
    server_stop
    echo "sweeper catch-up [$(seconds_since "$t0") s]" | tee -a "$load" >&2
    if [[ "$engine" == sqlite ]]; then
        sqlite3 "$DATA_DIR/touchstone.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    fi

    # 3. Serve.
    log "$engine: serving at $BASE"
    serve_start "$OUT/server.log" serve --data "$DATA_DIR" --db "$db" --bind "127.0.0.1:$port"
    local token cookie
    token="$(api_token "$OFFICER")"
    cookie="$(sign_in "$OFFICER")"
    [[ -n "$cookie" ]] || die "no session cookie for $OFFICER"

    # 4. The weekly report against hand-written SQL.
    local catalogue
    catalogue="$(mktemp)"
    git -C "$ROOT" show "${BENCH_REF:-HEAD}:crates/domain/data/catalogue.tsv" >"$catalogue"
    python3 -c 'import time; time.sleep(5)' # let the sign-in's writes settle
    log "$engine: the weekly report, $RUNS runs per case"
    python3 "$BENCH/campaign.py" report "$engine" "$db_shell" "$BASE" "$token" "$campaign" "$catalogue" \
        "$OUT/report.json" "$RUNS" \
        "$PROVINCE:$WEEK" "$PROVINCE:cumulative:$CUMULATIVE_TO" "$COUNTY:$WEEK" "$COUNTY:cumulative:$CUMULATIVE_TO" \
        2>&1 | tee "$OUT/report.txt" >&2
    rm -f "$catalogue"

    # 5. The hazard ledger at a fixed rate.
    local cities counties
    cities="$(sql "$engine" "SELECT DISTINCT substr(region_code, 1, 4) || '00' FROM hazards ORDER BY 1 LIMIT 4" | paste -sd,)"
    counties="$(sql "$engine" "SELECT region_code FROM hazards GROUP BY region_code ORDER BY COUNT(*) DESC LIMIT 6" | paste -sd,)"
    python3 "$BENCH/campaign.py" urls "$BASE" "$campaign" "$cities" "$counties" "$URL_SEED" "$OUT"
    local auth=(-H "Authorization: Bearer $token") page=(-H "Cookie: ts_session=$cookie")
    scenario hazards_api "$RATE" "$DURATION" "$OUT/urls-hazards-api.txt" --urls-from-file "${auth[@]}"
    scenario hazards_page "$RATE" "$DURATION" "$OUT/urls-hazards-page.txt" --urls-from-file "${page[@]}"
    snapshot "end"
    log "$engine: probing the first $PROBE hazard list queries once each"
    head -"$PROBE" "$OUT/urls-hazards-api.txt" >"$OUT/urls-probe.txt"
    python3 "$BENCH/ledger.py" probe "$OUT/urls-probe.txt" "Authorization: Bearer $token" "$OUT/probe-hazards.tsv"
    server_stop

    local size
    if [[ "$engine" == sqlite ]]; then
        size="$(stat -c %s "$DATA_DIR/touchstone.db")"
    else
        size="$(pg -d "$PG_DB" -Atc "SELECT pg_database_size(current_database())")"
    fi
    echo "database size: $size bytes" | tee -a "$load" >&2
    python3 - "$OUT" >"$OUT/campaign.json" <<'EOF'
import json, sys
out = sys.argv[1]
rows = dict(l.split("\t") for l in open(out + "/rows.tsv").read().split("\n") if l)
json.dump({
    "rows": {k: int(v) for k, v in rows.items()},
    "load": open(out + "/load.txt").read().splitlines(),
    "weekly_report": json.load(open(out + "/report.json")),
    "targets_p99_ms": {"hazards_api": 100, "hazards_page": 100},
}, sys.stdout, indent=2, ensure_ascii=False)
EOF
    finish_engine "$engine" --extra "$OUT/campaign.json"
}

for engine in $ENGINES; do
    run_engine "$engine"
done
stop_own_pg
