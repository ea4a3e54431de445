#!/usr/bin/env bash
# Hazard list probe (127 URLs once each, one at a time) on /tmp/exp with BIN.
set -euo pipefail
BIN="$1"; LABEL="$2"; DATA="${3:-/tmp/exp2}"
cd /work/main
source bench/lib.sh
BASE=http://127.0.0.1:18999
"$BIN" serve --data "$DATA" --bind 127.0.0.1:18999 > "/tmp/mm/serve-$LABEL.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
token="$(api_token jx.officer)"
python3 bench/ledger.py probe /tmp/mm/urls-probe2.txt "Authorization: Bearer $token" "/tmp/mm/probe-$LABEL-warm.tsv" >/dev/null
python3 bench/ledger.py probe /tmp/mm/urls-probe2.txt "Authorization: Bearer $token" "/tmp/mm/probe-$LABEL.tsv" >/dev/null
kill $PID; wait $PID || true
awk -F'\t' -v l="$LABEL" 'NR>1{print $4}' "/tmp/mm/probe-$LABEL.tsv" | sort -n | awk -v l="$LABEL" '{a[NR]=$1; s+=$1} END{print l, "n", NR, "mean", s/NR, "median", a[int(NR/2)], "p90", a[int(NR*0.9)], "max", a[NR]}'
