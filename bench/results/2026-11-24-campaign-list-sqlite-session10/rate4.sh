#!/bin/bash
# rate4.sh BIN LABEL DATA: the hazard list API, then its page, at 200 req/s for 30 s each (10 s warm-up).
cd /work/main && source bench/lib.sh && BASE=http://127.0.0.1:18999
BIN=$1; L=$2; DATA=${3:-/tmp/exp2}
($BIN serve --data $DATA --bind 127.0.0.1:18999 > /tmp/mm/serve-rate-$L.log 2>&1 &)
for _ in $(seq 1 240); do curl -sf $BASE/readyz >/dev/null 2>&1 && break; sleep 0.5; done; sleep 8
token="$(api_token jx.officer)"; cookie="$(sign_in jx.officer)"
PID=$(pgrep -f "$BIN serve")
for kind in api page; do
  if [ $kind = api ]; then h="Authorization: Bearer $token"; else h="Cookie: ts_session=$cookie"; fi
  common=(--no-tui --output-format json -q 200 --latency-correction -w -c 50 --worker-threads 1 --urls-from-file -H "$h" /tmp/mm/urls-$kind"2.txt")
  oha -z 10s -o /tmp/mm/rate-$L-$kind-warm.json "${common[@]}"
  (sleep 1; python3 bench/cpu.py $PID 27 > /tmp/mm/rate-$L-$kind-cpu.json) &
  oha -z 30s -o /tmp/mm/rate-$L-$kind.json "${common[@]}"
  wait
  python3 -c "
import json,sys; d=json.load(open('/tmp/mm/rate-$L-$kind.json')); s=d['summary']; p=d['latencyPercentiles']; c=json.load(open('/tmp/mm/rate-$L-$kind-cpu.json'))
print('$L', '$kind', 'rps', round(s['requestsPerSec'],1), 'p50', round(p['p50']*1000,1), 'p90', round(p['p90']*1000,1), 'p99', round(p['p99']*1000,1), 'max', round(s['slowest']*1000,1), 'status', d.get('statusCodeDistribution'), 'server cpu', c['server_cpu_pct'])"
done
kill $PID; sleep 2
