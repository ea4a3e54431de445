#!/usr/bin/env bash
# The weekly report on the 2.06M-hazard SQLite province (/tmp/exp2, generated as in
# bench/campaign.sh by 9391224's release build), API against hand-written SQL.
set -euo pipefail
cd /work/main
source bench/lib.sh
OUT=/work/main/bench/results/2026-11-24-campaign-sqlite-2m
BIN="${BIN:-/tmp/touchstone-9391224}"
BASE=http://127.0.0.1:18993
C=01a20c1d-f7a2-7056-9015-506b769d3f02
"$BIN" serve --data /tmp/exp2 --bind 127.0.0.1:18993 > "$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
token="$(api_token jx.officer)"
catalogue="$(mktemp)"
git show HEAD:crates/domain/data/catalogue.tsv > "$catalogue"
machine_describe > "$OUT/machine-info.txt"
uptime > "$OUT/uptime.txt"
python3 bench/campaign.py report sqlite /tmp/exp2/touchstone.db "$BASE" "$token" "$C" "$catalogue" \
    "$OUT/report.json" "${RUNS:-5}" \
    360000:2025-W22 360000:cumulative:2025-10-31 360121:2025-W22 360121:cumulative:2025-10-31 2>&1 | tee "$OUT/report.txt"
uptime >> "$OUT/uptime.txt"
kill $PID; wait $PID || true
gzip -f "$OUT/server.log"
rm -f "$catalogue"
