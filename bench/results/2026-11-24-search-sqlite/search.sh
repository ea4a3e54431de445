#!/usr/bin/env bash
# Enterprise searches and lists, one at a time, as jx.officer on /tmp/exp with BIN.
set -euo pipefail
BIN="$1"; LABEL="$2"
cd /work/main
source bench/lib.sh
BASE=http://127.0.0.1:18998
"$BIN" serve --data /tmp/exp/data --bind 127.0.0.1:18998 > "/tmp/mm/serve-$LABEL.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
token="$(api_token jx.officer)"
for u in "q=业" "q=烟花" "q=南昌" "q=张" "q=业&page=5" "q=业&sort=region_code" "q=业&sort=status" "q=业&region_code=360121" "q=业&region_code=360100" "q=烟花&status=operating" "q=万安" "q=电缆&dir=desc"; do
  enc=$(python3 -c "import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1], safe='=&'))" "$u")
  curl -s -o /dev/null -H "Authorization: Bearer $token" "$BASE/api/v1/enterprises?$enc"
  best=999; for i in 1 2 3 4 5; do t=$(curl -s -o /tmp/mm/s.json -w "%{time_total}" -H "Authorization: Bearer $token" "$BASE/api/v1/enterprises?$enc"); best=$(python3 -c "print(min($best,$t))"); done
  printf '%s\t%s\t%s\t%s\t%s\n' "$LABEL" "$u" "$best" "$(jq -c .total /tmp/mm/s.json)" "$(jq -r '[.items[].name]|.[0:3]|join(",")' /tmp/mm/s.json)"
done
kill $PID; wait $PID || true
