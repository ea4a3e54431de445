#!/usr/bin/env python3
"""Summarises one bench/run.sh result directory, or prints summaries as Markdown tables.

    summarise.py DIR --engine E --oha V --commit C ...   > DIR/summary.json
    summarise.py table DIR/summary.json [...]             Markdown tables for BENCHMARKS.md
"""

import argparse
import gzip
import json
import os
import sys
from collections import Counter, defaultdict

LABELS = {
    "healthz": "baseline `GET /healthz` (no DB, no auth)",
    "me": "`GET /api/v1/me` (bearer token)",
    "users": "`GET /api/v1/users?per_page=50` as jx.officer",
    "page_users": "page `GET /admin/users` (HTML, session cookie) as jx.officer",
    "token_create": "`POST /api/v1/me/tokens` (insert + audit entry)",
    "sign_in": "`POST /api/v1/auth/sign-in` (argon2id)",
    # bench/ledger.sh
    "file": "enterprise file page `GET /enterprises/{id}` (2,000 enterprises)",
    "search_api": "search `GET /api/v1/enterprises?q=…` (600 queries)",
    "search_page": "search page `GET /enterprises?q=…` (600 queries)",
    "list": "filtered list page `GET /enterprises?region_code=…&…` (600 combinations)",
}

PATHS = {
    "healthz": "/healthz",
    "me": "/api/v1/me",
    "users": "/api/v1/users",
    "page_users": "/admin/users",
    "token_create": "/api/v1/me/tokens",
    "sign_in": "/api/v1/auth/sign-in",
}


def path_class(path):
    """Groups the ledger's paths: /enterprises/<id> is one class."""
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "enterprises" and len(parts[2]) == 36:
        return "/enterprises/{id}"
    return path


def ms(seconds):
    return None if seconds is None else round(seconds * 1000.0, 2)


def server_log(out):
    """Status codes per path and error lines from the server's JSON log."""
    path = os.path.join(out, "server.log")
    opener = open
    if not os.path.exists(path):
        path += ".gz"
        opener = gzip.open
    by_path = defaultdict(Counter)
    errors = []
    if not os.path.exists(path):
        return {}, []
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            fields = rec.get("fields", {})
            if fields.get("message") == "request":
                by_path[path_class(fields.get("path", "?"))][str(fields.get("status"))] += 1
            elif rec.get("level") in ("ERROR", "WARN"):
                errors.append({"level": rec.get("level"), "message": fields.get("message"),
                               "error": fields.get("error")})
    return {p: dict(c) for p, c in by_path.items()}, errors


def scenario(out, name, rate, duration):
    with open(os.path.join(out, name + ".json"), encoding="utf-8") as f:
        r = json.load(f)
    p = r["latencyPercentiles"]
    status = r.get("statusCodeDistribution", {})
    client_errors = r.get("errorDistribution", {})
    ok = sum(n for code, n in status.items() if code.startswith("2"))
    total = sum(status.values()) + sum(client_errors.values())
    cpu_path = os.path.join(out, name + ".cpu.json")
    cpu = json.load(open(cpu_path, encoding="utf-8")) if os.path.exists(cpu_path) else {}
    return {
        "cpu": cpu,
        "scenario": name,
        "target_rps": rate,
        "duration": duration,
        "requests": total,
        "achieved_rps": round(r["summary"]["requestsPerSec"], 1),
        "p50_ms": ms(p.get("p50")),
        "p90_ms": ms(p.get("p90")),
        "p99_ms": ms(p.get("p99")),
        "p99_9_ms": ms(p.get("p99.9")),
        "max_ms": ms(r["summary"]["slowest"]),
        "errors": total - ok,
        "status": status,
        "client_errors": client_errors,
    }


