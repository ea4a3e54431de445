#!/bin/bash
# rate.sh BIN LABEL: the hazard list API at 200 req/s for 30 s (10 s warm-up) on /tmp/exp2.
cd /work/main && source bench/lib.sh && BASE=http://127.0.0.1:18999
BIN=$1; L=$2; DATA=${3:-/tmp/exp2}
($BIN serve --data $DATA --bind 127.0.0.1:18999 > /tmp/mm/serve-rate-$L.log 2>&1 &)
for _ in $(seq 1 240); do curl -sf $BASE/readyz >/dev/null 2>&1 && break; sleep 0.5; done; sleep 8
token="$(api_token jx.officer)"
common=(--no-tui --output-format json -q 200 --latency-correction -w -c 50 --worker-threads 1 --urls-from-file -H "Authorization: Bearer $token" /tmp/mm/urls-api2.txt)
oha -z 10s -o /tmp/mm/rate-$L-warm.json "${common[@]}"
PID=$(pgrep -f "$BIN serve")
(sleep 1; python3 bench/cpu.py $PID 27 > /tmp/mm/rate-$L-cpu.json) &
oha -z 30s -o /tmp/mm/rate-$L.json "${common[@]}"
wait; kill $PID; sleep 2
python3 -c "
import json,sys; d=json.load(open('/tmp/mm/rate-$L.json')); s=d['summary']; p=d['latencyPercentiles']; c=json.load(open('/tmp/mm/rate-$L-cpu.json'))
print('$L', 'rps', round(s['requestsPerSec'],1), 'p50', round(p['p50']*1000,1), 'p90', round(p['p90']*1000,1), 'p99', round(p['p99']*1000,1), 'status', d.get('statusCodeDistribution'), 'server cpu', c['server_cpu_pct'])"
