#!/usr/bin/env bash
# Weekly report timings on the PostgreSQL database pgcamp (458,614 hazards): BIN serves it, RUNS per case.
set -euo pipefail
BIN="$1"; LABEL="$2"; RUNS="${3:-5}"
cd /work/main
source bench/lib.sh
BASE=http://127.0.0.1:18995
"$BIN" serve --data /tmp/pgcamp --db postgres://postgres@127.0.0.1:55432/pgcamp --bind 127.0.0.1:18995 > "/tmp/mm/serve-$LABEL.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
token="$(api_token jx.officer)"
python3 - "$BASE" "$token" "$LABEL" "$RUNS" <<'PY'
import sys, time, json, statistics, importlib.util
spec=importlib.util.spec_from_file_location('c','/work/main/bench/campaign.py'); c=importlib.util.module_from_spec(spec); spec.loader.exec_module(c)
base, token, label, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
camp='01a20bf2-71cd-72dd-9841-d1cafa4317ca'
as_of=int(time.time()*1e6)
for region, week in [('360000','cumulative:2025-10-31'),('360000','2025-W22'),('360121','cumulative:2025-10-31'),('360121','2025-W22')]:
    c.api(base, token, camp, region, week, as_of)  # warm
    ts=[]; ans=None
    for _ in range(runs):
        t, ans = c.api(base, token, camp, region, week, as_of); ts.append(t)
    total = json.dumps(ans.get('total', ans.get('totals', '')), sort_keys=True)[:400]
    print(f"{label}\t{region}\t{week}\tmedian {statistics.median(ts):.3f}\tmin {min(ts):.3f}\tmax {max(ts):.3f}\t{total}", flush=True)
PY
kill $PID; wait $PID || true
