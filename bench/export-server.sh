#!/usr/bin/env bash
# End-to-end export memory: the server's peak resident memory while it streams a large
# ledger's export through HTTP (the list read page by page from SQLite, CSV and XLSX).
#
#   bash bench/export-server.sh [ENTERPRISES]      (default: 200000)
#
# Builds the release binary from a clean export of HEAD (so unfinished work in the tree is not
# measured), generates ENTERPRISES Jiangxi enterprises into a fresh SQLite database, serves the
# demo on it, signs in as jx.officer (the province: every enterprise) and downloads
# /enterprises/export.xlsx and .csv, reading the server's VmHWM before and after each.
# BIN=PATH measures that binary as it is instead of building one.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-200000}"
PASSWORD="Touchstone#2026" # the demo's password (crates/app/src/demo.rs)
SRC="$(mktemp -d /tmp/touchstone-export-src.XXXXXX)"
DATA="$(mktemp -d /tmp/touchstone-export-data.XXXXXX)"
OUT="$(mktemp -d /tmp/touchstone-export-out.XXXXXX)"
PID=""
cleanup() {
    [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$SRC" "$DATA" "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[export %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [[ -n "${BIN:-}" ]]; then
    log "measuring $BIN as it is (not rebuilt)"
else
    git -C "$ROOT" archive HEAD | tar -x -C "$SRC"
    log "building the release binary of $(git -C "$ROOT" rev-parse --short HEAD)"
    (cd "$SRC" && CARGO_TARGET_DIR="$ROOT/target" CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" nice -n 10 cargo build --release -q -p touchstone)
    BIN="$ROOT/target/release/touchstone"
fi
log "generating $N enterprises"
start=$(date +%s)
"$BIN" generate --data "$DATA" --province 360000 --enterprises "$N" --seed 20261123 >/dev/null 2>&1
log "generated in $(($(date +%s) - start)) s"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
"$BIN" demo --data "$DATA" --bind "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$BASE/readyz" >/dev/null || { tail "$OUT/server.log"; exit 1; }
curl -sf -c "$OUT/cookies" -H 'Content-Type: application/json' -H "Origin: $BASE" \
    -d "{\"username\":\"jx.officer\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/sign-in" >/dev/null
hwm() { awk '/VmHWM/{print $2}' "/proc/$PID/status"; }
rss() { awk '/VmRSS/{print $2}' "/proc/$PID/status"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  commit: $(git -C "$ROOT" rev-parse --short HEAD)  engine: SQLite"
echo "ledger: $N generated + the demo's 3,000 enterprises, all visible to jx.officer"
echo "server after start and sign-in: VmRSS $(rss) KiB, VmHWM $(hwm) KiB"
for fmt in xlsx csv; do
    start=$(date +%s.%N)
    bytes=$(curl -sf -b "$OUT/cookies" -o "$OUT/export.$fmt" -w '%{size_download}' "$BASE/enterprises/export.$fmt")
    secs=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
    echo "export.$fmt: $bytes bytes in $secs s; server VmRSS $(rss) KiB, VmHWM $(hwm) KiB"
done
python3 - "$OUT/export.csv" <<'PY'
import sys
rows = sum(1 for _ in open(sys.argv[1], encoding="utf-8-sig")) - 1
print(f"export.csv rows: {rows}")
PY
