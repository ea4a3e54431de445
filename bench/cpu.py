#!/usr/bin/env python3
"""CPU use over a window, to tell whether the machine was otherwise idle during a measurement.

    cpu.py SERVER_PID SECONDS [PG_DATABASE:POSTMASTER_PID]   -> JSON: machine busy %, the server's %, the busiest other processes
    cpu.py wait MAX_SECONDS     waits (at most that long) for a quiet 5 s window: the machine
                                below 25 % of one core; prints the seconds waited and whether quiet

Percentages are of one core (200 = both cores of a 2-core machine busy).
"""

import json
import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def machine():
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return sum(parts) - idle, sum(parts)


def processes():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(pid)] = (comm, int(fields[11]) + int(fields[12]))  # utime + stime
    return out


def wait(max_seconds):
    start = time.monotonic()
    ncpu = os.cpu_count() or 1
    while True:
        busy0, total0 = machine()
        time.sleep(5)
        busy1, total1 = machine()
        pct = (busy1 - busy0) / max(total1 - total0, 1) * 100 * ncpu
        waited = time.monotonic() - start
        if pct < 25 or waited >= max_seconds:
            print(json.dumps({"waited_s": round(waited, 1), "quiet": pct < 25, "last_window_pct": round(pct, 1)}))
            return


def ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
        return int(raw[raw.rindex(")") + 2 :].split()[1])
    except (OSError, ValueError):
        return None


def ours(pid, database):
    """True for a process of the benchmark's PostgreSQL server (`database` is "NAME:POSTMASTER_PID")
    that serves that database or the server as a whole."""
    if not database:
        return False
    name, _, postmaster = database.partition(":")
    if str(pid) != postmaster and str(ppid(pid)) != postmaster:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return False
    if not title.startswith("postgres: "):
        return True  # the postmaster
    words = title.split()
    # A backend's title is "postgres: USER DATABASE HOST(PORT) STATE"; helpers have no "(".
    if len(words) >= 4 and "(" in words[3]:
        return words[2] == name
    return True


def main():
    if sys.argv[1] == "wait":
        wait(float(sys.argv[2]))
        return
    server, seconds = int(sys.argv[1]), float(sys.argv[2])
    database = sys.argv[3] if len(sys.argv) > 3 else None
    busy0, total0 = machine()
    p0 = processes()
    t0 = time.monotonic()
    time.sleep(seconds)
    busy1, total1 = machine()
    p1 = processes()
    wall = time.monotonic() - t0
    ncpu = os.cpu_count() or 1
    per = []
    for pid, (comm, ticks) in p1.items():
        before = p0.get(pid, (comm, 0))[1]
        pct = (ticks - before) / TICK / wall * 100
        if pct > 0:
            per.append({"pid": pid, "comm": comm, "cpu_pct": pct})
    per.sort(key=lambda p: -p["cpu_pct"])
    server_pct = round(sum(p["cpu_pct"] for p in per if p["pid"] == server), 1)
    oha_pct = sum(p["cpu_pct"] for p in per if p["comm"] == "oha")
    # PostgreSQL's processes: the backends of the benchmark's database and the server's own
    # helpers (WAL writer, checkpointer, …); backends of other databases count as other work.
    pg_pct = sum(p["cpu_pct"] for p in per if p["comm"] == "postgres" and ours(p["pid"], database))
    per = [dict(p, cpu_pct=round(p["cpu_pct"], 1)) for p in per if p["cpu_pct"] >= 1]
    json.dump(
        {
            "window_s": round(wall, 1),
            "machine_busy_pct_of_one_core": round((busy1 - busy0) / max(total1 - total0, 1) * 100 * ncpu, 1),
            "server_cpu_pct": server_pct,
            "oha_cpu_pct": round(oha_pct, 1),
            "postgres_cpu_pct": round(pg_pct, 1),
            "other_cpu_pct": round(
                max((busy1 - busy0) / max(total1 - total0, 1) * 100 * ncpu - server_pct - oha_pct - pg_pct, 0), 1
            ),
            "busiest": per[:8],
        },
        sys.stdout,
        indent=2,
    )
    print()


if __name__ == "__main__":
    main()
