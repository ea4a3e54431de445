#!/usr/bin/env python3
"""Helpers of bench/ledger.sh: the URL lists, a sequential probe of every distinct URL, and the
statements PostgreSQL logged as slow.

    ledger.py urls DUMP_DIR BASE SEED OUT_DIR
        DUMP_DIR holds enterprises.tsv (id, uscc, name, legal representative, region code; ordered
        by credit code) and categories.tsv (category code, enterprises); writes OUT_DIR/urls-*.txt
        (for oha --urls-from-file), search-queries.tsv and list-queries.txt. The same database and
        seed give the same lists.
    ledger.py probe URLS_FILE HEADER OUT.tsv [CLASSES.tsv]
        GETs every distinct URL once, one at a time, and writes status, milliseconds and (JSON
        responses) the `total`, with the query's class when CLASSES.tsv (from `urls`) is given.
    ledger.py slowlog POSTGRES_LOG THRESHOLD_MS
        Groups the statements PostgreSQL logged as slow (log_min_duration_statement) by text.
"""

import http.client
import json
import os
import random
import sys
import time
import urllib.parse

# ---------------------------------------------------------------- URL lists

FILE_URLS = 2000
SEARCH_PER_CLASS = 100
LIST_URLS = 600

# Legal-form endings and generic words left out when a search term is cut from a name: a user
# searches for the trade name or the product ("鑫达", "电缆"), not for "有限公司".
SUFFIXES = ["股份有限公司", "有限责任公司", "有限公司", "公司", "厂"]


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def as_uuid(s):
    s = s.strip().lower().replace("-", "")
    return f"{s[0:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:32]}"


def distinctive(name, places):
    """The trade name and product words of an enterprise name: without the province, city or
    county in front and the legal form at the end."""
    core = name
    for suffix in SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 2:
            core = core[: -len(suffix)]
            break
    for place in sorted(places, key=len, reverse=True):
        if core.startswith(place) and len(core) > len(place) + 1:
            core = core[len(place):]
            break
    return core


def place_prefixes(regions_rows, province):
    """Short names of the province's regions as they begin enterprise names: 江西, 南昌, 浮梁…"""
    out = set()
    for code, parent, level, name, *_ in regions_rows:
        if not code.startswith(province[:2]):
            continue
        for ending in ("省", "市", "县", "区"):
            if name.endswith(ending) and len(name) > 2:
                name = name[: -len(ending)]
                break
        if len(name) >= 2:
            out.add(name)
            out.add(name[:2])
    return out


def urls(dump, base, seed, out):
    rng = random.Random(int(seed))
    ents = read_tsv(os.path.join(dump, "enterprises.tsv"))
    cats = [c for c, n in read_tsv(os.path.join(dump, "categories.tsv")) if int(n) >= 20]
    regions_rows = read_tsv(os.path.join(dump, "regions.tsv"))[1:]
    places = place_prefixes(regions_rows, "360000")
    q = urllib.parse.quote

    # (1) The enterprise file page over distinct random enterprises.
    picked = rng.sample(ents, min(FILE_URLS, len(ents)))
    with open(os.path.join(out, "urls-file.txt"), "w", encoding="utf-8") as f:
        for e in picked:
            f.write(f"{base}/enterprises/{as_uuid(e[0])}\n")

    # (2) Search terms of six kinds, SEARCH_PER_CLASS each, from random enterprises.
    queries = []

    def pick():
        return rng.choice(ents)

    for _ in range(SEARCH_PER_CLASS):
        core = distinctive(pick()[2], places)
        i = rng.randrange(0, max(len(core) - 1, 1))
        queries.append(("two_characters", core[i : i + 2]))
    for _ in range(SEARCH_PER_CLASS):
        core = distinctive(pick()[2], places)
        queries.append(("one_character", rng.choice(core)))
    for _ in range(SEARCH_PER_CLASS):
        queries.append(("whole_name", pick()[2]))
    for _ in range(SEARCH_PER_CLASS):
        queries.append(("legal_representative", pick()[3]))
    for _ in range(SEARCH_PER_CLASS):
        code = pick()[1]
        queries.append(("code_prefix", code[: rng.randint(6, 12)]))
    for _ in range(SEARCH_PER_CLASS):
        # A middle part: from the third to the ninth character, 6 to 8 long, check character not
        # included (the embedded organisation code is characters 9-17).
        code = pick()[1]
        start = rng.randint(2, 9)
        queries.append(("code_middle", code[start : start + rng.randint(6, 8)]))
    with open(os.path.join(out, "search-queries.tsv"), "w", encoding="utf-8") as f:
        f.write("class\tquery\n")
        for cls, term in queries:
            f.write(f"{cls}\t{term}\n")
    with open(os.path.join(out, "urls-search-api.txt"), "w", encoding="utf-8") as fa, open(
        os.path.join(out, "urls-search-page.txt"), "w", encoding="utf-8"
    ) as fp:
        for _, term in queries:
            fa.write(f"{base}/api/v1/enterprises?q={q(term)}\n")
            fp.write(f"{base}/enterprises?q={q(term)}\n")

    # (3) Filtered list pages at the three levels: the province as a whole, a city, a county.
    present = {e[4] for e in ents}
    cities = sorted({c for c, parent, level, *_ in regions_rows if parent == "360000" and level != "county"})
    cities = [c for c in cities if any(r.startswith(c[:4]) for r in present)]
    counties = sorted(r for r in present if r.startswith("36") and not r.endswith("00"))
    lists = []
    for n in range(LIST_URLS):
        level = ("province", "city", "county")[n % 3]
        p = []
        if level == "province":
            if rng.random() < 0.5:
                p.append(("region_code", "360000"))
        elif level == "city":
            p.append(("region_code", rng.choice(cities)))
        else:
            p.append(("region_code", rng.choice(counties)))
        status = rng.choices([None, "operating", "suspended", "closed"], [4, 4, 1, 1])[0]
        if status:
            p.append(("status", status))
        if rng.random() < 0.4:
            p.append(("category", rng.choice(cats)))
        if rng.random() < 0.4:
            p.append(("scale", rng.choice(["large", "medium", "small", "micro"])))
        sort = rng.choice([None, "name", "uscc", "region_code", "status", "updated_at"])
        if sort:
            p.append(("sort", sort))
        page = rng.choices([1, rng.randint(2, 5), rng.randint(6, 20)], [6, 3, 1])[0]
        if page > 1:
            p.append(("page", str(page)))
        lists.append((level, urllib.parse.urlencode(p)))
    with open(os.path.join(out, "list-queries.tsv"), "w", encoding="utf-8") as f:
        f.write("level\tquery_string\n")
        for level, qs in lists:
            f.write(f"{level}\t{qs}\n")
    with open(os.path.join(out, "urls-list.txt"), "w", encoding="utf-8") as f:
        for _, qs in lists:
            f.write(f"{base}/enterprises?{qs}\n")


