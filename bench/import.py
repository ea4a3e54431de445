#!/usr/bin/env python3
"""Helpers of bench/import.sh.

    import.py stamp OUT.txt        copies stdin (a command's output, progress lines split on CR or
                                   LF) to OUT.txt, each line prefixed with the seconds since start
    import.py timev TIME.txt       /usr/bin/time -v output -> JSON: wall seconds, peak RSS (KiB),
                                   user and system CPU seconds
    import.py summary DIR          DIR/runs.jsonl (one JSON object per measured run) -> summary.json
                                   on stdout: rows/s, the ratio to the baseline of the same engine,
                                   size and targets
    import.py table DIR/summary.json   Markdown table for BENCHMARKS.md
"""

import json
import re
import sys
import time


def stamp(out):
    # A line is stamped when its first byte arrives: a progress line written as "\rvalidated N of
    # N rows" is only ended by the next write, which may come much later.
    t0 = time.monotonic()
    buf = b""
    started = None
    with open(out, "w", encoding="utf-8") as f:
        while True:
            chunk = sys.stdin.buffer.read1(65536)
            now = time.monotonic() - t0
            if not chunk:
                break
            if started is None or not buf.strip():
                started = now
            buf += chunk
            parts = re.split(rb"[\r\n]", buf)
            buf = parts.pop()
            for i, p in enumerate(parts):
                if p.strip():
                    f.write(f"{started if i == 0 else now:9.2f} {p.decode(errors='replace')}\n")
                    f.flush()
                if i == 0:
                    started = now
            if not buf.strip():
                started = None
        if buf.strip():
            f.write(f"{started if started is not None else time.monotonic() - t0:9.2f} {buf.decode(errors='replace')}\n")


def timev(path):
    text = open(path, encoding="utf-8", errors="replace").read()

    def field(label):
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(label):
                return line.rsplit(": ", 1)[1].strip()
        return None

    wall = field("Elapsed (wall clock) time")
    seconds = None
    if wall:
        parts = [float(x) for x in wall.split(":")]
        seconds = 0.0
        for p in parts:
            seconds = seconds * 60 + p
    status = field("Exit status")
    return {
        "wall_s": round(seconds, 2) if seconds is not None else None,
        "peak_rss_kib": int(field("Maximum resident set size") or 0),
        "user_s": float(field("User time (seconds)") or 0),
        "system_s": float(field("System time (seconds)") or 0),
        "exit_status": int(status) if status is not None else None,
    }


TARGET_RATIO = 0.5
TARGET_RSS_MIB = 256


def summary(out):
    runs = [json.loads(line) for line in open(f"{out}/runs.jsonl", encoding="utf-8") if line.strip()]
    meta = json.load(open(f"{out}/meta.json", encoding="utf-8"))
    for r in runs:
        r["rows_per_s"] = round(r["rows"] / r["wall_s"]) if r.get("wall_s") else None
        if r.get("load_s"):
            r["load_rows_per_s"] = round(r["rows"] / r["load_s"])
    for r in runs:
        if r["tool"] != "touchstone":
            continue
        base = next((b for b in runs if b["engine"] == r["engine"] and b["rows"] == r["rows"] and b["tool"] != "touchstone"), None)
        if base and base.get("rows_per_s") and r.get("rows_per_s"):
            r["ratio_to_baseline"] = round(r["rows_per_s"] / base["rows_per_s"], 3)
            r["target_ratio"] = TARGET_RATIO
            r["ratio_met"] = r["ratio_to_baseline"] >= TARGET_RATIO
        r["peak_rss_mib"] = round(r["peak_rss_kib"] / 1024, 1)
        if r["rows"] >= 1_000_000:
            r["target_rss_mib"] = TARGET_RSS_MIB
            r["rss_met"] = r["peak_rss_mib"] <= TARGET_RSS_MIB
    meta["runs"] = runs
    json.dump(meta, sys.stdout, indent=2, ensure_ascii=False)
    print()


def table(path):
    s = json.load(open(path, encoding="utf-8"))
    print(f"Commit {s['commit']}; {s['machine']}\n")
    print("| engine | rows | what | wall s | rows/s | ratio to baseline (target ≥ 0.5) | row load alone s (rows/s) "
          "| peak RSS MiB (target ≤ 256 for 1M) | CPU user+sys s | quiet before |")
    print("| --- | ---: | --- | ---: | ---: | --- | --- | ---: | ---: | --- |")
    for r in s["runs"]:
        ratio = "–"
        if "ratio_to_baseline" in r:
            ratio = f"{r['ratio_to_baseline']:.2f}: **{'met' if r['ratio_met'] else 'missed'}**"
        load = "–"
        if r.get("load_s"):
            load = f"{r['load_s']:.1f} ({r['load_rows_per_s']:,})"
        rss = f"{r['peak_rss_kib'] / 1024:.1f}"
        if "rss_met" in r:
            rss += f": **{'met' if r['rss_met'] else 'missed'}**"
        idle = r.get("idle") or {}
        quiet = "yes" if idle.get("quiet") else f"no ({idle.get('last_window_pct', '?')} %)"
        print(f"| {r['engine']} | {r['rows']:,} | {r['what']} | {r['wall_s']:.1f} | {r['rows_per_s']:,} | {ratio} "
              f"| {load} | {rss} | {r['user_s'] + r['system_s']:.1f} | {quiet} |")
    print()


def main():
    cmd = sys.argv[1]
    if cmd == "stamp":
        stamp(sys.argv[2])
    elif cmd == "timev":
        json.dump(timev(sys.argv[2]), sys.stdout)
        print()
    elif cmd == "summary":
        summary(sys.argv[2])
    elif cmd == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
