#!/usr/bin/env bash
# Hazard list at 200 req/s on /tmp/exp (1.65M hazards), commit c2b8876's release binary.
set -euo pipefail
shopt -s inherit_errexit
cd /work/main
source bench/lib.sh
OUT=/work/main/bench/results/2026-11-23-campaign-list-sqlite
mkdir -p "$OUT"
BIN=/tmp/touchstone-c2b8876
BASE=http://127.0.0.1:18999
SERVER_PID=$(pgrep -f touchstone-c2b8876)
for _ in $(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
token="$(api_token jx.officer)"; cookie="$(sign_in jx.officer)"
C=01a20a82-8112-7729-84e2-b21f8f983835
cities="$(sqlite3 /tmp/exp/data/touchstone.db "SELECT DISTINCT substr(region_code, 1, 4) || '00' FROM hazards ORDER BY 1 LIMIT 4" | paste -sd,)"
counties="$(sqlite3 /tmp/exp/data/touchstone.db "SELECT region_code FROM hazards GROUP BY region_code ORDER BY COUNT(*) DESC LIMIT 6" | paste -sd,)"
python3 bench/campaign.py urls "$BASE" "$C" "$cities" "$counties" 4 "$OUT"
machine_describe > "$OUT/machine-info.txt"
PG_PROCS=""
scenario hazards_api 200 30s "$OUT/urls-hazards-api.txt" --urls-from-file -H "Authorization: Bearer $token"
scenario hazards_page 200 30s "$OUT/urls-hazards-page.txt" --urls-from-file -H "Cookie: ts_session=$cookie"
head -150 "$OUT/urls-hazards-api.txt" > "$OUT/urls-probe.txt"
python3 bench/ledger.py probe "$OUT/urls-probe.txt" "Authorization: Bearer $token" "$OUT/probe-hazards.tsv"
kill $SERVER_PID; wait $SERVER_PID || true
gzip -f "$OUT/server.log"
for n in hazards_api hazards_page; do
  jq -c --arg n "$n" '{scenario: $n, rps: .summary.requestsPerSec, p50: .latencyPercentiles.p50, p99: .latencyPercentiles.p99, max: .summary.slowest, status: .statusCodeDistribution}' "$OUT/$n.json"
  jq -c '.' "$OUT/$n.cpu.json"
done
