#!/usr/bin/env bash
# Export memory benchmark (issue 4: "a 1,000,000-row XLSX export streams in constant memory").
#
#   bash bench/export.sh [ROWS...]        (default: 10000 100000 1000000)
#
# Builds crates/web/examples/export_bench.rs in release mode and runs it for each size, XLSX and
# CSV: the rows go through the server's own streamed export writers (crates/web/src/export.rs)
# and the peak resident memory of the process is reported (VmHWM, and /usr/bin/time's maximum
# RSS when available). Constant memory means the peak does not grow with the row count.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(10000 100000 1000000)
cd "$ROOT"
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" nice -n 10 cargo build --release -q -p touchstone-web --example export_bench
BIN="$ROOT/target/release/examples/export_bench"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  commit: $(git rev-parse --short HEAD)"
for fmt in xlsx csv; do
    for rows in "${SIZES[@]}"; do
        if [[ -x /usr/bin/time ]]; then
            /usr/bin/time -f "  /usr/bin/time max RSS: %M KiB" "$BIN" "$rows" "$fmt"
        else
            "$BIN" "$rows" "$fmt"
        fi
    done
done
