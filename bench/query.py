"""`make bench-query`: is browsing still interactive at national scale (1.5 M reports)?

Builds a large archive directly — generated reports, versions, attachments' text, statistics,
checks, events and register rows in the shapes a cycle writes, inserted in bulk (no crawl; the
archive's own triggers fill `coverage_summary` as the reports go in, as in a cycle) — at two
sizes, serves each with `make serve`'s Datasette settings, and times over HTTP: search for a
2-, a 4- and an 8-character term and a term found nowhere, the big table pages, and every
canned query (`indicator` twice: a common indicator and a rare one). Prints each figure at
both sizes, its growth exponent, the figure extrapolated to 1.5 M reports, and one
machine-readable line:

    QUERYBENCH search_p95_ms_1.5M= table_p95_ms_1.5M= canned_p95_ms_1.5M= index_bytes_per_report=

    python -m bench.query                       # 25,000 and 100,000 reports
    python -m bench.query --sizes 5000,20000    # a quick run
"""

from __future__ import annotations

import argparse
import math
import random
import shlex
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlencode
from urllib.request import urlopen

import yaml

from archive import search
from archive.db import open_db
from archive.text import text_digest  # texts are stored under their digest (0019_smaller)

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = 1_500_000
RUNS = 5  # timed requests per URL, after one warm-up; the p95 of 5 is the slowest
SEARCHES = {
    "2 chars": "复议",
    "4 chars": "行政复议",
    "8 chars": "依申请公开政府信",
    "nowhere": "量子纠缠通信",
}
TABLES = ("report_stats", "stats_checks", "reports", "register")
PARAMS = {"indicator": {"indicator": "requests.received.new"}, "search": {"q": "复议"}}
# A second figure per canned query: `indicator` for a key few reports print (one version in
# RARE), which an ordered read would have to look for through the whole archive.
EXTRA = {"indicator (rare)": ("indicator", {"indicator": "legacy.complaints"})}
RARE = 0.0002
SKIPPED = {"search_scan"}  # the index's slow reference: timed once, shown, not in the p95
REPORTS_PER_SOURCE = 15
CELLS_PER_VERSION = 90  # a 2019-regime report's statistics table
CHECKS_PER_VERSION = 15
TEXT_CHARS = 2000  # a report's main text (the crawled fixtures' reports: 2-20 K characters)
EDITED = 0.1  # share of reports with a second version
ATTACHED = 0.2  # share with an attachment whose text was read

_PHRASES = [
    "本机关",
    "主动公开",
    "政府信息",
    "依申请公开",
    "行政复议",
    "行政诉讼",
    "年度报告",
    "收到申请",
    "办理结果",
    "予以公开",
    "部分公开",
    "不予公开",
    "信息不存在",
    "非本机关负责公开",
    "规章",
    "规范性文件",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
    "决定",
    "条",
    "件",
    "万元",
    "工作情况",
    "总体情况",
    "存在的主要问题",
    "改进情况",
    "其他需要报告的事项",
    "维持具体行政行为",
    "纠错",
    "结果",
    "尚未审结",
    "总计",
    "政务公开",
    "信息公开平台",
    "政府网站",
    "新闻发布会",
    "解读",
    "回应社会关切",
    "公开指南",
    "公开目录",
    "依法",
    "申请人",
    "答复",
    "期限",
    "延期",
    "转送",
    "咨询",
    "培训",
    "监督",
    "考核",
]


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    """A pool of paragraphs in a report's vocabulary, with figures; texts are drawn from it."""
    pool = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(20, 60)):
            word = rng.choice(_PHRASES)
            if rng.random() < 0.25:
                word += str(rng.randint(0, 3000))
            words.append(word)
        pool.append("".join(words) + "。\n")
    return pool


def _text(rng: random.Random, pool: list[str], head: str, chars: int) -> str:
    parts, size = [head], len(head)
    while size < chars:
        part = rng.choice(pool)
        parts.append(part)
        size += len(part)
    return "".join(parts)


