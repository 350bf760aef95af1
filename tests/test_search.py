"""Chinese search through the index finds exactly what a scan finds, and stays in step.

Real cycles crawl a fixture column (tests/test_owed_work.py's: a baseline, then a 2023 report
with statistics tables and a PDF attachment, a 2024 report broken across lines, an edited
2021 report); the terms searched for are cut from the archived texts themselves — 2, 3 and 6
characters, Chinese with digits, across line breaks — and each is searched for through
Datasette twice: with the `search` canned query (the index) and `search_scan` (a scan).
"""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from archive import crashpoint, extraction, search
from archive.db import open_db
from archive.text import text_digest
from gongkai import cycle
from gongkai.cli import cli
from tests.helpers import add_version
from tests.test_datasette import datasette
from tests.test_owed_work import ROOT, WITH_PDF, column, new_events, once, post_new_reports
from tests.test_watch import body_of

# A page whose terms are broken across lines in the HTML source, as Word and CMS editors do.
BROKEN_LINES = (
    "<p>本机关全年依申请公开政府信\n息共计12件，其中行政复\r\n议3件。</p>"
    "<p>2024年度\n报告由办公室\t编制。</p>"
)
EDITED_2021 = body_of(2021).replace("主动公开", "依法主动发布").replace("第3段", "第三段")


def results(path: Path, requests: list[tuple[str, dict]]) -> list[set[int]]:
    """The report ids each (canned query, params) finds, asked of one Datasette in turn."""

    async def run():
        ds = datasette(path)
        await ds.invoke_startup()
        found = []
        for name, params in requests:
            query = urlencode({"_shape": "array", **params})
            response = await ds.client.get(f"/{path.stem}/{name}.json?{query}")
            assert response.status_code == 200, response.text
            found.append({row["report_id"] for row in response.json()})
        return found

    return asyncio.run(run())


def index_and_scan(path: Path, terms: list[str], versions: str = "") -> list[tuple]:
    """[(term, found by the index, found by the scan)] for each term."""
    asked = [(n, {"q": t, "versions": versions}) for t in terms for n in ("search", "search_scan")]
    found = results(path, asked)
    return [(t, found[2 * i], found[2 * i + 1]) for i, t in enumerate(terms)]


def texts(path: Path) -> list[str]:
    """Every searchable text: titles, every version's text, attachments' text."""
    with sqlite3.connect(path) as conn:
        return [
            row[0]
            for sql in (
                "SELECT title FROM reports",
                "SELECT text FROM report_versions WHERE text IS NOT NULL",
                "SELECT text FROM attachments WHERE text IS NOT NULL AND report_id IS NOT NULL",
            )
            for row in conn.execute(sql)
        ]


