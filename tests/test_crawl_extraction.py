"""One pass per page: a new report's text, statistics and checks read during the crawl, in the
describing worker, must be exactly what extracting it from the archive stores (`reextract`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import blobs, crawl_extraction, cycles, extraction, reports
from archive.clock import now_iso
from archive.db import open_db
from crawler import describer
from tests.test_crawl import run_site

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(
    p
    for p in [*FIXTURES.glob("pages/*/*"), *FIXTURES.glob("stats/*.html")]
    if p.suffix in (".html", ".shtml") and not p.name.startswith("_")
)


def stored(db) -> dict:
    """Everything extraction stores, as a user reads it (views, not internal ids)."""
    versions = db.execute(
        "SELECT r.url, v.sha256, v.text, v.text_sha256, v.regime, v.extract_error, r.regime "
        "FROM report_versions v JOIN reports r ON r.id = v.report_id ORDER BY r.url, v.sha256"
    ).fetchall()
    values = db.execute(
        "SELECT r.url, s.version, s.id & 4294967295, s.regime, s.section, s.row_label, "
        "s.column_label, s.indicator, s.value, s.unit, s.row_label_raw, s.column_label_raw "
        "FROM report_stats s JOIN reports r ON r.id = s.report_id ORDER BY 1, 2, 3"
    ).fetchall()
    checks = db.execute(
        "SELECT r.url, c.version, c.name, c.passed, c.expected, c.actual, c.detail "
        "FROM stats_checks c JOIN reports r ON r.id = c.report_id ORDER BY 1, 2, 3"
    ).fetchall()
    return {"versions": versions, "values": values, "checks": checks}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("year", [None, 2014, 2020, 2022])
def test_a_page_read_in_the_crawl_is_stored_as_reextract_stores_it(
    tmp_path, monkeypatch, page, year
):
    body = page.read_bytes()
    ctype = "text/html; charset=utf-8" if b"charset=gb" not in body.lower() else "text/html"
    url = f"http://example.gov.cn/{page.parent.name}/{page.name}"
    db = open_db(tmp_path / "archive.db")
    cycle_id = cycles.start(db, "archive.toml", 1)
    sha256 = blobs.put(db, body)
    seen = {
        "source_id": "s", "url": url, "seen_at": now_iso(), "title": page.stem, "year": year,
        "content_type": ctype, "sha256": sha256, "list_url": None, "list_title": None,
    }  # fmt: skip
    report_id = reports.insert(db, seen, "某局", cycle_id)
    reports.add_version(db, report_id, seen, cycle_id, with_text=False)
    staged = crawl_extraction.read(url, body, ctype, year, sha256)
    if staged is not None:
        crawl_extraction.record(db, staged, cycle_id, extraction.Labels(db))
        db.conn.commit()

    read = []
    monkeypatch.setattr(blobs, "get", lambda db, sha: read.append(sha) or _get(db, sha))
    extraction.extract_cycle(db, cycle_id)
    monkeypatch.undo()
    crawl_time = stored(db)
    # the staged page is not read again from the archive; a page without tables is, as before
    assert read == ([] if staged else [sha256])
    assert db.execute("SELECT count(*) FROM crawl_extractions").fetchone()[0] == 0

    extraction.reextract(db)
    assert crawl_time == stored(db)
    assert crawl_time["versions"][0][2] is not None


_get = blobs.get


def test_some_fixture_pages_are_read_in_the_crawl():
    """The comparison above is not vacuous: most fixture report pages carry their tables."""
    staged = [
        p for p in PAGES if crawl_extraction.read("http://x/a.html", p.read_bytes(), None, 2020, "")
    ]
    assert len(staged) >= 5


def test_a_staged_page_read_for_another_year_is_extracted_from_the_archive(tmp_path):
    """The statistics depend on the report's year: a staged reading for another year is not
    used, and nothing staged outlives the cycle's extraction."""
    page = FIXTURES / "stats" / "report-2021.html"
    body = page.read_bytes()
    db = open_db(tmp_path / "archive.db")
    cycle_id = cycles.start(db, "archive.toml", 1)
    sha256 = blobs.put(db, body)
    seen = {
        "source_id": "s", "url": "http://example.gov.cn/a.html", "seen_at": now_iso(),
        "title": "t", "year": 2021, "content_type": "text/html", "sha256": sha256,
        "list_title": None,
    }  # fmt: skip
    reports.add_version(db, reports.insert(db, seen, "某局", cycle_id), seen, cycle_id, False)
    staged = crawl_extraction.read(seen["url"], body, "text/html", 2019, sha256)
    assert staged is not None
    crawl_extraction.record(db, staged, cycle_id, extraction.Labels(db))

    assert extraction.extract_cycle(db, cycle_id) == 1
    assert db.execute("SELECT count(*) FROM crawl_extractions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM crawl_stat_values").fetchone()[0] == 0
    crawl_time = stored(db)
    extraction.reextract(db)
    assert crawl_time == stored(db)


