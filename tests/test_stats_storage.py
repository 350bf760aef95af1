"""How statistics are stored: compact tables behind the `report_stats` and `stats_checks` views.

Users' SQL and Datasette's canned queries name the views' columns, so those are pinned here; an
archive made before the compact layout keeps every row readable; and the queries users run stay
on indexes.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlite_utils import Database

from archive import blobs, extraction
from archive.db import open_db
from archive.extract import checks
from archive.migrations import migrations
from tests.helpers import add_version
from tests.test_stats import blank_totals_2019_page

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "stats"

# The public contract: column names and order of the two views, as the tables had them.
REPORT_STATS = [
    "id", "report_id", "version", "regime", "section", "row_label", "column_label", "indicator",
    "value", "unit", "row_label_raw", "column_label_raw",
]  # fmt: skip
STATS_CHECKS = ["report_id", "version", "name", "passed", "expected", "actual", "detail"]
STAT_COLUMNS = ", ".join(REPORT_STATS[1:])


def add_report(
    db: Database, url: str, body: bytes, year: int = 2022, put: Callable = blobs.put
) -> dict:
    """A report whose one version is `body`, as detection records it."""
    sha = put(db, body)
    row = {
        "source_id": "s",
        "agency": "某局",
        "title": f"{year}年政府信息公开工作年度报告",
        "year": year,
        "url": url,
        "sha256": sha,
        "content_type": "text/html; charset=utf-8",
        "first_seen_at": "2026-01-01T00:00:00+00:00",
        "last_seen_at": "2026-01-01T00:00:00+00:00",
        "status": "active",
    }
    report_id = db["reports"].insert(row).last_pk
    version = {"report_id": report_id, "sha256": sha, "first_seen_at": row["first_seen_at"]}
    add_version(db, {**version, "cycle_id": None})
    return db["reports"].get(report_id)


def test_the_views_keep_the_columns_users_query(tmp_path):
    db = open_db(tmp_path / "a.db")
    assert {"report_stats", "stats_checks"} <= set(db.view_names())
    assert list(db["report_stats"].columns_dict) == REPORT_STATS
    assert list(db["stats_checks"].columns_dict) == STATS_CHECKS


def test_extraction_reads_back_through_the_views_in_table_order(tmp_path):
    db = open_db(tmp_path / "a.db")
    report = add_report(
        db, "http://x.gov.cn/2021.html", (FIXTURES / "report-2021.html").read_bytes()
    )

    found = extraction.extract_version(db, report, report["sha256"])

    rows = db.execute(
        f"SELECT {STAT_COLUMNS} FROM report_stats WHERE report_id = ? AND version = ? ORDER BY id",
        [report["id"], report["sha256"]],
    ).fetchall()
    want = [
        (report["id"], report["sha256"], found.regime, r.section, r.row_label, r.column_label,
         r.indicator, r.value, r.unit, r.row_label_raw, r.column_label_raw)
        for r in found.rows
    ]  # fmt: skip
    assert len(rows) > 100 and rows == want
    results = {(c.name, int(c.passed), c.expected, c.actual, c.detail) for c in checks.run(found)}
    stored = db.execute(
        "SELECT name, passed, expected, actual, detail FROM stats_checks WHERE report_id = ?",
        [report["id"]],
    ).fetchall()
    assert results and set(stored) == results and len(stored) == len(results)


def test_labels_are_stored_once_and_re_extraction_replaces_rows(tmp_path):
    db = open_db(tmp_path / "a.db")
    page = (FIXTURES / "report-2021.html").read_bytes()
    first = add_report(db, "http://x.gov.cn/a.html", page)
    extraction.extract_version(db, first, first["sha256"])
    cells = db.execute("SELECT count(*) FROM stat_cells").fetchone()[0]
    per_report = db.execute("SELECT count(*) FROM report_stats").fetchone()[0]

    second = add_report(db, "http://x.gov.cn/b.html", page + b"<!-- another agency -->")
    extraction.extract_version(db, second, second["sha256"])
    extraction.reextract(db)

    assert db.execute("SELECT count(*) FROM stat_cells").fetchone()[0] == cells
    assert db.execute("SELECT count(*) FROM report_stats").fetchone()[0] == 2 * per_report
    assert (
        db.execute("SELECT count(*) FROM stats_checks GROUP BY report_id").fetchall()
        == [(db.execute("SELECT count(*) FROM check_names").fetchone()[0],)] * 2
    )


def test_writes_through_the_views(tmp_path):
    db = open_db(tmp_path / "a.db")
    report = add_report(db, "http://x.gov.cn/a.html", b"<html><p>no tables</p></html>")
    key = [report["id"], report["sha256"]]
    for value in (7, 8):
        db.execute(
            "INSERT INTO report_stats (report_id, version, section, row_label, indicator, value) "
            "VALUES (?, ?, 'requests', '本年新收', 'requests.received.new', ?)",
            [*key, value],
        )
    db.execute(
        "INSERT INTO stats_checks (report_id, version, name, passed) VALUES (?, ?, 'x', 1)", key
    )

    rows = db.execute("SELECT value, unit, column_label FROM report_stats ORDER BY id").fetchall()
    assert rows == [(7.0, None, None), (8.0, None, None)]
    assert db.execute("SELECT count(*) FROM stat_cells").fetchone()[0] == 1
    db.execute("DELETE FROM report_stats WHERE value = 7")
    db.execute("DELETE FROM stats_checks")
    assert db.execute("SELECT value FROM report_stats").fetchall() == [(8.0,)]
    assert db.execute("SELECT count(*) FROM check_results").fetchone()[0] == 0
    with pytest.raises(sqlite3.IntegrityError, match="no such version"):
        db.execute(
            "INSERT INTO report_stats (report_id, version, section, row_label, indicator) "
            "VALUES (?, 'feed', 's', 'r', 'i')",
            [report["id"]],
        )


@pytest.mark.parametrize(
    ("where", "index"),
    [
        ("indicator = 'requests.received.new'", "stat_cells_labels"),
        ("report_id = 1 AND version = 'ab'", "sqlite_autoindex_version_ids_1"),
    ],
)
def test_the_queries_users_run_stay_on_indexes(tmp_path, where, index):
    db = open_db(tmp_path / "a.db")
    plan = [
        row[3] for row in db.execute(f"EXPLAIN QUERY PLAN SELECT * FROM report_stats WHERE {where}")
    ]
    assert index in plan[0] and plan[0].startswith("SEARCH"), plan
    assert all(step.startswith("SEARCH") for step in plan), plan  # flattened, nothing scanned


def raw_blob(db: Database, body: bytes) -> str:
    """A blob as 0006 stored it (today's `blobs.put` may need later migrations' columns)."""
    sha = hashlib.sha256(body).hexdigest()
    row = {"sha256": sha, "size": len(body), "encoding": "raw", "content": body, "stored_at": "x"}
    db["blobs"].insert(row, ignore=True)
    return sha


def old_archive(path: Path) -> Database:
    """An archive at migration 0006, with two versions of one report and their statistics."""
    db = Database(path)
    migrations.apply(db, stop_before="0007_compact_stats")
    report = add_report(db, "http://x.gov.cn/a.html", b"<html>v1</html>", 2014, put=raw_blob)
    newer = raw_blob(db, b"<html>v2</html>")
    add_version(db, {"report_id": report["id"], "sha256": newer, "cycle_id": 2})
    rows = [  # (id, version, value, unit, raw column label): ids out of order, one cell twice
        (9, report["sha256"], 634.0, "条", None),
        (3, report["sha256"], None, "条", ""),
        (12, newer, 640.0, "条", None),
        (15, report["sha256"], 634.0, "条", None),
        (20, newer, 24.0, None, "合计"),
    ]
    for id_, version, value, unit, raw in rows:
        db["report_stats"].insert(
            {"id": id_, "report_id": report["id"], "version": version, "regime": "2014",
             "section": "legacy_2014.active_disclosure", "row_label": "主动公开政府信息数",
             "column_label": "", "indicator": "legacy.active.items", "value": value,
             "unit": unit, "row_label_raw": "主动公开政府信息数", "column_label_raw": raw}
        )  # fmt: skip
    for version, passed in ((report["sha256"], 1), (newer, 0)):
        db["stats_checks"].insert(
            {"report_id": report["id"], "version": version, "name": "legacy.staff.total",
             "passed": passed, "expected": 24.0, "actual": 23.0, "detail": "人员数 printed 23"}
        )  # fmt: skip
    return db


def test_an_archive_from_before_keeps_its_statistics_readable(tmp_path):
    path = tmp_path / "old.db"
    old = old_archive(path)
    before = old.execute(
        f"SELECT {STAT_COLUMNS} FROM report_stats ORDER BY report_id, version, id"
    ).fetchall()
    checks_before = old.execute("SELECT * FROM stats_checks ORDER BY version").fetchall()
    old.close()

    db = open_db(path)

    after = db.execute(
        f"SELECT {STAT_COLUMNS} FROM report_stats ORDER BY report_id, version, id"
    ).fetchall()
    assert after == before and len(after) == 5
    assert db.execute("SELECT * FROM stats_checks ORDER BY version").fetchall() == checks_before
    assert db.execute("SELECT count(*) FROM stat_cells").fetchone()[0] == 3  # NULL ≠ ""
    assert "report_stats" not in db.table_names()
    report = db.execute("SELECT * FROM reports").fetchone()
    add_version(db, {"report_id": report[0], "sha256": blobs.put(db, b"v3")})
    assert db.execute("SELECT max(id) FROM version_ids").fetchone()[0] == 3


def test_an_old_row_without_its_version_stops_the_upgrade_and_loses_nothing(tmp_path):
    path = tmp_path / "old.db"
    old = old_archive(path)
    old.execute("DELETE FROM report_versions WHERE cycle_id = 2")
    old.conn.commit()
    old.close()

    with pytest.raises(RuntimeError, match="2 of 5 report_stats rows"):
        open_db(path)

    db = Database(path)
    assert "report_stats" in db.table_names()
    assert db.execute("SELECT count(*) FROM report_stats").fetchone()[0] == 5


def test_skipped_checks_are_stored_as_null_and_failing_checks_leaves_the_report_out(tmp_path):
    """Blank is not zero (issue 14 item 5): the blank-总计 2019 page stores `passed` NULL with
    the reason, and the `failing_checks` canned query does not list the report."""
    db = open_db(tmp_path / "a.db")
    report = add_report(db, "http://x.gov.cn/2019.html", blank_totals_2019_page().encode(), 2019)
    extraction.extract_version(db, report, report["sha256"])

    outcomes = db.execute(
        "SELECT passed, count(*) FROM stats_checks WHERE report_id = ? GROUP BY passed",
        [report["id"]],
    ).fetchall()
    assert dict(outcomes).get(0) is None and dict(outcomes).get(None, 0) > 0
    skipped = db.execute(
        "SELECT detail FROM stats_checks WHERE report_id = ? AND passed IS NULL", [report["id"]]
    ).fetchall()
    assert all(detail.startswith("skipped: ") and "blank" in detail for (detail,) in skipped)
    metadata = yaml.safe_load((ROOT / "datasette/metadata.in.yml").read_text("utf-8"))
    sql = metadata["databases"]["archive"]["queries"]["failing_checks"]["sql"]
    assert db.execute(sql).fetchall() == []
