#!/bin/bash
# rate.sh BIN LABEL name:api|page:URLFILE ... — each at 200 req/s for 30 s (10 s warm-up) on /tmp/exp3.
cd /work/main && source bench/lib.sh && BASE=http://127.0.0.1:18999
BIN=$1; L=$2; shift 2
($BIN serve --data /tmp/exp3 --bind 127.0.0.1:18999 > /tmp/pp/serve-rate-$L.log 2>&1 &)
for _ in $(seq 1 240); do curl -sf $BASE/readyz >/dev/null 2>&1 && break; sleep 0.5; done; sleep 8
token="$(api_token jx.officer)"; cookie="$(sign_in jx.officer)"
PID=$(pgrep -f "$BIN serve --data /tmp/exp3 --bind 127.0.0.1:18999")
for spec in "$@"; do
  IFS=: read -r name kind file <<< "$spec"
  if [ $kind = api ]; then h="Authorization: Bearer $token"; else h="Cookie: ts_session=$cookie"; fi
  common=(--no-tui --output-format json -q 200 --latency-correction -w -c 50 --worker-threads 1 --urls-from-file -H "$h" $file)
  oha -z 10s -o /tmp/pp/rate-$L-$name-warm.json "${common[@]}"
  (sleep 1; python3 bench/cpu.py $PID 27 > /tmp/pp/rate-$L-$name-cpu.json) &
  oha -z 30s -o /tmp/pp/rate-$L-$name.json "${common[@]}"
  wait
  python3 -c "
import json,sys; d=json.load(open('/tmp/pp/rate-$L-$name.json')); s=d['summary']; p=d['latencyPercentiles']; c=json.load(open('/tmp/pp/rate-$L-$name-cpu.json'))
print('$L', '$name', 'rps', round(s['requestsPerSec'],1), 'p50', round(p['p50']*1000,1), 'p90', round(p['p90']*1000,1), 'p99', round(p['p99']*1000,1), 'max', round(s['slowest']*1000,1), 'status', d.get('statusCodeDistribution'), 'server cpu', c['server_cpu_pct'])" | tee -a /tmp/pp/rates.txt
done
grep -c "escalations" /tmp/pp/serve-rate-$L.log | sed "s/^/$L sweeps with escalations during the run: /" | tee -a /tmp/pp/rates.txt
kill $PID; sleep 2
