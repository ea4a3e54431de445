#!/usr/bin/env bash
set -euo pipefail
cd /work/main
source bench/lib.sh
BASE=http://127.0.0.1:18997
/tmp/mm/touchstone-new serve --data /tmp/exp/data --bind 127.0.0.1:18997 > /tmp/mm/serve-prof.log 2>&1 &
PID=$!
for _ in $(seq 1 1200); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
token="$(api_token jx.officer)"
URL="$BASE/api/v1/campaigns/01a20a82-8112-7729-84e2-b21f8f983835/weekly-report?region_code=360000&week=cumulative&to=2025-10-31&as_of=$(date +%s)000000"
curl -s -o /dev/null -H "Authorization: Bearer $token" "$URL"
t0=$(awk '{print $14+$15}' /proc/$PID/stat)
perf record -F 499 -g -p $PID -o /tmp/mm/perf.data -- sleep 14 > /dev/null 2>&1 &
PP=$!
for i in 1 2 3 4; do curl -s -o /dev/null -w "%{time_total}\n" -H "Authorization: Bearer $token" "$URL"; done
t1=$(awk '{print $14+$15}' /proc/$PID/stat)
echo "cpu ticks for 4 reports: $((t1 - t0)) (1/100 s)"
wait $PP || true
kill $PID; wait $PID || true
