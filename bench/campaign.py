#!/usr/bin/env python3
"""The campaign benchmark's measuring half (bench/campaign.sh): the weekly report through the API
against hand-written SQL for the same numbers, run directly on the same database.

  campaign.py report ENGINE DB BASE TOKEN CAMPAIGN_ID CATALOGUE_TSV OUT_JSON RUNS CASE...
  campaign.py urls BASE CAMPAIGN_ID CITIES COUNTIES SEED OUT_DIR

`urls` writes OUT_DIR/urls-hazards-api.txt and urls-hazards-page.txt (for oha --urls-from-file):
the hazard ledger as an officer filters it — by city or county (comma-separated codes), status,
level, overdue, the campaign, a problem's wording — sorted by found date or deadline, pages 1-5;
the same query strings for the API and the page. The same seed gives the same lists.

ENGINE is sqlite (DB: the database file) or postgres (DB: a libpq URL). Each CASE is
REGION:WEEK, WEEK being an ISO week (2025-W22) or `cumulative:YYYY-MM-DD`. For each case:

1. the API (`GET /api/v1/campaigns/{id}/weekly-report?region_code=&week=&as_of=`) is asked RUNS
   times, one request at a time, with the same `as_of` (the moment the run started), and the
   wall time of each answer is kept (curl's time_total: the whole request, JSON included);
2. the hand-written SQL (below) is run RUNS times per variant through the engine's own shell
   (`sqlite3` with `.timer on`, `psql` with `\\timing`), the same `as_of`; the fastest variant's
   median is the baseline;
3. the API's total row and the SQL's sums are compared figure by figure: a difference fails the
   run (the baseline must compute the same numbers).

The hand-written SQL is what a DBA would write for METHODS.md §2 on this schema, with nothing
from the application: the region as a code prefix, the key-product categories expanded from the
catalogue file, the state as of the cut-off rebuilt from the event tables. Three variants of the
hazard half: `correlated` (a lookup into hazard_events per changed hazard), `window` (one pass
over the events with ROW_NUMBER) and `closing` (closing is final: only the overdue candidates'
histories are read); the enterprise half is the same in all three. Each reads the history only of
a hazard whose state changed after the cut-off (`state_changed_at`, the schema's column for it,
which escalations do not move; migration 0023).
"""

import datetime as dt
import json
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

CHINA = dt.timezone(dt.timedelta(hours=8))
ENTERPRISE_FIGURES = ["target_enterprises", "self_inspected", "inspected", "inspected_to_date"]
HAZARD_FIGURES = ["hazards_general", "hazards_major", "hazards_closed", "hazards_to_date", "closed_to_date",
                  "overdue", "open_at_cutoff"]


def micros_at_china_midnight(day):
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=CHINA).timestamp()) * 1_000_000


def period(week, campaign_start):
    """(from, to) dates of an ISO week or `cumulative:TO`."""
    if week.startswith("cumulative:"):
        return campaign_start, dt.date.fromisoformat(week.split(":", 1)[1])
    m = re.fullmatch(r"(\d{4})-W(\d{2})", week)
    monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    return monday, monday + dt.timedelta(days=6)


def expand(codes, catalogue_tsv):
    """Every catalogue code equal to one of `codes` or under it (codes are dotted paths)."""
    all_codes = [line.split("\t")[0] for line in open(catalogue_tsv, encoding="utf-8").read().splitlines()[1:] if line]
    return sorted({c for c in all_codes for k in codes if c == k or c.startswith(k + ".")})


def quote(s):
    return "'" + s.replace("'", "''") + "'"


class Sql:
    """The engine's spelling of the few things that differ."""

    def __init__(self, engine):
        self.engine = engine

    def uuid(self, u):
        return "X'" + u.replace("-", "") + "'" if self.engine == "sqlite" else quote(u) + "::uuid"

    def json_status(self, col):
        return f"json_extract({col}, '$.status')" if self.engine == "sqlite" else f"(CAST({col} AS jsonb) ->> 'status')"

    def uuid_text(self, col):
        if self.engine == "postgres":
            return f"CAST({col} AS TEXT)"
        h = f"hex({col})"
        return (f"lower(substr({h}, 1, 8) || '-' || substr({h}, 9, 4) || '-' || substr({h}, 13, 4) || '-' "
                f"|| substr({h}, 17, 4) || '-' || substr({h}, 21, 12))")


