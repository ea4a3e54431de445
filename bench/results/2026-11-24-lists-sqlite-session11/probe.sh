#!/bin/bash
# probe.sh BIN LABEL URLFILE... — sequential probe (api, bearer) of each file, second pass recorded.
cd /work/main && source bench/lib.sh && BASE=http://127.0.0.1:18999
BIN=$1; L=$2; shift 2
($BIN serve --data /tmp/exp3 --bind 127.0.0.1:18999 > /tmp/pp/serve-probe-$L.log 2>&1 &)
for _ in $(seq 1 600); do curl -sf $BASE/readyz >/dev/null 2>&1 && break; sleep 0.5; done; sleep 5
token="$(api_token jx.officer)"
for f in "$@"; do
  n=$(basename $f .txt)
  python3 bench/ledger.py probe $f "Authorization: Bearer $token" /tmp/pp/probe-$L-$n-cold.tsv
  python3 bench/ledger.py probe $f "Authorization: Bearer $token" /tmp/pp/probe-$L-$n.tsv
  python3 -c "
import csv; r=list(csv.DictReader(open('/tmp/pp/probe-$L-$n.tsv'),delimiter='\t')); ms=sorted(float(x['ms']) for x in r)
print('$L','$n','n',len(ms),'mean',round(sum(ms)/len(ms),2),'median',ms[len(ms)//2],'p90',ms[int(len(ms)*.9)],'max',ms[-1])"
done
pkill -f "$BIN serve --data /tmp/exp3"; sleep 2
