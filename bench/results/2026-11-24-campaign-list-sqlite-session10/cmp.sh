#!/usr/bin/env bash
# cmp.sh BIN LABEL DATA: best-of-7 latency of a few URLs
BIN="$1"; LABEL="$2"; DATA="$3"
cd /work/main; source bench/lib.sh; BASE=http://127.0.0.1:18999
"$BIN" serve --data "$DATA" --bind 127.0.0.1:18999 > "/tmp/mm/serve-cmp-$LABEL.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done; sleep 5
token="$(api_token jx.officer)"
for q in "overdue=true&sort=deadline" "status=rectifying&sort=deadline&page=2" "region_code=360400&level=major" "level=major" "campaign_id=01a20c1d-f7a2-7056-9015-506b769d3f02&page=3" "region_code=360300&q=%E6%89%B9%E6%AC%A1%E6%A0%87%E8%AF%86" "region_code=360704&page=2"; do
  best=99; for i in 1 2 3 4 5 6 7; do t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$BASE/api/v1/hazards?$q"); best=$(python3 -c "print(min($best,$t))"); done
  printf '%s\t%s\t%.1f\n' "$LABEL" "$q" "$(python3 -c "print($best*1000)")"
done
kill $PID; wait $PID 2>/dev/null || true