def region_condition(col, region):
    """A region and everything under it: 36 0000 → '36%', 36 01 00 → '3601%', a county exactly."""
    prefix = region.rstrip("0")
    if len(region) == 6 and region.endswith("0000"):
        prefix = region[:2]
    elif len(region) == 6 and region.endswith("00"):
        prefix = region[:4]
    else:
        return f"{col} = {quote(region)}"
    return f"{col} LIKE '{prefix}%'"


def enterprise_sql(s, p):
    """Target enterprises and the enterprise figures, by region code."""
    keys = ", ".join(quote(c) for c in p["key_categories"])
    return f"""
WITH changed AS (
  SELECT c.enterprise_id AS eid, c.at AS at, 0 AS ord, {s.json_status('c.before_json')} AS st
    FROM enterprise_changes c WHERE c.at >= {p['state_at']}
  UNION ALL
  SELECT e2.id, a.at, a.seq, {s.json_status('a.before_json')}
    FROM audit_entries a JOIN enterprises e2 ON a.entity_id = {s.uuid_text('e2.id')}
   WHERE a.entity_type = 'enterprise' AND a.at >= {p['state_at']}
), status_then AS (
  SELECT eid, st FROM (
    SELECT eid, st, ROW_NUMBER() OVER (PARTITION BY eid ORDER BY at, ord) AS rn FROM changed WHERE st IS NOT NULL
  ) f WHERE rn = 1
), target AS (
  SELECT e.id, e.region_code FROM enterprises e LEFT JOIN status_then t ON t.eid = e.id
   WHERE e.is_producer = TRUE AND {region_condition('e.region_code', p['region'])}
     AND e.created_at < {p['known_before']} AND COALESCE(t.st, e.status) = 'operating'
     AND EXISTS (SELECT 1 FROM enterprise_categories ec WHERE ec.enterprise_id = e.id AND ec.category_code IN ({keys}))
)
SELECT t.region_code,
  COUNT(*),
  SUM(CASE WHEN EXISTS (SELECT 1 FROM self_inspections si WHERE si.enterprise_id = t.id AND si.campaign_id = {p['campaign']}
        AND si.status = 'submitted' AND si.submitted_on BETWEEN '{p['from']}' AND '{p['to']}' AND si.submitted_at < {p['known_before']})
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN EXISTS (SELECT 1 FROM inspections i WHERE i.enterprise_id = t.id AND i.campaign_id = {p['campaign']}
        AND i.status = 'completed' AND i.inspected_on BETWEEN '{p['from']}' AND '{p['to']}'
        AND COALESCE(i.completed_at, i.created_at) < {p['known_before']}) THEN 1 ELSE 0 END),
  SUM(CASE WHEN EXISTS (SELECT 1 FROM inspections i WHERE i.enterprise_id = t.id AND i.campaign_id = {p['campaign']}
        AND i.status = 'completed' AND i.inspected_on BETWEEN '{p['start']}' AND '{p['to']}'
        AND COALESCE(i.completed_at, i.created_at) < {p['known_before']}) THEN 1 ELSE 0 END)
FROM target t GROUP BY t.region_code ORDER BY t.region_code;
"""


def hazard_select(p, st, dl):
    return f"""SELECT region_code,
  SUM(CASE WHEN found_on >= '{p['from']}' AND level = 'general' THEN 1 ELSE 0 END),
  SUM(CASE WHEN found_on >= '{p['from']}' AND level = 'major' THEN 1 ELSE 0 END),
  SUM(CASE WHEN {st} = 'closed' AND closed_on >= '{p['from']}' THEN 1 ELSE 0 END),
  COUNT(*),
  SUM(CASE WHEN {st} = 'closed' THEN 1 ELSE 0 END),
  SUM(CASE WHEN {st} IN ('open', 'rectifying') AND {dl} < '{p['to']}' THEN 1 ELSE 0 END),
  SUM(CASE WHEN {st} IN ('open', 'rectifying', 'evidence_submitted') THEN 1 ELSE 0 END)"""


