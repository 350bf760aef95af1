"""Attachments: the files a report page links to, often the only full copy of the report.

The crawler records each one it downloaded with the page that linked it; after the crawl they
are tied to that page's report, so an HTML page and its PDF are one report with two files, not
two reports. Their text is extracted once per distinct body and kept beside them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlite_utils import Database

from archive import aliases, blobs, reports, search
from archive.documents import document_text
from archive.readers.output import describe


@dataclass(frozen=True)
class AttachmentSeen:
    """A file downloaded from a report page's link in a cycle."""

    source_id: str
    report_url: str
    url: str
    title: str | None
    sha256: str
    content_type: str | None
    seen_at: str


def record(db: Database, seen: AttachmentSeen, cycle_id: int | None) -> None:
    db["attachments"].insert({"cycle_id": cycle_id, **asdict(seen)}, ignore=True)


def attach(db: Database, cycle_id: int) -> int:
    """Tie the cycle's attachments — and any an earlier cycle left untied, having died before
    this step — to their reports and extract their text; return how many."""
    rows = list(
        db.query(
            "SELECT * FROM attachments WHERE report_id IS NULL AND coalesce(cycle_id, 0) <= ? "
            "ORDER BY id",
            [cycle_id],
        )
    )
    for row in rows:
        report = reports.find(db, row["source_id"], row["report_url"]) or aliases.report_of(
            db, row["source_id"], row["report_url"]
        )  # a file linked from another URL of the report is the report's file too
        if report is None:
            db.execute("DELETE FROM attachments WHERE id = ?", [row["id"]])  # page not a report
            continue
        known = db.execute(
            "SELECT id FROM attachments WHERE report_id = ? AND url = ? AND sha256 = ?",
            [report["id"], row["url"], row["sha256"]],
        ).fetchone()
        if known:
            db.execute("DELETE FROM attachments WHERE id = ?", [row["id"]])  # seen before
            continue
        db["attachments"].update(row["id"], {"report_id": report["id"], **_read(db, row)})
    search.sync(db)  # the texts tied above, indexed once for the whole step
    return len(rows)


def _read(db: Database, row: dict) -> dict:
    """The attachment's kind, text and note; contained per file: a reader that breaks on one
    file gives it no text and a note saying why, never a failed cycle."""
    try:
        found = document_text(blobs.get(db, row["sha256"]), row["content_type"], row["url"])
    except Exception as error:  # any reader bug, on any archived file
        return {"kind": None, "text": None, "note": f"could not be read ({describe(error, 300)})"}
    return {"kind": found.kind, "text": found.text, "note": found.note}