def build(path: Path, reports: int, seed: int = 1) -> dict:
    """An archive of `reports` generated reports at `path`; returns its sizes."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_db(path).close()  # the schema, every migration applied
    rng = random.Random(seed)
    pool = _paragraphs(rng, 3000)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")  # no blobs: the bodies are not what is timed
    sources = max(1, reports // REPORTS_PER_SOURCE)
    now = "2026-11-23T02:30:00+00:00"
    conn.execute(
        "INSERT INTO cycles (id, started_at, finished_at, status) VALUES (1, ?, ?, 'completed')",
        [now, now],
    )
    cells = [
        (
            f"20{19 if i % 2 else 14}",
            f"section{i % 6}",
            f"行{i}",
            f"列{i % 7}",
            f"requests.received.{'new' if i == 0 else i}",
            "件",
        )
        for i in range(300)
    ]
    rare_cell = len(cells) + 1
    cells.append(("2008", "legacy", "投诉", "件数", "legacy.complaints", "件"))
    conn.executemany(
        "INSERT INTO stat_cells (id, regime, section, row_label, column_label, indicator, unit) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(i + 1, *cell) for i, cell in enumerate(cells)],
    )
    conn.executemany(
        "INSERT INTO check_names (id, name) VALUES (?, ?)",
        [(i + 1, f"check_{i}") for i in range(CHECKS_PER_VERSION)],
    )
    text_bytes = 0
    batch = 2000
    for start in range(0, reports, batch):
        rows, versions, attachments, events, values, results = [], [], [], [], [], []
        for rid in range(start + 1, min(reports, start + batch) + 1):
            source = f"s{rid % sources}"
            agency = f"某某县第{rid % sources}局"
            year = 2008 + (rid // sources) % REPORTS_PER_SOURCE
            sha = f"{rid:064x}"
            title = f"{agency}{year}年政府信息公开工作年度报告"
            rows.append(
                (
                    rid,
                    source,
                    agency,
                    title,
                    year,
                    f"{year + 1}-01-20",
                    f"http://{source}.gov.cn/{rid}.html",
                    sha,
                    now,
                    now,
                    "active",
                    "2019",
                )
            )
            head = f"{agency}{year}年政府信息公开工作年度报告。\n"
            shas = [sha] if rng.random() >= EDITED else [f"{rid:063x}f", sha]
            for version in shas:
                text = _text(rng, pool, head, TEXT_CHARS)
                text_bytes += len(text.encode())
                versions.append((rid, version, now, 1, text, text_digest(text), "2019", now))
            if rng.random() < ATTACHED:
                text = _text(rng, pool, head, TEXT_CHARS)
                text_bytes += len(text.encode())
                attachments.append(
                    (
                        1,
                        source,
                        f"http://{source}.gov.cn/{rid}.html",
                        rid,
                        f"http://{source}.gov.cn/{rid}.pdf",
                        "附件",
                        sha,
                        "pdf",
                        text,
                        now,
                    )
                )
            events.append((rid, source, "new", now, 1, int(year < 2020), f"new {rid}", year))
            if len(shas) > 1:
                events.append((rid, source, "changed", now, 1, 0, f"changed {rid}", year))
        conn.executemany(
            "INSERT INTO reports (id, source_id, agency, title, year, published_on, url, sha256, "
            "first_seen_at, last_seen_at, status, regime) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO report_versions (report_id, sha256, first_seen_at, cycle_id, text, "
            "text_sha256, regime, extracted_at) VALUES (?,?,?,?,?,?,?,?)",
            versions,
        )
        conn.executemany(
            "INSERT INTO attachments (cycle_id, source_id, report_url, report_id, url, title, "
            "sha256, kind, text, seen_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            attachments,
        )
        conn.executemany(
            "INSERT INTO events (report_id, source_id, kind, detected_at, cycle_id, baseline, "
            "summary, year) VALUES (?,?,?,?,?,?,?,?)",
            events,
        )
        first = start + 1
        ids = conn.execute(
            "SELECT id FROM version_ids WHERE report_id BETWEEN ? AND ?", [first, rid]
        ).fetchall()
        for (vid,) in ids:
            picked = rng.sample(range(1, rare_cell), CELLS_PER_VERSION)
            values.extend((vid, pos, cell, rng.randint(0, 500)) for pos, cell in enumerate(picked))
            if rng.random() < RARE:
                values.append((vid, len(picked), rare_cell, rng.randint(0, 50)))
            results.extend(
                (vid, n + 1, int(rng.random() > 0.05), 1.0, 1.0, None)
                for n in range(CHECKS_PER_VERSION)
            )
        conn.executemany(
            "INSERT INTO stat_values (version_id, position, cell_id, value) VALUES (?,?,?,?)",
            values,
        )
        conn.executemany(
            "INSERT INTO check_results (version_id, name_id, passed, expected, actual, detail) "
            "VALUES (?,?,?,?,?,?)",
            results,
        )
        conn.commit()
    conn.execute(
        "INSERT OR IGNORE INTO register (source_id, agency, kind, year, due_on, status, report_id, "
        "published_on, computed_at) SELECT source_id, agency, 'annual', year, "
        "(year + 1) || '-01-31', 'on_time', id, published_on, ? FROM reports",
        [now],
    )
    conn.commit()
    conn.execute("DELETE FROM search_queue")  # the triggers queued every text: index in bulk
    conn.commit()
    conn.close()
    db = open_db(path)
    started = time.perf_counter()
    with db.atomic():
        search.fill(db)
    index_seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    index_bytes = db.execute(
        "SELECT (SELECT coalesce(sum(length(block)), 0) FROM search_index_data)"
        " + (SELECT count(*) * 16 FROM search_index_idx)"
        " + (SELECT coalesce(sum(length(sz)) + count(*) * 8, 0) FROM search_index_docsize)"
    ).fetchone()[0]
    db.close()
    return {
        "reports": reports,
        "text_bytes": text_bytes,
        "index_bytes": index_bytes,
        "index_seconds": index_seconds,
        "file_bytes": path.stat().st_size,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(path: Path, port: int) -> list[str]:
    """The command `make serve` runs for `path` on 127.0.0.1:`port` (read with make -n, so the
    bench and the tests serve with the Makefile's own settings)."""
    plan = subprocess.run(
        ["make", "-s", "-n", "serve", f"DB={path}", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [line] = [line for line in plan.splitlines() if "datasette serve" in line]
    return shlex.split(line)


def serve(path: Path) -> tuple[subprocess.Popen, str]:
    """Datasette on `path` as `make serve` starts it, on a free loopback port."""
    port = free_port()
    command = serve_command(path, port)
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urlopen(f"{base}/-/versions.json", timeout=2).read()
            return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"bench-query: Datasette did not start: {server.stderr.read().decode()}")


def timed(url: str, runs: int = RUNS) -> float:
    """The p95 (nearest rank) of `runs` requests after a warm-up, in ms; inf when one fails."""
    times = []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        try:
            with urlopen(url, timeout=60) as response:
                response.read()
                ok = response.status == 200
        except OSError:
            ok = False
        if attempt:
            times.append((time.perf_counter() - started) * 1000 if ok else math.inf)
    times.sort()
    return times[math.ceil(0.95 * len(times)) - 1]


def urls(base: str, db: str) -> dict[str, dict[str, str]]:
    """{group: {name: url}} of everything timed."""
    queries = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text("utf-8"))
    canned = queries["databases"]["archive"]["queries"]
    return {
        "search": {
            name: f"{base}/{db}/search.json?" + urlencode({"_shape": "array", "q": term})
            for name, term in SEARCHES.items()
        },
        "table": {name: f"{base}/{db}/{quote(name)}" for name in TABLES},
        "canned": {
            name: f"{base}/{db}/{query}.json?" + urlencode({"_shape": "array", **params})
            for name, (query, params) in {
                **{name: (name, PARAMS.get(name, {})) for name in canned if name not in SKIPPED},
                **EXTRA,
            }.items()
        },
    }


def measure(path: Path) -> dict[str, dict[str, float]]:
    server, base = serve(path)
    try:
        found = {}
        for group, named in urls(base, path.stem).items():
            found[group] = {name: timed(url) for name, url in named.items()}
        scan = f"{base}/{path.stem}/search_scan.json?" + urlencode({"_shape": "array", "q": "复议"})
        found["reference"] = {"search_scan": timed(scan, runs=1)}
        return found
    finally:
        server.terminate()
        server.wait(timeout=30)


def exponent(small: float, large: float, ratio: float) -> float:
    """How the time grows with the archive: t ∝ reports^k (never below 0: noise is not speed)."""
    if small <= 0 or math.isinf(large) or math.isinf(small):
        return math.inf if math.isinf(large) else 0.0
    return max(0.0, math.log(large / small) / math.log(ratio))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="25000,100000", help="two report counts, e.g. 5000,20000"
    )
    parser.add_argument("--work", default="data/bench-query", help="where the archives go")
    args = parser.parse_args()
    small, large = (int(n) for n in args.sizes.split(","))
    work = ROOT / args.work
    work.mkdir(parents=True, exist_ok=True)
    built, timings = {}, {}
    for size in (small, large):
        path = work / f"query{size}.db"
        started = time.perf_counter()
        built[size] = made = build(path, size)
        print(
            f"built {size:,} reports in {time.perf_counter() - started:.0f} s "
            f"(index {made['index_seconds']:.0f} s), {made['file_bytes'] / 1e6:,.0f} MB",
            flush=True,
        )
        timings[size] = measure(path)
    ratio = large / small
    print(f"\n{'ms (p95)':<34}{small:>10,}{large:>10,}{'k':>6}{'1.5M':>10}")
    worst: dict[str, float] = {}
    for group in timings[large]:
        for name in timings[large][group]:
            a, b = timings[small][group][name], timings[large][group][name]
            k = exponent(a, b, ratio)
            at_scale = b * (NATIONAL / large) ** k if not math.isinf(k) else math.inf
            print(f"{group + ' ' + name:<34}{a:>10.0f}{b:>10.0f}{k:>6.2f}{at_scale:>10.0f}")
            if group != "reference":
                worst[group] = max(worst.get(group, 0.0), at_scale)
    index = built[large]["index_bytes"] / large
    text = built[large]["text_bytes"] / large
    whole = built[large]["file_bytes"] / large
    print(
        f"\nsearch index: {index:,.0f} bytes per report for {text:,.0f} bytes of text "
        f"({index / text:.2f}× the text it indexes); file {whole:,.0f} bytes per report"
    )
    print(
        f"QUERYBENCH search_p95_ms_1.5M={worst['search']:.0f} "
        f"table_p95_ms_1.5M={worst['table']:.0f} canned_p95_ms_1.5M={worst['canned']:.0f} "
        f"index_bytes_per_report={index:.0f}"
    )


if __name__ == "__main__":
    main()