def hazard_base(p):
    return f"""SELECT h.id, h.region_code, h.level, h.found_on, h.closed_on, h.status, h.state_changed_at, h.deadline, h.original_deadline
    FROM hazards h
   WHERE h.campaign_id = {p['campaign']} AND h.source IN ('self_inspection', 'inspection', 'spot_check')
     AND {region_condition('h.region_code', p['region'])} AND h.found_on < '{p['cutoff']}' AND h.created_at < {p['known_before']}
     AND (h.status <> 'voided' OR NOT EXISTS (SELECT 1 FROM hazard_events v WHERE v.hazard_id = h.id
          AND v.to_status = 'voided' AND v.at < {p['known_before']}))"""


def hazard_sql_correlated(p):
    st = f"""(CASE WHEN x.state_changed_at < {p['state_at']} THEN x.status ELSE COALESCE((SELECT ev.to_status FROM hazard_events ev
      WHERE ev.hazard_id = x.id AND ev.at < {p['known_before']}
        AND (CASE WHEN ev.to_status = 'closed' THEN x.closed_on ELSE ev.on_date END) < '{p['cutoff']}'
      ORDER BY ev.seq DESC LIMIT 1), 'open') END)"""
    dl = f"""(CASE WHEN x.state_changed_at < {p['state_at']} THEN x.deadline ELSE COALESCE((SELECT ev.deadline_after FROM hazard_events ev
      WHERE ev.hazard_id = x.id AND ev.deadline_after IS NOT NULL AND ev.at < {p['known_before']} AND ev.on_date < '{p['cutoff']}'
      ORDER BY ev.seq DESC LIMIT 1), x.original_deadline) END)"""
    return f"""
WITH x AS ({hazard_base(p)}), y AS (SELECT x.region_code, x.level, x.found_on, x.closed_on, {st} AS st, {dl} AS dl FROM x)
{hazard_select(p, 'st', 'dl')} FROM y GROUP BY region_code ORDER BY region_code;
"""


def hazard_sql_closing(p):
    """Only what each figure needs: closing is final and takes effect on closed_on, so "closed as
    of D" needs no history for a hazard unchanged since `as_of`; only the overdue candidates (not
    closed, first deadline before `to`) have their status and deadline looked up."""
    st = f"""(CASE WHEN x.state_changed_at < {p['state_at']} THEN x.status ELSE COALESCE((SELECT ev.to_status FROM hazard_events ev
      WHERE ev.hazard_id = x.id AND ev.at < {p['known_before']}
        AND (CASE WHEN ev.to_status = 'closed' THEN x.closed_on ELSE ev.on_date END) < '{p['cutoff']}'
      ORDER BY ev.seq DESC LIMIT 1), 'open') END)"""
    dl = f"""(CASE WHEN x.state_changed_at < {p['state_at']} THEN x.deadline ELSE COALESCE((SELECT ev.deadline_after FROM hazard_events ev
      WHERE ev.hazard_id = x.id AND ev.deadline_after IS NOT NULL AND ev.at < {p['known_before']} AND ev.on_date < '{p['cutoff']}'
      ORDER BY ev.seq DESC LIMIT 1), x.original_deadline) END)"""
    closed = (f"COALESCE(CASE WHEN x.state_changed_at < {p['known_before']} THEN (x.status = 'closed' AND x.closed_on < '{p['cutoff']}') "
              f"ELSE {st} = 'closed' END, FALSE)")
    return f"""
WITH x AS ({hazard_base(p)})
SELECT region_code,
  SUM(CASE WHEN found_on >= '{p['from']}' AND level = 'general' THEN 1 ELSE 0 END),
  SUM(CASE WHEN found_on >= '{p['from']}' AND level = 'major' THEN 1 ELSE 0 END),
  SUM(CASE WHEN {closed} AND closed_on >= '{p['from']}' THEN 1 ELSE 0 END),
  COUNT(*),
  SUM(CASE WHEN {closed} THEN 1 ELSE 0 END),
  SUM(CASE WHEN NOT {closed} AND original_deadline < '{p['to']}' AND {st} IN ('open', 'rectifying') AND {dl} < '{p['to']}'
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN NOT {closed} THEN 1 ELSE 0 END)
FROM x GROUP BY region_code ORDER BY region_code;
"""


