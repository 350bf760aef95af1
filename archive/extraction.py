"""Turning archived bodies into data: each version's text and statistics tables, and checks.

Everything here is a pure function of the archived bytes, stored per version, so that when the
extractors improve, `reextract` can rebuild the whole archive's data from `blobs` alone, and an
edited report keeps the numbers of every version it ever had.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from sqlite_utils import Database

from archive import blobs
from archive.encoding import decode_html
from archive.extract import checks, stats
from archive.text import is_html, report_text, text_digest

_DOCX = "wordprocessingml"


def body_stats(body: bytes, content_type: str | None, url: str, year: int | None) -> stats.Stats:
    """The statistics tables of one body, whatever its format."""
    lowered = (content_type or "").lower()
    if url.lower().endswith(".pdf") or "pdf" in lowered:
        return stats.from_pdf(body, year)
    if url.lower().endswith(".docx") or _DOCX in lowered:
        return stats.from_docx(body, year)
    if is_html(content_type, body):
        return stats.from_html(decode_html(body, content_type)[0], year)
    return stats.Stats(regime=None, rows=())


def extract_version(db: Database, report: dict, sha256: str, with_text: bool = True) -> stats.Stats:
    """(Re)compute one version's statistics rows and checks (and its text, unless the caller
    just did), replacing earlier results."""
    body = blobs.get(db, sha256)
    found = body_stats(body, report["content_type"], report["url"], report["year"])
    if not found.rows:  # "详见附件": the tables are in the attached PDF or Word file
        found = _attachment_stats(db, report) or found
    key = {"report_id": report["id"], "version": sha256}
    with db.atomic():
        db.execute(
            "DELETE FROM report_stats WHERE report_id = ? AND version = ?", list(key.values())
        )
        db.execute(
            "DELETE FROM stats_checks WHERE report_id = ? AND version = ?", list(key.values())
        )
        db["report_stats"].insert_all(
            [{**key, "regime": found.regime, **asdict(row)} for row in found.rows]
        )
        db["stats_checks"].insert_all(
            [{**key, **asdict(check), "passed": int(check.passed)} for check in checks.run(found)]
        )
        db.execute(
            "UPDATE report_versions SET regime = ? WHERE report_id = ? AND sha256 = ?",
            [found.regime, report["id"], sha256],
        )
        if with_text:
            text = report_text(body, report["content_type"])
            db.execute(
                "UPDATE report_versions SET text = ?, text_sha256 = ? "
                "WHERE report_id = ? AND sha256 = ?",
                [text, text_digest(text), report["id"], sha256],
            )
        if report["sha256"] == sha256:
            db["reports"].update(report["id"], {"regime": found.regime})
    return found


def _attachment_stats(db: Database, report: dict) -> stats.Stats | None:
    for url, sha256, content_type in db.execute(
        "SELECT url, sha256, content_type FROM attachments WHERE report_id = ? ORDER BY id DESC",
        [report["id"]],
    ).fetchall():
        found = body_stats(blobs.get(db, sha256), content_type, url, report["year"])
        if found.rows:
            return found
    return None


def extract_cycle(db: Database, cycle_id: int) -> int:
    """Extract every version first seen in `cycle_id`; return how many."""
    rows = db.execute(
        "SELECT report_id, sha256 FROM report_versions WHERE cycle_id = ?", [cycle_id]
    ).fetchall()
    for report_id, sha256 in rows:
        extract_version(db, db["reports"].get(report_id), sha256, with_text=False)
    return len(rows)


def reextract(db: Database, progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Re-run extraction over every version in the archive; return how many."""
    rows = db.execute("SELECT report_id, sha256 FROM report_versions ORDER BY rowid").fetchall()
    for done, (report_id, sha256) in enumerate(rows, 1):
        extract_version(db, db["reports"].get(report_id), sha256)
        if done % 100 == 0 or done == len(rows):
            progress(done, len(rows))
    return len(rows)
