"""Nothing owed is lost when a night goes wrong: real cycles over a fixture column that gains
reports, with a page that breaks a parser, or a cycle killed between detection and alerts.

Cycle 1 is the baseline (2019–2022). Then the agency posts its 2023 report (a statistics
table, a PDF attachment) and its 2024 one; the tests break that second cycle in one way or
another and check what the next cycles make of it: every report gets its text and statistics,
every alert arrives exactly once, the broken cycle's row is closed.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from archive import crashpoint, extraction
from archive.db import open_db
from archive.extract import stats
from gongkai import cycle
from tests.helpers import write_config
from tests.test_watch import AGENCY, BASE, write_site

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
NEW = {"/gknb/2023.html": 2023, "/gknb/2024.html": 2024}
# The 2023 report: the statistics tables of a real-format report, and its PDF.
_BODY = (FIXTURES / "stats" / "report-2021.html").read_text("utf-8")
TABLES = _BODY[_BODY.index('<div class="TRS_Editor">') : _BODY.index("</body>")]
WITH_PDF = TABLES + '<p><a href="/gknb/2023.pdf">附件：2023年度报告全文.pdf</a></p>'
# Word-pasted: NUL, vertical tab and form feed right after block ends, where the statistics
# extractor's text fallback (a page without tables) puts its line breaks.
POISONED = "".join(
    f"<p>2024年第{n}段：本机关主动公开政府信息{n}条。</p>\x0b\x00\x0c" for n in range(5)
)


def column(serve_site, tmp_path: Path, webhook):
    """The BASE column served, configured with a webhook channel: (site, config, hook)."""
    site = tmp_path / "site"
    write_site(site, BASE)
    server = serve_site(site)
    hook = webhook()
    source = {"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}
    return site, write_config(tmp_path, [source], alerts={"urls": [hook.url]}), hook


def post_new_reports(site: Path, edits: dict[str, str]) -> None:
    write_site(site, {**NEW, **BASE}, edits=edits)
    (site / "gknb" / "2023.pdf").write_bytes((FIXTURES / "documents" / "report.pdf").read_bytes())


def once(config, **env: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "scheduler.py", "--config", str(config.path), "once"]
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def alerted_ids(hook) -> list[int]:
    return [int(re.search(r"Gongkai event #(\d+)", p["message"]).group(1)) for p in hook.posts]


def new_events(db) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM events WHERE baseline = 0 ORDER BY id")]


# ---- item 3: a page that breaks a parser ------------------------------------------------------


def test_a_word_pasted_page_with_control_characters_is_read_and_the_night_goes_on(
    serve_site, tmp_path, webhook
):
    site, config, hook = column(serve_site, tmp_path, webhook)
    cycle.run(config)
    post_new_reports(site, {"/gknb/2023.html": WITH_PDF, "/gknb/2024.html": POISONED})

    result = cycle.run(config)

    assert result.status == "completed" and result.events == {"new": 2}
    assert sorted(alerted_ids(hook)) == new_events(open_db(config.database))
    db = open_db(config.database)
    (text, extracted, error) = db.execute(
        "SELECT v.text, v.extracted_at, v.extract_error FROM report_versions v "
        "JOIN reports r ON r.id = v.report_id WHERE r.url LIKE '%/2024.html'"
    ).fetchone()
    assert "本机关主动公开政府信息4条" in text and "\x00" not in text and "\x0b" not in text
    assert extracted and error is None
    assert db.execute("SELECT count(*) FROM extraction_failures").fetchone() == (0,)


def test_a_parser_failure_is_recorded_on_its_version_and_retried_not_fatal(
    serve_site, tmp_path, webhook, monkeypatch
):
    """Any parser bug still unknown: contained per version, shown in `extraction_failures`,
    retried by the next cycle and by `reextract`; the cycle completes and alerts go out."""
    site, config, hook = column(serve_site, tmp_path, webhook)
    cycle.run(config)
    post_new_reports(site, {"/gknb/2023.html": WITH_PDF})
    real = stats.from_tree

    def broken_on_2024(root, year=None):
        if year == 2024:
            raise RuntimeError("a parser bug met on this page")
        return real(root, year)

    monkeypatch.setattr(stats, "from_tree", broken_on_2024)
    result = cycle.run(config)

    assert result.status == "completed" and result.events == {"new": 2}
    db = open_db(config.database)
    assert sorted(alerted_ids(hook)) == new_events(db), "the cycle's alerts went out"
    failures = list(db.query("SELECT url, extract_error FROM extraction_failures"))
    assert [(f["url"].rsplit("/", 1)[-1], f["extract_error"]) for f in failures] == [
        ("2024.html", "RuntimeError: a parser bug met on this page")
    ]
    done = "SELECT count(*) FROM report_versions WHERE extracted_at IS NOT NULL"
    assert db.execute(done).fetchone() == (len(BASE) + 1,), "the other versions were read"

    monkeypatch.setattr(stats, "from_tree", real)  # the parser fixed: the next cycle retries
    cycle.run(config)
    assert db.execute("SELECT count(*) FROM extraction_failures").fetchone() == (0,)
    assert db.execute(done).fetchone() == (len(BASE) + 2,)

    monkeypatch.setattr(stats, "from_tree", broken_on_2024)  # an extractor upgrade gone wrong
    extraction.reextract(db)
    assert db.execute("SELECT count(*) FROM extraction_failures").fetchone() == (1,)
    text = "SELECT v.text FROM report_versions v JOIN reports r ON r.id = v.report_id "
    assert "政府信息28条" in db.execute(text + "WHERE r.year = 2024").fetchone()[0], "kept"
    monkeypatch.setattr(stats, "from_tree", real)
    extraction.reextract(db)
    assert db.execute("SELECT count(*) FROM extraction_failures").fetchone() == (0,)
    assert len(hook.posts) == 2, "retries alert nothing twice"


# ---- items 4 and 7: a cycle killed between detection and alerts -------------------------------


@pytest.fixture
def killed_after_detection(serve_site, tmp_path, webhook):
    """A baseline `once`, then a `once` killed (SIGKILL) right after its events committed."""
    site, config, hook = column(serve_site, tmp_path, webhook)
    assert once(config).returncode == 0
    post_new_reports(site, {"/gknb/2023.html": WITH_PDF})

    killed = once(config, **{crashpoint.ENV: "detected"})

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    db = open_db(config.database)
    assert len(new_events(db)) == 2, "the killed cycle committed its two new reports' events"
    assert db.execute("SELECT status FROM cycles ORDER BY id DESC").fetchone() == ("running",)
    assert hook.posts == [] and db.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    return config, hook, db


def test_alerts_of_a_cycle_killed_before_publishing_are_delivered_once_by_the_next(
    killed_after_detection,
):
    config, hook, db = killed_after_detection
    owed = new_events(db)

    assert once(config).returncode == 0

    assert sorted(alerted_ids(hook)) == owed, "each owed alert, exactly once"
    dead, after = db.execute("SELECT status, error FROM cycles ORDER BY id DESC LIMIT 2")
    assert after == ("interrupted", after[1]) and "killed" in after[1]
    assert dead[0] == "completed"
    assert once(config).returncode == 0
    assert sorted(alerted_ids(hook)) == owed, "and never again"


def test_the_next_cycle_completes_what_a_killed_cycle_left_undone(killed_after_detection):
    config, _hook, db = killed_after_detection
    versions = (
        "SELECT r.year, v.text FROM report_versions v "
        "JOIN reports r ON r.id = v.report_id WHERE r.year >= 2023 ORDER BY r.year"
    )
    assert db.execute(versions).fetchall() == [(2023, None), (2024, None)], "left undone"

    assert once(config).returncode == 0

    rows = db.execute(versions).fetchall()
    assert [(year, "年" in (text or "")) for year, text in rows] == [(2023, True), (2024, True)]
    owed = "SELECT count(*) FROM report_versions WHERE extracted_at IS NULL"
    assert db.execute(owed).fetchone() == (0,), "nothing is owed any more"
    cells = db.execute(
        "SELECT count(*) FROM report_stats s JOIN reports r ON r.id = s.report_id "
        "WHERE r.year = 2023 AND s.indicator = 'requests.received.new'"
    ).fetchone()[0]
    assert cells > 0, "and its statistics"
    attachment = db.execute(
        "SELECT a.kind, a.text FROM attachments a JOIN reports r ON r.id = a.report_id "
        "WHERE r.year = 2023"
    ).fetchone()
    assert attachment and attachment[0] == "pdf" and attachment[1], "its PDF tied and read"
    register = db.execute(
        "SELECT g.report_id IS NOT NULL FROM register g WHERE g.source_id = 'djsj' "
        "AND g.year = 2024"
    ).fetchone()
    assert register == (1,), "the register knows the killed cycle's report"


def test_upgrading_an_archive_owes_only_what_a_dead_cycle_left(tmp_path):
    """Migration 0010: rows of finished cycles count as done (no flood of old alerts, no
    re-extraction of the archive); a cycle still `running` died, so its work is owed."""
    from sqlite_utils import Database

    from archive.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="0010_owed_work")
    when = "2026-11-2{}T02:30:00+00:00"
    for cycle_id, status in ((1, "completed"), (2, "running")):
        db["cycles"].insert({"id": cycle_id, "started_at": when.format(cycle_id), "status": status})
        db["reports"].insert(
            {"id": cycle_id, "source_id": "s", "agency": AGENCY, "title": "t", "status": "active",
             "url": f"http://x/{cycle_id}", "first_seen_at": when, "last_seen_at": when}
        )  # fmt: skip
        db["report_versions"].insert(
            {"report_id": cycle_id, "sha256": f"{cycle_id}" * 64, "cycle_id": cycle_id,
             "first_seen_at": when.format(cycle_id)}
        )  # fmt: skip
        db["events"].insert(
            {"report_id": cycle_id, "source_id": "s", "kind": "new", "cycle_id": cycle_id,
             "baseline": 0, "detected_at": when.format(cycle_id), "summary": "new"}
        )  # fmt: skip

    db = open_db(tmp_path / "old.db")

    owed = db.execute("SELECT cycle_id FROM report_versions WHERE extracted_at IS NULL")
    assert owed.fetchall() == [(2,)]
    assert db.execute("SELECT cycle_id FROM events WHERE queued_at IS NULL").fetchall() == [(2,)]


def test_a_page_the_crawler_could_not_describe_is_recorded_on_its_version_until_described(
    tmp_path,
):
    """The crawler's side: a report page that broke report_page was described from its list
    entry (crawler.report_page.describe_body); its version says so, in extraction_failures,
    until a later fetch of the same body is described."""
    from archive import blobs, cycles, events, sightings

    db = open_db(tmp_path / "archive.db")
    title = "北河县水务局2023年政府信息公开工作年度报告"
    body = blobs.put(db, f"<html><body><h1>{title}</h1></body></html>".encode())
    note = "described from its list entry: RuntimeError: a parser bug met on this page"
    for n, why in enumerate((note, None), 1):
        cycle_id = cycles.start(db, "archive.toml", 1)
        seen = sightings.Sighting(
            source_id="bhsw", url="http://example.gov.cn/gknb/2023.html", how=sightings.FETCHED,
            in_list=True, seen_at=f"2026-11-2{n}T02:30:00+00:00", http_status=200, title=title,
            year=2023, sha256=body, content_type="text/html", note=why,
        )  # fmt: skip
        sightings.record(db, seen, cycle_id)
        events.detect(db, cycle_id, {"bhsw": "北河县水务局"}, set())
        failures = db.execute("SELECT describe_error FROM extraction_failures").fetchall()
        assert failures == ([(note,)] if why else [])