def hazard_sql_window(p):
    return f"""
WITH x AS ({hazard_base(p)}),
steps AS (
  SELECT ev.hazard_id, ev.to_status,
         ROW_NUMBER() OVER (PARTITION BY ev.hazard_id ORDER BY ev.seq DESC) AS rn
    FROM hazard_events ev JOIN x ON x.id = ev.hazard_id
   WHERE x.state_changed_at >= {p['state_at']} AND ev.at < {p['known_before']}
     AND (CASE WHEN ev.to_status = 'closed' THEN x.closed_on ELSE ev.on_date END) < '{p['cutoff']}'
),
extensions AS (
  SELECT ev.hazard_id, ev.deadline_after,
         ROW_NUMBER() OVER (PARTITION BY ev.hazard_id ORDER BY ev.seq DESC) AS rn
    FROM hazard_events ev JOIN x ON x.id = ev.hazard_id
   WHERE x.state_changed_at >= {p['state_at']} AND ev.deadline_after IS NOT NULL AND ev.at < {p['known_before']}
     AND ev.on_date < '{p['cutoff']}'
),
y AS (
  SELECT x.region_code, x.level, x.found_on, x.closed_on,
         CASE WHEN x.state_changed_at < {p['state_at']} THEN x.status ELSE COALESCE(s.to_status, 'open') END AS st,
         CASE WHEN x.state_changed_at < {p['state_at']} THEN x.deadline ELSE COALESCE(d.deadline_after, x.original_deadline) END AS dl
    FROM x LEFT JOIN steps s ON s.hazard_id = x.id AND s.rn = 1
           LEFT JOIN extensions d ON d.hazard_id = x.id AND d.rn = 1
)
{hazard_select(p, 'st', 'dl')} FROM y GROUP BY region_code ORDER BY region_code;
"""


def run_sql(engine, db, sql):
    """(seconds as the engine's shell timed it, rows)."""
    if engine == "sqlite":
        out = subprocess.run(["sqlite3", "-bail", "-separator", "\t", db], input=".timer on\n" + sql,
                             capture_output=True, text=True, check=True).stdout
        rows, secs = [], None
        for line in out.splitlines():
            m = re.match(r"Run Time: real ([0-9.]+)", line)
            if m:
                secs = float(m.group(1))
            elif line:
                rows.append(line.split("\t"))
        return secs, rows
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", db],
                         input="\\timing on\n" + sql, capture_output=True, text=True, check=True).stdout
    rows, secs = [], None
    for line in out.splitlines():
        m = re.match(r"Time: ([0-9.]+) ms", line)
        if m:
            secs = float(m.group(1)) / 1000
        elif line:
            rows.append(line.split("\t"))
    return secs, rows


def api(base, token, campaign, region, week, as_of):
    q = {"region_code": region, "as_of": str(as_of)}
    if week.startswith("cumulative:"):
        q["week"], q["to"] = "cumulative", week.split(":", 1)[1]
    else:
        q["week"] = week
    url = f"{base}/api/v1/campaigns/{campaign}/weekly-report?{urllib.parse.urlencode(q)}"
    out = subprocess.run(["curl", "-sS", "--fail-with-body", "-H", f"Authorization: Bearer {token}",
                          "-o", "/dev/stdout", "-w", "\n%{time_total}", url], capture_output=True, text=True, check=True).stdout
    body, _, secs = out.rpartition("\n")
    return float(secs), json.loads(body)


def sums(rows, names):
    total = dict.fromkeys(names, 0)
    for r in rows:
        for name, v in zip(names, r[1:]):
            total[name] += int(v or 0)
    return total


def summary(xs):
    return {"runs": len(xs), "median_s": round(statistics.median(xs), 4), "min_s": round(min(xs), 4),
            "max_s": round(max(xs), 4)}