def summarise(args):
    out = args.dir
    scenarios = []
    with open(os.path.join(out, "scenarios.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                name, rate, duration = line.split()
                scenarios.append(scenario(out, name, int(rate), duration))
    by_path, log_errors = server_log(out)
    for s in scenarios:
        if s["scenario"] in PATHS:
            s["server_status"] = by_path.get(PATHS[s["scenario"]], {})
    idle = {}
    idle_path = os.path.join(out, "idle-wait.txt")
    if os.path.exists(idle_path):
        for line in open(idle_path, encoding="utf-8"):
            name, _, rest = line.partition(" ")
            idle[name] = json.loads(rest)
    for s in scenarios:
        s["idle_wait"] = idle.get(s["scenario"])
    verify_path = os.path.join(out, "audit-verify.txt")
    verify = open(verify_path, encoding="utf-8").read().strip().splitlines() if os.path.exists(verify_path) else []
    pg = os.path.join(out, "postgres-version.txt")
    summary = {
        "engine": args.engine,
        "postgres": open(pg, encoding="utf-8").read().strip() if os.path.exists(pg) else None,
        "commit": args.commit,
        "tool": args.oha,
        "warmup": args.warmup,
        "seed_seconds": args.seed_seconds,
        "users_visible_to_jx_officer": args.users_visible,
        "scenarios": scenarios,
        "server_log_errors": log_errors[:50],
        "server_log_error_count": len(log_errors),
        "audit_verify": verify[-3:],
    }
    if args.extra:
        # bench/ledger.sh: the data set, and the status codes the server logged per kind of path
        # (warm-ups included; the search and list pages share /enterprises).
        summary["ledger"] = json.load(open(args.extra, encoding="utf-8"))
        summary["server_status_by_path"] = by_path
        targets = summary["ledger"].get("targets_p99_ms", {})
        for s in scenarios:
            if s["scenario"] in targets:
                s["target_p99_ms"] = targets[s["scenario"]]
                s["target_met"] = s["p99_ms"] is not None and s["p99_ms"] < targets[s["scenario"]] and s["errors"] == 0
    json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
    print()


def fmt(v):
    if v is None:
        return "–"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def ledger_table(s):
    print(f"### {s['engine']} (commit {s['commit']})\n")
    print("| scenario | target req/s | achieved req/s | p50 ms | p90 ms | p99 ms | max ms | errors | p99 target "
          "| server CPU % | PostgreSQL CPU % | other CPU % | quiet before |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |")
    for r in s["scenarios"]:
        cpu = r.get("cpu", {})
        target = "–"
        if "target_p99_ms" in r:
            target = f"< {r['target_p99_ms']} ms: **{'met' if r['target_met'] else 'missed'}**"
        idle = r.get("idle_wait") or {}
        quiet = "yes" if idle.get("quiet") else f"no ({idle.get('last_window_pct', '?')} %)"
        print(f"| {LABELS.get(r['scenario'], r['scenario'])} | {r['target_rps']} | {r['achieved_rps']:.1f} "
              f"| {fmt(r['p50_ms'])} | {fmt(r['p90_ms'])} | {fmt(r['p99_ms'])} | {fmt(r['max_ms'])} "
              f"| {r['errors']} of {r['requests']} | {target} | {cpu.get('server_cpu_pct', '–')} "
              f"| {cpu.get('postgres_cpu_pct', '–') if s['engine'] == 'postgres' else '–'} "
              f"| {cpu.get('other_cpu_pct', '–')} | {quiet} |")
    print()


def table(files):
    for path in files:
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        if "ledger" in s:
            ledger_table(s)
            continue
        print(f"### {s['engine']} (commit {s['commit']})\n")
        print("| scenario | target req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms "
              "| errors (non-2xx) | server CPU % | PostgreSQL CPU % | other CPU % |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in s["scenarios"]:
            cpu = r.get("cpu", {})
            print(f"| {LABELS.get(r['scenario'], r['scenario'])} | {r['target_rps']} | {r['achieved_rps']:.1f} "
                  f"| {fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | {fmt(r['p99_9_ms'])} | {fmt(r['max_ms'])} "
                  f"| {r['errors']} of {r['requests']} | {cpu.get('server_cpu_pct', '–')} "
                  f"| {cpu.get('postgres_cpu_pct', '–') if s['engine'] == 'postgres' else '–'} "
                  f"| {cpu.get('other_cpu_pct', '–')} |")
        print()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "table":
        table(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--engine", required=True)
    ap.add_argument("--oha", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--seed-seconds", type=float)
    ap.add_argument("--users-visible")
    ap.add_argument("--warmup")
    ap.add_argument("--extra", help="JSON merged into the summary as `ledger` (bench/ledger.sh)")
    summarise(ap.parse_args())


if __name__ == "__main__":
    main()
