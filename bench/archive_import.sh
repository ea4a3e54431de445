#!/usr/bin/env bash
# The archive import benchmark (issue 5, R-ENT-6): `touchstone import archive` of the whole
# City of Toronto DineSafe archive (14 files, 147,202 rows, one row per infraction) through the
# example mapping docs/examples/archive/toronto_dinesafe.toml, on each engine. Target: ≥ 50,000
# source rows/s on SQLite; PostgreSQL reported beside it.
#
#   bash bench/archive_import.sh DIR [sqlite|postgres|both]     (default: both)
#
# DIR holds the archive's CSV files (toronto_dinesafe_*.csv; in this workplace
# /work/shared/data/toronto_dinesafe). Per engine:
#   1. `touchstone migrate` into a new database (PostgreSQL: a new database on the server of
#      bench/lib.sh);
#   2. after waiting for a quiet machine, the import as the built-in system account, timed with
#      /usr/bin/time -v (wall time of the whole process, peak RSS); the CLI's own line "N rows in
#      S s" (reading, validating, planning and the one transaction, without process start) is
#      recorded beside it;
#   3. the counts checked against the files (establishments, inspections and findings counted by
#      python's csv module): every row is good, so nothing may be missing;
#   4. the same import again: it must change nothing (the idempotent re-run), also timed.
# Results: bench/results/<date>-archive/ (each step's output and /usr/bin/time -v, summary.txt).
#
# Environment: those of bench/lib.sh (BENCH_REF, BIN, SKIP_BUILD, CARGO_BUILD_JOBS, PG_URL, IDLE_WAIT).
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
SRC_DIR="${1:?usage: $0 DIR [sqlite|postgres|both]}"
parse_engines "${2:-both}"
MAPPING="$ROOT/docs/examples/archive/toronto_dinesafe.toml"
shopt -s nullglob
FILES=("$SRC_DIR"/toronto_dinesafe_*.csv)
shopt -u nullglob
((${#FILES[@]} > 0)) || die "no toronto_dinesafe_*.csv in $SRC_DIR"

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
bench_binary
WORK="$(mktemp -d /tmp/touchstone-bench-archive.XXXXXX)"
DATA_DIR=""
trap 'cleanup_engine; stop_own_pg; [[ -z "${SRC:-}" ]] || rm -rf "$SRC"; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

OUT="$BENCH/results/$DATE-archive${SUFFIX:-}"
rm -rf "$OUT"
mkdir -p "$OUT"
machine_describe >"$OUT/machine-info.txt"

# What the files hold, counted independently of touchstone.
read -r ROWS ESTABLISHMENTS INSPECTIONS FINDINGS < <(python3 - "${FILES[@]}" <<'PY'
import csv, sys
rows, e, i, f = 0, set(), set(), 0
for name in sys.argv[1:]:
    with open(name, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows += 1
            e.add(r["Establishment ID"]); i.add(r["Inspection ID"])
            f += bool(r["Infraction Details"].strip())
print(rows, len(e), len(i), f)
PY
)
log "${#FILES[@]} files: $ROWS rows, $ESTABLISHMENTS establishments, $INSPECTIONS inspections, $FINDINGS findings"
{
    echo "commit: $COMMIT"
    echo "files: ${#FILES[@]} in $SRC_DIR ($(cat "${FILES[@]}" | wc -c) bytes)"
    echo "rows: $ROWS; establishments: $ESTABLISHMENTS; inspections: $INSPECTIONS; findings: $FINDINGS"
} >"$OUT/summary.txt"

check() { # check WHAT EXPECTED ACTUAL
    echo "  $1: $3 (expected $2)" >>"$OUT/summary.txt"
    [[ "$2" == "$3" ]] || die "$1: expected $2, found $3"
}

run_import() { # run_import NAME DB
    local name="$1" db="$2" idle
    idle="$(python3 "$BENCH/cpu.py" wait "$IDLE_WAIT")"
    log "$name: waited for a quiet machine: $idle"
    /usr/bin/time -v -o "$OUT/$name.time.txt" "$BIN" import archive --mapping "$MAPPING" "${FILES[@]}" \
        --db "$db" --data "$DATA_DIR" >"$OUT/$name.out.txt" 2>&1 || die "$name failed: $(tail -5 "$OUT/$name.out.txt")"
    python3 - "$OUT/$name" "$ROWS" "$idle" >>"$OUT/summary.txt" <<'PY'
import json, re, sys
base, rows, idle = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
t = open(base + ".time.txt").read()
out = open(base + ".out.txt").read()
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) // 1024
own = re.search(r"(\d+) rows in ([\d.]+) s", out)
print(f"{base.rsplit('/', 1)[1]}: {wall:.2f} s wall, {rows / wall:,.0f} rows/s (process); "
      f"import alone {own.group(2)} s = {rows / float(own.group(2)):,.0f} rows/s; peak RSS {rss} MiB; quiet: {idle}")
print("  " + out.strip().splitlines()[-1])
PY
    tail -3 "$OUT/summary.txt" >&2
}

for engine in $ENGINES; do
    DATA_DIR="$(mktemp -d "$WORK/data.XXXXXX")"
    if [[ "$engine" == sqlite ]]; then
        db="sqlite:$DATA_DIR/touchstone.db"
        sql=(sqlite3 "$DATA_DIR/touchstone.db")
    else
        pg_server
        pg_describe >"$OUT/postgres-version.txt"
        pg_create_db archive
        db="$(pg_url)"
        sql=(pg -d "$PG_DB" -Atc)
    fi
    "$BIN" migrate --db "$db" --data "$DATA_DIR" >"$OUT/$engine-migrate.txt" 2>&1
    echo "$engine:" >>"$OUT/summary.txt"
    run_import "$engine-first" "$db"
    check "$engine establishments" "$ESTABLISHMENTS" "$("${sql[@]}" "SELECT COUNT(*) FROM archive_establishments")"
    check "$engine inspections" "$INSPECTIONS" "$("${sql[@]}" "SELECT COUNT(*) FROM inspections WHERE archived")"
    check "$engine findings" "$FINDINGS" "$("${sql[@]}" "SELECT COUNT(*) FROM hazards WHERE source = 'archive'")"
    check "$engine hazard events" "$((FINDINGS * 2))" "$("${sql[@]}" "SELECT COUNT(*) FROM hazard_events")"
    run_import "$engine-rerun" "$db"
    grep -q "nothing changed" "$OUT/$engine-rerun.out.txt" || die "$engine: the re-run changed something"
    check "$engine findings after the re-run" "$FINDINGS" "$("${sql[@]}" "SELECT COUNT(*) FROM hazards WHERE source = 'archive'")"
    [[ "$engine" != postgres ]] || pg_drop_db
    rm -rf "$DATA_DIR"
    DATA_DIR=""
done
cat "$OUT/summary.txt"