def report(engine, db, base, token, campaign, catalogue, out_json, runs, cases):
    s = Sql(engine)
    runs = int(runs)
    meta_sql = f"SELECT starts_on, key_products FROM campaigns WHERE id = {s.uuid(campaign)};"
    _, meta = run_sql(engine, db, meta_sql)
    start, key_products = dt.date.fromisoformat(meta[0][0]), meta[0][1].split()
    as_of = int(time.time() * 1_000_000)
    results = []
    for case in cases:
        region, week = case.split(":", 1)
        frm, to = period(week, start)
        cutoff = to + dt.timedelta(days=1)
        p = {
            "campaign": s.uuid(campaign), "region": region, "start": start.isoformat(), "from": frm.isoformat(),
            "to": to.isoformat(), "cutoff": cutoff.isoformat(), "known_before": as_of + 1,
            "state_at": min(micros_at_china_midnight(cutoff), as_of + 1),
            "key_categories": expand(key_products, catalogue),
        }
        api_times, answer = [], None
        for _ in range(runs):
            secs, answer = api(base, token, campaign, region, week, as_of)
            api_times.append(secs)
        api_total = answer["total"]["counts"]
        variants = {}
        e_sql = enterprise_sql(s, p)
        for name, h_sql in [("correlated", hazard_sql_correlated(p)), ("window", hazard_sql_window(p)),
                            ("closing", hazard_sql_closing(p))]:
            times, totals = [], None
            for _ in range(runs):
                t1, e_rows = run_sql(engine, db, e_sql)
                t2, h_rows = run_sql(engine, db, h_sql)
                times.append(t1 + t2)
                totals = {**sums(e_rows, ENTERPRISE_FIGURES), **sums(h_rows, HAZARD_FIGURES)}
            diff = {k: (api_total.get(k, 0), v) for k, v in totals.items() if api_total.get(k, 0) != v}
            variants[name] = {**summary(times), "same_numbers_as_api": not diff, "differences_api_vs_sql": diff}
        fastest = min(variants, key=lambda k: variants[k]["median_s"])
        api_s = summary(api_times)
        ratio = api_s["median_s"] / variants[fastest]["median_s"] if variants[fastest]["median_s"] else None
        results.append({
            "case": case, "region": region, "period": week, "from": frm.isoformat(), "to": to.isoformat(),
            "as_of": as_of, "api": api_s, "sql": variants, "fastest_sql": fastest,
            "api_over_fastest_sql": round(ratio, 2) if ratio else None,
            "rows_in_table": len(answer["rows"]), "total": api_total,
        })
        print(f"{case}: API median {api_s['median_s']} s, fastest SQL ({fastest}) {variants[fastest]['median_s']} s, "
              f"ratio {results[-1]['api_over_fastest_sql']}, same numbers: "
              f"{all(v['same_numbers_as_api'] for v in variants.values())}", file=sys.stderr)
    json.dump({"cases": results, "targets": {"api_s": 2.0, "api_over_fastest_sql": 3.0}}, open(out_json, "w"), indent=2)
    if not all(v["same_numbers_as_api"] for r in results for v in r["sql"].values()):
        print("the hand-written SQL and the API disagree: see " + out_json, file=sys.stderr)
        sys.exit(1)


WORDING = ["出厂检验", "原材料进货查验", "计量器具", "合格证", "作业指导书", "批次标识"]


def urls(base, campaign, cities, counties, seed, out_dir):
    import random
    rng = random.Random(int(seed))
    regions = [""] + cities.split(",") + counties.split(",")
    queries = []
    for _ in range(2000):
        q = {}
        region = rng.choice(regions)
        if region:
            q["region_code"] = region
        kind = rng.randrange(10)
        if kind < 4:
            q["status"] = rng.choice(["open", "rectifying", "evidence_submitted", "closed"])
        elif kind < 6:
            q["overdue"] = "true"
        elif kind < 7:
            q["level"] = "major"
        elif kind < 8:
            q["q"] = rng.choice(WORDING)
        elif kind < 9:
            q["campaign_id"] = campaign
        if rng.randrange(4) == 0:
            q["sort"] = "deadline"
        page = rng.choice([1, 1, 1, 2, 3, 5])
        if page > 1:
            q["page"] = str(page)
        queries.append(urllib.parse.urlencode(q))
    with open(f"{out_dir}/urls-hazards-api.txt", "w") as f:
        f.writelines(f"{base}/api/v1/hazards?{q}\n" for q in queries)
    with open(f"{out_dir}/urls-hazards-page.txt", "w") as f:
        f.writelines(f"{base}/hazards?{q}\n" for q in queries)


if __name__ == "__main__":
    if len(sys.argv) >= 11 and sys.argv[1] == "report":
        report(*sys.argv[2:10], sys.argv[10:])
    elif len(sys.argv) == 8 and sys.argv[1] == "urls":
        urls(*sys.argv[2:8])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
