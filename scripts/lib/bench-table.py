#!/usr/bin/env python3
"""Results tables of docs/benchmarks.md from the JSON lines scripts/bench.sh writes: one row per run.

    python3 scripts/lib/bench-table.py bench-results/*.json     # markdown, grouped by workload, oldest first
"""
import json
import sys


def f(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return f"{v:,.{digits}f}"
    return str(v)


def kb(p):
    return f"{p['wal_bytes_per_op'] / 1024:.1f} KB / {p['fpi_per_op']:.2f}"


def inv(d):
    i = d.get("invariants")
    if not i:
        return "–"
    if i.get("error"):
        return f"check failed after {i['seconds']} s: {i['error'].replace('ERROR:', '').strip()}"
    return f"{i['violations']} of {i['members']:,} members ({i['seconds']} s)"


def head(d):
    dis = "**yes**" if d["disturbed"] else "no"
    return [d["stamp"][:4] + "-" + d["stamp"][4:6] + "-" + d["stamp"][6:8] + " " + d["stamp"][9:11] + ":" + d["stamp"][11:13],
            d["commit"], d["profile"]], dis


COLUMNS = {
    "reads": ["closed req/s", "p50 / p90 / p99 ms", "errors", "open: 2xx/s at rate, p99 ms", "pgbench PK tps",
              "/health/live req/s", "closed ÷ pgbench", "server µs/read", "PostgreSQL µs/read"],
    "earn": ["closed /s", "p50 / p99 ms", "errors", "open: 2xx/s at rate, p99 ms", "pgbench minimal tps",
             "closed ÷ pgbench", "WAL / FPI per earning", "checkpoints", "server µs/op", "invariant violations"],
    "redeem": ["closed /s", "p50 / p99 ms", "errors", "open: 2xx/s at rate, p99 ms", "pgbench minimal tps",
               "closed ÷ pgbench", "WAL / FPI per redemption", "fulfillment queue after open / drain s",
               "server µs/op", "invariant violations"],
    "ingest": ["applied events/s", "lag p50 / p99 ms", "errors", "COPY events/s", "applied ÷ COPY",
               "WAL / FPI per event", "checkpoints", "server µs/event", "invariant violations"],
    "overload": ["capacity req/s", "at-capacity p99 ms", "offered", "served 2xx/s (÷ capacity)",
                 "served p99 ms (÷ at-capacity)", "503s, p99 ms", "timeouts"],
}


def row(d):
    ph = d["phases"]
    r = d.get("ratios", {})
    w = d["workload"]
    if w == "reads":
        c, o = ph["closed"], ph["open"]
        return [f(c["throughput"]), f"{f(c['p50_ms'])} / {f(c['p90_ms'])} / {f(c['p99_ms'])}", f(c["errors"]),
                f"{f(o['throughput'])} at {f(o.get('offered'))}, p99 {f(o['p99_ms'])}", f(ph["pgbench_pk"]["throughput"]),
                f(ph["health_live"]["throughput"]), f(r.get("closed_to_pgbench_pk"), 2),
                f(c["server_cpu_us_per_op"]), f(c["postgres_cpu_us_per_op"])]
    if w in ("earn", "redeem"):
        c, o = ph["closed"], ph["open"]
        cells = [f(c["throughput"]), f"{f(c['p50_ms'])} / {f(c['p99_ms'])}", f(c["errors"]),
                 f"{f(o['throughput'])} at {f(o.get('offered'))}, p99 {f(o['p99_ms'])}", f(ph["pgbench_minimal"]["throughput"]),
                 f(r.get("closed_to_pgbench_minimal"), 2), kb(c)]
        if w == "earn":
            cells.append(f(c["checkpoints"]))
        else:
            fu = d.get("fulfillment", {})
            cells.append(f"{fu.get('queue_after_open')} / {fu.get('drain_seconds')}")
        return cells + [f(c["server_cpu_us_per_op"]), inv(d)]
    if w == "ingest":
        a = ph["applied"]
        return [f(a["throughput"]), f"{f(a['p50_ms'])} / {f(a['p99_ms'])}", f(a["errors"]),
                f(ph["copy"]["throughput"]), f(r.get("applied_to_copy"), 2), kb(a), f(a["checkpoints"]),
                f(a["server_cpu_us_per_op"]), inv(d)]
    if w == "overload":
        o = d["overload"]
        return [f(o["capacity_rps"]), f(o["at_capacity_p99_ms"], 1), f(o["offered_rps"]),
                f"{f(o['served_rps'])} ({f(o['served_to_capacity'], 2)})",
                f"{f(o['served_p99_ms'], 1)} ({f(o['served_p99_to_at_capacity_p99'], 2)})",
                f"{f(o['rejected'])}, {f(o['rejected_p99_ms'], 1)}", f(o["timeouts"])]
    return []


def main(paths):
    runs = []
    for path in paths:
        with open(path) as fh:
            for line in fh:
                if line.strip():
                    runs.append(json.loads(line))
    for w in ("reads", "earn", "redeem", "ingest", "overload"):
        rs = sorted((d for d in runs if d["workload"] == w and not d.get("smoke")), key=lambda d: d["stamp"])
        if not rs:
            continue
        print(f"### {w}\n")
        print("| run (UTC) | code | profile | " + " | ".join(COLUMNS[w]) + " | disturbed |")
        print("|---|---|---|" + "---:|" * len(COLUMNS[w]) + "---|")
        for d in rs:
            cells, dis = head(d)
            print("| " + " | ".join(cells + row(d) + [dis]) + " |")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