def terms_of(all_texts: list[str]) -> dict[str, list[str]]:
    """Terms cut from the texts: a few of each length along each text, the number-year terms,
    and the terms across each line break (written without it)."""
    cut: dict[str, set[str]] = {"2": set(), "3": set(), "6": set(), "digits": set(), "break": set()}
    for text in all_texts:
        flat = search.normalize(text)
        for length in (2, 3, 6):
            step = max(1, len(flat) // 6)
            cut[str(length)].update(
                flat[at : at + length] for at in range(0, len(flat) - length + 1, step)
            )
        cut["digits"].update(re.findall(r"\d+年", text))
        cut["digits"].update(re.findall(r"[^\W\d]\d+", text)[:5])
        for match in re.finditer(r"(?=(\S{2}\s+\S{2}))", text):
            if "\n" in match.group(1) or "\r" in match.group(1):
                cut["break"].add(search.normalize(match.group(1)))
    return {kind: sorted(found)[:40] for kind, found in cut.items()}


@pytest.fixture
def archive(serve_site, tmp_path, webhook):
    """Two cycles: the baseline column, then new reports (one with a PDF, one broken across
    lines) and an edited 2021 report. Returns (site, config)."""
    site, config, _ = column(serve_site, tmp_path, webhook)
    cycle.run(config)
    post_new_reports(
        site,
        {
            "/gknb/2023.html": WITH_PDF,
            "/gknb/2024.html": BROKEN_LINES,
            "/gknb/2021.html": EDITED_2021,
        },
    )
    cycle.run(config)
    return site, config


def test_search_through_the_index_finds_exactly_what_the_scan_finds(archive):
    _, config = archive
    path = config.database
    db = open_db(path)
    assert db.execute("SELECT count(*) FROM search_queue").fetchone() == (0,), "all indexed"
    assert search.unindexed(db) == 0
    all_texts = texts(path)
    assert any("\n" in t for t in all_texts), "the fixtures have line breaks to search across"
    cut = terms_of(all_texts)
    assert all(cut.values()), {kind: len(found) for kind, found in cut.items()}

    for kind, terms in cut.items():
        for term, by_index, by_scan in index_and_scan(path, terms, versions="all"):
            assert by_index == by_scan, (kind, term)
            assert by_index, (kind, term, "was cut from a text: something has it")
    # the current versions only, the default; and terms found nowhere, one character, none
    others = ["主动公开", "依法主动发布", "第三段", "第3段", "不存在的词语", "年", "复", "", "  "]
    for term, by_index, by_scan in index_and_scan(path, [*cut["6"], *others]):
        assert by_index == by_scan, term


def test_a_term_broken_across_lines_is_found(archive):
    _, config = archive
    [found, raw_scan] = results(
        config.database, [("search", {"q": "政府信息共计12件"}), ("search", {"q": "2024年度报告"})]
    )
    assert len(found) == 1 and found == raw_scan


def search_ids(path: Path, term: str, versions: str = "") -> set[int]:
    return results(path, [("search", {"q": term, "versions": versions})])[0]


def report_id(path: Path, year: int) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id FROM reports WHERE year = ?", [year]).fetchone()[0]


def test_a_new_and_an_edited_report_are_found_by_their_new_text_not_the_text_they_lost(
    serve_site, tmp_path, webhook
):
    site, config, _ = column(serve_site, tmp_path, webhook)
    cycle.run(config)
    path = config.database
    r2021 = report_id(path, 2021)
    assert search_ids(path, "2021年第3段") == {r2021}
    assert search_ids(path, "依法主动发布") == set()

    post_new_reports(site, {"/gknb/2021.html": EDITED_2021})
    cycle.run(config)

    assert search_ids(path, "依法主动发布") == {r2021}, "the edit's new words"
    assert search_ids(path, "2021年第三段") == {r2021}
    assert search_ids(path, "2021年第3段") == set(), "words the edit removed"
    assert search_ids(path, "2021年第3段", versions="all") == {r2021}, "kept in the old version"
    assert search_ids(path, "2023年第2段") == {report_id(path, 2023)}, "a new report"


def test_a_re_extracted_text_is_found_by_its_new_text_not_the_old(serve_site, tmp_path, webhook):
    _, config, _ = column(serve_site, tmp_path, webhook)
    cycle.run(config)
    path = config.database
    r2020 = report_id(path, 2020)
    with sqlite3.connect(path) as conn:  # what an older extractor left, written by any client
        conn.execute(  # a text goes with its digest (migration 0019 stores it under it)
            "UPDATE report_versions SET text = ?, text_sha256 = ? WHERE report_id = ?",
            ["旧提取器读出的错字", text_digest("旧提取器读出的错字"), r2020],
        )
    assert search_ids(path, "旧提取器读出") == {r2020}, "queued, scanned until indexed"
    assert search_ids(path, "2020年第4段") == set()

    db = open_db(path)
    extraction.reextract(db)

    assert search_ids(path, "2020年第4段") == {r2020}
    assert search_ids(path, "旧提取器读出") == set()
    assert db.execute("SELECT count(*) FROM search_queue").fetchone() == (0,)
    assert search.unindexed(db) == 0


def test_the_index_survives_a_kill_mid_cycle_and_verify(serve_site, tmp_path, webhook):
    site, config, _ = column(serve_site, tmp_path, webhook)
    assert once(config).returncode == 0
    post_new_reports(site, {"/gknb/2023.html": WITH_PDF, "/gknb/2024.html": BROKEN_LINES})

    killed = once(config, **{crashpoint.ENV: "detected"})  # before attachments and extraction

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    path = config.database
    assert len(new_events(open_db(path))) == 2
    assert once(config).returncode == 0  # does the owed work: attachments, extraction
    verify = [sys.executable, "scheduler.py", "--config", str(config.path), "verify"]
    verified = subprocess.run(verify, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    db = open_db(path)
    assert search.unindexed(db) == 0
    assert db.execute("SELECT count(*) FROM search_queue").fetchone() == (0,)
    assert search_ids(path, "政府信息共计12件") == {report_id(path, 2024)}
    cut = terms_of(texts(path))
    for term, by_index, by_scan in index_and_scan(path, [*cut["3"], *cut["break"]]):
        assert by_index == by_scan and by_index, term


def test_an_archive_made_before_the_index_is_searchable_once_upgraded(tmp_path):
    """Migration 0015 indexes what the archive already holds: titles, texts, attachments."""
    from sqlite_utils import Database

    from archive.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="0015_search_index")
    when = "2026-11-20T02:30:00+00:00"
    db["reports"].insert(
        {"id": 1, "source_id": "s", "agency": "某局", "title": "某局2023年年报", "status": "active",
         "url": "http://x/1", "first_seen_at": when, "last_seen_at": when, "sha256": "1" * 64}
    )  # fmt: skip
    add_version(
        db, {"report_id": 1, "sha256": "1" * 64, "first_seen_at": when, "text": "申请行政\n复议3件"}
    )
    db["attachments"].insert(
        {"source_id": "s", "report_url": "http://x/1", "report_id": 1, "url": "http://x/1.pdf",
         "sha256": "2" * 64, "text": "附件全文：收费0元", "seen_at": when}
    )  # fmt: skip
    db.close()

    upgraded = open_db(tmp_path / "old.db")

    assert search.unindexed(upgraded) == 0
    path = tmp_path / "old.db"
    for term in ("行政复议3件", "收费0元", "2023年年报"):
        assert search_ids(path, term) == {1}, term


def test_verify_names_texts_the_index_lost_and_rows_of_texts_that_are_gone(archive):
    """`verify` checks the search index against the texts (and `coverage_summary` against the
    reports): break each and it names the row, exits 1; `reextract` rebuilds both."""
    _site, config = archive
    runner = CliRunner()
    verify = ["--config", str(config.path), "verify"]
    clean = runner.invoke(cli, verify)
    assert clean.exit_code == 0 and "0 problems" in clean.output, clean.output

    path = config.database
    r2024 = report_id(path, 2024)
    with sqlite3.connect(path) as conn:
        sha = conn.execute("SELECT sha256 FROM reports WHERE id = ?", [r2024]).fetchone()[0]
        # The index loses the 2024 report's text, and gains a row for a text that never was.
        conn.execute("DELETE FROM search_docs WHERE report_id = ? AND kind = 'text'", [r2024])
        ghost = conn.execute(
            "INSERT INTO search_docs (kind, report_id, sha256) VALUES ('text', ?, ?)",
            [r2024, "f" * 64],
        ).lastrowid
        conn.execute("UPDATE coverage_summary SET cell = '✓' WHERE year = 2024")
    assert search_ids(path, "政府信息共计12件") == set(), "the lost text is not found"

    broken = runner.invoke(cli, verify)
    assert broken.exit_code == 1, broken.output
    lines = broken.output.splitlines()
    assert f"report_versions report_id={r2024} sha256={sha}: text not in the search index" in lines
    assert f"search_docs id={ghost}: indexes a text of report {r2024} that is gone" in lines
    assert f"search_docs id={ghost}: the text of report {r2024} has no row in search_index" in lines
    assert (
        "coverage_summary: 1 rows differ from what reports gives (reextract rebuilds it)" in lines
    )
    assert lines[-1].endswith(", 4 problems")

    assert runner.invoke(cli, ["--config", str(config.path), "reextract"]).exit_code == 0
    repaired = runner.invoke(cli, verify)
    assert repaired.exit_code == 0 and "0 problems" in repaired.output, repaired.output
    assert search_ids(path, "政府信息共计12件") == {r2024}
