#!/usr/bin/env python3
"""Key figures and a latency-over-time chart from a Gatling HTML report (Gatling 3.15 writes no stats.json).

    gatling-report.py REPORT_DIR [--svg OUT.svg --title TEXT]

Prints, from the report's statistics table (columns found by their header, so the percentiles are whatever
gatling.conf chose: 50/90/99/99.9 here):
    GLOBAL total ok ko rps p50 p90 p99 p999 max mean
    REQUEST name total ko rps p50 p90 p99 max          (one line per request name)
With --svg, draws the "Response Time Percentiles over Time (OK)" series (p50, p90, p99, max) and the
requests per second of the report as one SVG: no plotting library needed, and small enough to commit.
Standard library only.
"""
import html
import re
import sys

COLUMNS = {"Total": "total", "OK": "ok", "KO": "ko", "Cnt/s": "rps", "50th pct": "p50", "90th pct": "p90",
           "99th pct": "p99", "99.9th pct": "p999", "Max": "max", "Mean": "mean"}


def statistics(page):
    headers = {}
    for col, label in re.findall(r'<th id="col-(\d+)"[^>]*>\s*<span>(.*?)</span>', page, re.S):
        text = re.sub(r"<[^>]+>", "", label).strip()
        if text in COLUMNS:
            headers[col] = COLUMNS[text]
    rows = []
    for row in re.findall(r'<tr id="[^"]*"[^>]*>(.*?)</tr>', page, re.S):
        name = re.search(r'class="ellipsed-name">(.*?)</span>', row, re.S)
        if not name:
            continue
        values = {headers[c]: v.strip() for c, v in re.findall(r'<td class="value [a-z]+ col-(\d+)">(.*?)</td>', row)
                  if c in headers}
        rows.append((html.unescape(name.group(1).strip()), values))
    return rows


def series(page, chart_title):
    """{name: [(epoch_ms, value)]} of the Highcharts chart whose title contains chart_title."""
    start = page.find(chart_title)
    if start < 0:
        return {}
    end = page.find("new Highcharts", start)
    block = page[start:end if end > 0 else len(page)]
    out = {}
    for name, data in re.findall(r"name: '([^']*)',\s*data: \[(.*?)\]\s*,\s*\n", block, re.S):
        out[name] = [(int(t), int(v)) for t, v in re.findall(r"\[(\d+), (-?\d+)\]", data)]
    return out


def nice_top(value):
    """The smallest 1, 2 or 5 x 10^n step times 5 that covers value: round axis labels."""
    import math
    step = value / 5
    magnitude = 10 ** math.floor(math.log10(step)) if step > 0 else 1
    for m in (1, 2, 5, 10):
        if m * magnitude >= step:
            return 5 * m * magnitude
    return value


def svg(latency, throughput, title):
    width, height, left, right, top, bottom = 900, 380, 60, 70, 40, 45
    plot_w, plot_h = width - left - right, height - top - bottom
    points = [p for s in latency.values() for p in s] + [p for s in throughput.values() for p in s]
    if not points:
        return None
    t0 = min(t for t, _ in points)
    t1 = max(t for t, _ in points)
    span = max(1, (t1 - t0) / 1000)
    # The y range follows p99, so one stall in max does not flatten the percentiles; max is clipped.
    p99 = latency.get("99%", [])
    y_max = nice_top(max([v for _, v in p99] + [1]) * 1.1)
    rps = [p for s in throughput.values() for p in s]
    r_max = nice_top(max([v for _, v in rps] + [1]) * 1.05)

    def x(t):
        return left + plot_w * ((t - t0) / 1000) / span

    def y(v, top_value):
        return top + plot_h * (1 - min(v, top_value) / top_value)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{left}" y="22" font-size="14">{html.escape(title)}</text>']
    for i in range(6):
        v = y_max * i / 5
        yy = y(v, y_max)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        parts.append(f'<text x="{left + plot_w + 6}" y="{yy + 4:.1f}" fill="#888">{r_max * i / 5:.0f}</text>')
    for i in range(7):
        s = span * i / 6
        xx = left + plot_w * i / 6
        parts.append(f'<text x="{xx:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{s:.0f} s</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14 {top + plot_h / 2})" '
                 f'text-anchor="middle">response time, ms (OK requests)</text>')
    parts.append(f'<text x="{width - 12}" y="{top + plot_h / 2}" transform="rotate(90 {width - 12} {top + plot_h / 2})" '
                 f'text-anchor="middle" fill="#888">requests per second</text>')
    if rps:
        path = " ".join(f"{x(t):.1f},{y(v, r_max):.1f}" for t, v in sorted(rps))
        parts.append(f'<polyline points="{path}" fill="none" stroke="#bbb" stroke-width="1.5"/>')
    colours = {"50%": "#1f77b4", "90%": "#2ca02c", "99%": "#d62728", "max": "#9467bd"}
    legend_x = left + 10
    for name, colour in colours.items():
        data = latency.get(name)
        if not data:
            continue
        path = " ".join(f"{x(t):.1f},{y(v, y_max):.1f}" for t, v in data)
        dash = ' stroke-dasharray="3,3"' if name == "max" else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>')
        label = "p" + name.rstrip("%") if name != "max" else "max (clipped)"
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="{top + 10}" y2="{top + 10}" '
                     f'stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{legend_x + 22}" y="{top + 14}">{label}</text>')
        legend_x += 110
    parts.append(f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="{top + 10}" y2="{top + 10}" stroke="#bbb" stroke-width="2"/>')
    parts.append(f'<text x="{legend_x + 22}" y="{top + 14}" fill="#888">req/s (right axis)</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    page = open(f"{argv[1]}/index.html", encoding="utf-8").read()
    rows = statistics(page)
    if not rows:
        sys.exit("no statistics table in " + argv[1] + "/index.html")
    keys = ["total", "ok", "ko", "rps", "p50", "p90", "p99", "p999", "max", "mean"]
    name, total = rows[0]
    print("GLOBAL", *[total.get(k, "n/a") for k in keys])
    for name, values in rows[1:]:
        print("REQUEST", name.replace(" ", "_"), *[values.get(k, "n/a") for k in ["total", "ko", "rps", "p50", "p90", "p99", "max"]])
    if "--svg" in argv:
        out = argv[argv.index("--svg") + 1]
        title = argv[argv.index("--title") + 1] if "--title" in argv else "Latency over time"
        latency = series(page, "Response Time Percentiles over Time (OK)")
        throughput = {k: v for k, v in series(page, "Number of requests per second").items() if k.lower() == "all"}
        drawing = svg(latency, throughput, title)
        if drawing:
            open(out, "w", encoding="utf-8").write(drawing)


if __name__ == "__main__":
    main(sys.argv)
