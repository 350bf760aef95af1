"""`make bench` at a toy size: the harness runs end to end and prints its table and BENCH line.

No timing is asserted here: the benchmark's numbers are measured by `make bench`, not tested.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard

from bench.synth import Spec, Web
from crawler.classify import classify

ROOT = Path(__file__).resolve().parent.parent


def test_synthetic_web_is_deterministic_and_titles_are_reports() -> None:
    spec = Spec(sources=3, pages=2, entries=4, report_kb=6)
    first, second = Web.build(spec).render(), Web.build(spec).render()
    assert first.keys() == second.keys()
    assert all(first[k].body == second[k].body for k in first)
    web = Web.build(spec)
    titles = [r.title for site in web.sites for r in site.reports]
    assert len(titles) == spec.reports
    assert all(classify(t).is_report and classify(t).year for t in titles)
    report = next(r for r in first.values() if r.kind == "report")
    assert "政府信息公开" in report.body.decode() and len(report.body) > 6 * 1024 * 0.8


@pytest.mark.timeout(300)
def test_bench_runs_at_a_toy_size(tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "bench.run", "--sources", "2", "--pages", "2", "--entries", "3",
        "--report-kb", "4", "--capacity-seconds", "0.2", "--workdir", str(tmp_path / "bench"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for label in (
        "baseline", "ceiling", "1st cycle", "2nd unchanged", "3rd 1% new", "pages/s", "peak RSS",
        "whole cycle wall / baseline wall", "CPU ms per new report, all work",
        "database growth bytes/request", "targets of the second speed pass",
    ):  # fmt: skip
        assert label in out
    assert "server capacity:" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("BENCH ")
    values = dict(pair.split("=") for pair in last.split()[1:])
    assert list(values) == [
        "throughput_ratio", "cpu_ms_per_page", "unchanged_list_requests_per_source",
        "unchanged_bytes_ratio", "unchanged_wall_ratio", "peak_rss_mb", "db_to_raw", "new_found",
        "header_bytes_per_fetch", "header_cpu_us_per_page", "ceiling_pages_per_s",
        "throughput_vs_ceiling", "first_cycle_wall_ratio", "cpu_ms_per_new_report",
        "unchanged_cpu_ratio", "unchanged_db_bytes_per_request", "db_to_raw_without_search",
    ]  # fmt: skip
    assert (
        float(values["header_bytes_per_fetch"]) > 0 and float(values["header_cpu_us_per_page"]) > 0
    )
    assert "keeping headers (0009_exchanges):" in out
    assert values["new_found"] == "1/1"  # 1% of 2 columns is still one new report, found
    assert float(values["throughput_ratio"]) > 0
    assert float(values["cpu_ms_per_page"]) > 0
    assert 0 < float(values["peak_rss_mb"]) < 2000
    assert float(values["db_to_raw"]) > 0
    assert float(values["ceiling_pages_per_s"]) > 0 and float(values["throughput_vs_ceiling"]) > 0
    # a whole cycle (crawl + the work after it) takes longer than its crawl alone
    assert float(values["first_cycle_wall_ratio"]) > 0
    assert float(values["cpu_ms_per_new_report"]) > float(values["cpu_ms_per_page"])
    assert float(values["unchanged_db_bytes_per_request"]) >= 0  # a night adds, never removes
    assert 0 < float(values["db_to_raw_without_search"]) <= float(values["db_to_raw"])
    assert 0 <= float(values["unchanged_bytes_ratio"]) < 1  # nothing changed: far fewer bytes
    # 2 sources × (2 list pages + 6 reports + robots.txt) in the baseline, the ceiling (the
    # same links followed by the minimal archiving crawler) and the first cycle
    pages = re.search(r"^requests \(all answers\)\s+(\d+)\s+(\d+)\s+(\d+)", out, re.MULTILINE)
    assert pages and pages.groups() == ("18", "18", "18")
    # the ceiling archived every page: one fetch row each, bodies stored once by SHA-256
    ceiling = sqlite3.connect(tmp_path / "bench" / "ceiling.db")
    assert ceiling.execute("SELECT count(*) FROM fetches WHERE status = 200").fetchone() == (18,)
    blobs = ceiling.execute("SELECT sha256, content FROM blobs").fetchall()
    fetched = {row[0] for row in ceiling.execute("SELECT sha256 FROM fetches")}
    assert {sha for sha, _ in blobs} == fetched  # the two robots.txt bodies are one blob
    assert all(hashlib.sha256(zstandard.decompress(c)).hexdigest() == sha for sha, c in blobs)
    ceiling.close()
