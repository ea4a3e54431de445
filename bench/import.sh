#!/usr/bin/env bash
# The import benchmark (issue 4, R-ENT-5): `touchstone import enterprises` of a generated
# enterprise CSV against the engine's own bulk loader of the same file, measured in the same run.
#
#   bash bench/import.sh [sqlite|postgres|both]      (default: both)
#
#   1. `touchstone generate --out DIR --province 360000 --enterprises N --seed 1 --as-of 2026-11-23`
#      writes DIR/enterprises.csv (UTF-8 with a BOM, 18 columns, header in Chinese), for each N
#      of $SIZES (1,000,000 and 100,000);
#   2. per engine and size, one after the other, each timed with /usr/bin/time -v (wall time,
#      peak RSS of the process) after waiting for a quiet machine:
#      - the baseline: the same CSV (BOM stripped) into a table of the same 18 columns (TEXT) with
#        a unique index on the credit code — SQLite `sqlite3 .import --csv --skip 1` into a new
#        database file; PostgreSQL `psql \copy … (FORMAT csv, HEADER)` into a new database;
#      - `touchstone import enterprises FILE --db … --data …` into a new database made by
#        `touchstone migrate` (the CLI imports as the built-in system account when no --as is
#        given, so no user is needed): validated, upserted, search rows and history written.
#        Its output is time-stamped, so the row load alone (from "validated N of N rows" to the
#        end) is reported beside the whole;
#      then checks the row counts (enterprises and search rows equal N);
#   3. writes bench/results/<date>-import/summary.json (bench/import.py): rows/s, the ratio to the
#      baseline (target ≥ 0.5) and peak memory (target ≤ 256 MB for 1,000,000 rows).
#
# Peak RSS is the measured process's: for PostgreSQL that is psql or touchstone, not the server's
# backend (which does the COPY's work); the server's settings are recorded.
#
# Environment (all optional), besides those of bench/lib.sh (BENCH_REF, BENCH_TARGET, BIN,
# SKIP_BUILD, CARGO_BUILD_JOBS, PG_URL, PG_PROBE_PORT, PG_OWN, IDLE_WAIT):
#   SIZES="1000000 100000"   rows per file
#   CSV_SEED=1 AS_OF=2026-11-23
#   SUFFIX=-x                results into bench/results/<date>-import-x
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
parse_engines "${1:-both}"

SIZES="${SIZES:-1000000 100000}"
CSV_SEED="${CSV_SEED:-1}"
AS_OF="${AS_OF:-2026-11-23}"
PROVINCE=360000

bench_setup
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
bench_binary
WORK="$(mktemp -d /tmp/touchstone-bench-import.XXXXXX)"
trap 'cleanup_engine; stop_own_pg; [[ -z "${SRC:-}" ]] || rm -rf "$SRC"; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

OUT="$BENCH/results/$DATE-import${SUFFIX:-}"
rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/runs.jsonl"
: >"$OUT/machine.txt"
machine_describe >"$OUT/machine-info.txt"

# The baseline table: the CSV's 18 columns, as TEXT, and the unique credit code.
BASELINE_DDL="CREATE TABLE baseline (uscc TEXT NOT NULL, name TEXT, legal_representative TEXT,
 legal_rep_id_number TEXT, legal_rep_phone TEXT, address TEXT, region_code TEXT, latitude TEXT,
 longitude TEXT, industry_code TEXT, scale TEXT, status TEXT, roles TEXT, industrial_park TEXT,
 categories TEXT, contact_names TEXT, contact_positions TEXT, contact_phones TEXT);
CREATE UNIQUE INDEX baseline_uscc ON baseline(uscc);"

# measure ENGINE ROWS TOOL WHAT NAME COMMAND…: quiet machine, then /usr/bin/time -v of COMMAND with
# its output time-stamped into NAME.out.txt; appends the run to runs.jsonl
measure() {
    local engine="$1" rows="$2" tool="$3" what="$4" name="$5"
    shift 5
    local idle
    idle="$(python3 "$BENCH/cpu.py" wait "$IDLE_WAIT")"
    log "$name: waited for a quiet machine: $idle"
    snapshot "$name"
    log "$name: $*"
    local rc=0
    /usr/bin/time -v -o "$OUT/$name.time.txt" "$@" 2>&1 | python3 "$BENCH/import.py" stamp "$OUT/$name.out.txt" || rc=$?
    local t load_s=""
    t="$(python3 "$BENCH/import.py" timev "$OUT/$name.time.txt")"
    ((rc == 0)) || die "$name failed ($rc): $(tail -5 "$OUT/$name.out.txt")"
    if [[ "$tool" == touchstone ]]; then
        # The row load alone: from the end of validation to the end of the process.
        load_s="$(python3 - "$OUT/$name.out.txt" "$t" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
wall = json.loads(sys.argv[2])["wall_s"]
at = [float(l.split(None, 1)[0]) for l in lines if "validated" in l and " of " in l]
print(round(wall - at[-1], 2) if at else "")
EOF
)"
    fi
    python3 - "$engine" "$rows" "$tool" "$what" "$name" "$t" "$idle" "$load_s" >>"$OUT/runs.jsonl" <<'EOF'
import json, sys
engine, rows, tool, what, name, t, idle, load_s = sys.argv[1:9]
r = {"engine": engine, "rows": int(rows), "tool": tool, "what": what, "name": name, **json.loads(t), "idle": json.loads(idle)}
if load_s:
    r["load_s"] = float(load_s)
print(json.dumps(r, ensure_ascii=False))
EOF
    log "$name: $(tail -1 "$OUT/runs.jsonl")"
}