# ---------------------------------------------------------------- probe


def probe(urls_file, header, out, classes_file=None):
    lines = [u.strip() for u in open(urls_file, encoding="utf-8") if u.strip()]
    classes = {}
    if classes_file:
        rows = read_tsv(classes_file)[1:]
        for (cls, term), url in zip(rows, lines):
            classes[url] = cls
    seen = []
    for u in lines:
        if u not in seen:
            seen.append(u)
    name, _, value = header.partition(":")
    first = urllib.parse.urlsplit(seen[0])
    conn = http.client.HTTPConnection(first.hostname, first.port, timeout=60)
    with open(out, "w", encoding="utf-8") as f:
        f.write("class\tquery\tstatus\tms\ttotal\n")
        for u in seen:
            parts = urllib.parse.urlsplit(u)
            target = parts.path + ("?" + parts.query if parts.query else "")
            t0 = time.perf_counter()
            conn.request("GET", target, headers={name.strip(): value.strip()})
            resp = conn.getresponse()
            body = resp.read()
            ms = (time.perf_counter() - t0) * 1000
            total = ""
            if resp.getheader("content-type", "").startswith("application/json"):
                try:
                    total = json.loads(body).get("total", "")
                except ValueError:
                    pass
            query = urllib.parse.unquote(parts.query) if parts.query else parts.path
            f.write(f"{classes.get(u, '')}\t{query}\t{resp.status}\t{ms:.2f}\t{total}\n")


def slowlog(path, threshold):
    """Statements PostgreSQL logged as slower than the threshold (log_min_duration_statement),
    grouped by their text: how often, median and slowest, and one example's parameters."""
    import re
    groups = {}
    last = None
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.search(r"duration: ([0-9.]+) ms\s+(?:execute [^:]*|statement|parse [^:]*|bind [^:]*): (.*)", line)
        if m:
            text = m.group(2).strip()
            g = groups.setdefault(text, {"ms": [], "params": None})
            g["ms"].append(float(m.group(1)))
            last = g
            continue
        m = re.search(r"DETAIL:\s+parameters: (.*)", line)
        if m and last is not None and last["params"] is None:
            last["params"] = m.group(1).strip()
        last = None if not m else last
    print(f"# Statements PostgreSQL logged as slower than {threshold} ms during the whole run (warm-ups and probes"
          " included), by total time.")
    for text, g in sorted(groups.items(), key=lambda kv: -sum(kv[1]["ms"])):
        v = sorted(g["ms"])
        print(f"\n## {len(v)} times, median {v[len(v) // 2]:.0f} ms, slowest {v[-1]:.0f} ms, total {sum(v) / 1000:.1f} s")
        print(text)
        if g["params"]:
            print(f"-- one example's parameters: {g['params'][:400]}")


def main():
    cmd = sys.argv[1]
    if cmd == "urls":
        urls(*sys.argv[2:6])
    elif cmd == "probe":
        probe(*sys.argv[2:])
    elif cmd == "slowlog":
        slowlog(*sys.argv[2:4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