@pytest.mark.parametrize("in_worker", [True, False], ids=["worker", "in-place"])
@pytest.mark.parametrize("site", ["trs_paginated", "ucap_gknb"])
def test_a_crawl_reads_new_reports_once_and_stores_what_reextract_stores(
    serve_site, tmp_path, monkeypatch, site, in_worker
):
    """A real crawl, its report pages described in a worker process (or in place, as a small
    crawl's are): the crawl reads their text and tables, the cycle stores them without reading
    the pages again, and `reextract` (everything from the archived bodies) stores the same."""
    if in_worker:
        monkeypatch.setenv(describer.INLINE_ENV, "0")
        monkeypatch.setenv(describer.WORKERS_ENV, "1")
    applied = []
    apply = crawl_extraction.apply
    monkeypatch.setattr(
        crawl_extraction, "apply", lambda db, c: applied.append(apply(db, c)) or applied[-1]
    )
    _server, _spec, config, result = run_site(serve_site, tmp_path, site)
    assert result.status == "completed", result.error
    db = open_db(config.database)
    with_tables = db.execute("SELECT count(DISTINCT version) FROM report_stats").fetchone()[0]
    assert with_tables > 0
    assert applied and applied[0] > 0, "the crawl's readings were used"
    assert db.execute("SELECT count(*) FROM crawl_extractions").fetchone()[0] == 0
    crawl_time = stored(db)

    extraction.reextract(db)
    assert crawl_time == stored(db)


def test_what_a_killed_crawl_read_serves_the_next_cycle(tmp_path, monkeypatch):
    """A crawl killed after its writer committed a reading, before any detection: the next
    cycle's extraction of that body uses it (and stores what `reextract` stores), then clears
    every staged row of both cycles."""
    page = FIXTURES / "stats" / "report-2019.html"
    body = page.read_bytes()
    db = open_db(tmp_path / "archive.db")
    dead = cycles.start(db, "archive.toml", 1)
    sha256 = blobs.put(db, body)
    staged = crawl_extraction.read("http://example.gov.cn/a.html", body, None, 2019, sha256)
    assert staged is not None
    crawl_extraction.record(db, staged, dead, extraction.Labels(db))
    db.conn.commit()  # the dead crawl's last batch; its cycle never detected anything

    cycle_id = cycles.start(db, "archive.toml", 1)
    seen = {
        "source_id": "s", "url": "http://example.gov.cn/a.html", "seen_at": now_iso(),
        "title": "t", "year": 2019, "content_type": None, "sha256": sha256, "list_title": None,
    }  # fmt: skip
    reports.add_version(db, reports.insert(db, seen, "某局", cycle_id), seen, cycle_id, False)
    read = []
    monkeypatch.setattr(blobs, "get", lambda db, sha: read.append(sha) or _get(db, sha))
    assert extraction.extract_cycle(db, cycle_id) == 1
    monkeypatch.undo()
    assert read == []
    assert db.execute("SELECT count(*) FROM crawl_extractions").fetchone()[0] == 0
    crawl_time = stored(db)
    assert crawl_time["values"]
    extraction.reextract(db)
    assert crawl_time == stored(db)