check_count() { # check_count NAME EXPECTED ACTUAL
    echo "$1: $3 rows (expected $2)" | tee -a "$OUT/counts.txt" >&2
    [[ "$2" == "$3" ]] || die "$1: expected $2 rows, found $3"
}

# 1. The files.
for n in $SIZES; do
    log "generating $n enterprises (seed $CSV_SEED, as of $AS_OF)"
    t0="$(date +%s.%N)"
    "$BIN" generate --out "$WORK/csv-$n" --province "$PROVINCE" --enterprises "$n" --seed "$CSV_SEED" \
        --as-of "$AS_OF" >"$OUT/generate-$n.txt" 2>&1
    echo "generate $n: $(python3 -c "import time; print(round(time.time() - $t0, 1))") s" >>"$OUT/generate-$n.txt"
    # The baseline's copy without the byte-order mark (sqlite3 .import would keep it in the header).
    sed '1s/^\xEF\xBB\xBF//' "$WORK/csv-$n/enterprises.csv" >"$WORK/csv-$n/plain.csv"
    {
        echo "enterprises.csv: $(stat -c %s "$WORK/csv-$n/enterprises.csv") bytes, $(($(wc -l <"$WORK/csv-$n/enterprises.csv") - 1)) rows"
        echo "sha256: $(sha256sum "$WORK/csv-$n/enterprises.csv" | cut -d' ' -f1)"
        echo "header: $(head -1 "$WORK/csv-$n/plain.csv")"
    } >>"$OUT/generate-$n.txt"
done

# 2. Per engine and size: the baseline, then touchstone.
for engine in $ENGINES; do
    if [[ "$engine" == postgres ]]; then
        pg_server
        pg_describe >"$OUT/postgres-version.txt"
    fi
    for n in $SIZES; do
        csv="$WORK/csv-$n/enterprises.csv"
        plain="$WORK/csv-$n/plain.csv"
        DATA_DIR="$(mktemp -d "$WORK/data.XXXXXX")"
        if [[ "$engine" == sqlite ]]; then
            base_db="$WORK/baseline-$n.db"
            rm -f "$base_db"
            sqlite3 "$base_db" "$BASELINE_DDL"
            measure sqlite "$n" sqlite3 "sqlite3 .import (baseline)" "sqlite-$n-baseline" \
                sqlite3 "$base_db" ".import --csv --skip 1 $plain baseline"
            check_count "sqlite-$n-baseline" "$n" "$(sqlite3 "$base_db" "SELECT COUNT(*) FROM baseline")"
            rm -f "$base_db"
            db="sqlite:$DATA_DIR/touchstone.db"
        else
            pg_create_db import_baseline
            pg -d "$PG_DB" -c "$BASELINE_DDL" >/dev/null
            measure postgres "$n" psql "psql \\copy (baseline)" "postgres-$n-baseline" \
                psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$PG_DB" \
                -c "\\copy baseline FROM '$plain' WITH (FORMAT csv, HEADER true)"
            check_count "postgres-$n-baseline" "$n" "$(pg -d "$PG_DB" -Atc "SELECT COUNT(*) FROM baseline")"
            pg_drop_db
            pg_create_db import_touchstone
            db="$(pg_url)"
        fi
        "$BIN" migrate --db "$db" --data "$DATA_DIR" >"$OUT/$engine-$n-migrate.txt" 2>&1
        measure "$engine" "$n" touchstone "touchstone import enterprises" "$engine-$n-touchstone" \
            "$BIN" import enterprises "$csv" --db "$db" --data "$DATA_DIR"
        local_sql=(sqlite3 "$DATA_DIR/touchstone.db")
        [[ "$engine" == postgres ]] && local_sql=(pg -d "$PG_DB" -Atc)
        check_count "$engine-$n-touchstone enterprises" "$n" "$("${local_sql[@]}" "SELECT COUNT(*) FROM enterprises")"
        check_count "$engine-$n-touchstone search rows" "$n" "$("${local_sql[@]}" "SELECT COUNT(*) FROM enterprise_search")"
        # Searchable: the first row's credit code is found through the full-text index.
        code="$(sed -n '2p' "$plain" | cut -d, -f1 | tr 'A-Z' 'a-z')"
        if [[ "$engine" == sqlite ]]; then
            found="$(sqlite3 "$DATA_DIR/touchstone.db" "SELECT COUNT(*) FROM enterprise_fts WHERE enterprise_fts MATCH '\"$code\"'")"
        else
            found="$(pg -d "$PG_DB" -Atc "SELECT COUNT(*) FROM enterprise_search WHERE tsv @@ CAST('''$code''' AS tsquery)")"
        fi
        check_count "$engine-$n-touchstone search for $code" 1 "$found"
        [[ "$engine" != postgres ]] || pg_drop_db
        rm -rf "$DATA_DIR"
        DATA_DIR=""
    done
done

python3 - "$OUT" "$COMMIT" "$SIZES" "$CSV_SEED" "$AS_OF" >"$OUT/meta.json" <<'EOF'
import json, sys
out, commit, sizes, seed, as_of = sys.argv[1:6]
info = dict(l.split(": ", 1) for l in open(out + "/machine-info.txt").read().splitlines() if ": " in l)
json.dump({"commit": commit, "machine": f"{info.get('cpu')}, {info.get('memory')}", "machine_info": info,
           "sizes": [int(s) for s in sizes.split()], "csv_seed": int(seed), "as_of": as_of,
           "generate": {s: open(f"{out}/generate-{s}.txt").read().splitlines() for s in sizes.split()},
           "counts": open(out + "/counts.txt").read().splitlines()}, sys.stdout, indent=2, ensure_ascii=False)
EOF
python3 "$BENCH/import.py" summary "$OUT" >"$OUT/summary.json"
python3 "$BENCH/import.py" table "$OUT/summary.json"
