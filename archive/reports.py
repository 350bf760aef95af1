"""Reports: one row per annual disclosure report an agency published, and its versions.

Identity survives URL changes (a move updates `url` and keeps the row); each distinct body a
report served is a row in `report_versions` with the text extracted from it and the date it
stated, so edits are compared on text, and nothing seen is forgotten though `reports.sha256`
follows the body served last. `served_versions` records each time the URL started serving a
body, a body served again (a revert) included.

`reports.published_on` is the earliest date any version stated: a CMS that re-dates a page when
a typo is fixed does not re-publish the report, and the register must never judge a report
later than the earliest evidence of its publication.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from archive import blobs
from archive.crawl_extraction import staged_text
from archive.documents import document_text
from archive.readers.output import describe
from archive.text import report_text, text_digest

ACTIVE = "active"
REMOVED = "removed"
_METADATA = (
    "title", "year", "published_on", "published_on_evidence", "content_type", "issuer",
    "issuer_evidence",
)  # fmt: skip
# The page's latest word; dates: the earliest. A version naming no issuer keeps the one named.
_REFRESHED = ("title", "year", "content_type", "issuer", "issuer_evidence")


def find(db: Database, source_id: str, url: str) -> dict | None:
    rows = db.query("SELECT * FROM reports WHERE source_id = ? AND url = ?", [source_id, url])
    return next(iter(rows), None)


def get(db: Database, report_id: int) -> dict:
    row = _one(db, "SELECT * FROM reports WHERE id = ?", [report_id])
    if row is None:
        raise NotFoundError(f"no report {report_id}")
    return row


# Detection writes a few rows per new report: prepared statements, not sqlite-utils' insert(),
# which rebuilds its SQL and reads the table's columns per row (a third of detection's time,
# profiled on a first cycle of 2,000 reports).
def _one(db: Database, sql: str, params: list) -> dict | None:
    cursor = db.conn.execute(sql, params)
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None


def insert_row(db: Database, table: str, row: dict[str, Any], verb: str = "INSERT") -> int:
    """Insert `row` with one prepared statement; return its rowid."""
    sql = f"{verb} INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
    return db.conn.execute(sql, list(row.values())).lastrowid


def insert(db: Database, seen: dict, agency: str, cycle_id: int) -> int:
    """A report met for the first time."""
    row = {key: seen.get(key) for key in (*_METADATA, "source_id", "url", "list_url", "list_title")}
    row.update(
        agency=agency,
        title=seen["title"] or seen["list_title"] or seen["url"],
        sha256=seen["sha256"],
        first_seen_at=seen["seen_at"],
        last_seen_at=seen["seen_at"],
        first_seen_cycle=cycle_id,
        last_seen_cycle=cycle_id,
        status=ACTIVE,
        gone_count=0,
    )
    return insert_row(db, "reports", row)


def touch(db: Database, report_id: int, seen: dict, cycle_id: int, **changes: Any) -> None:
    """Seen alive this cycle: refresh last-seen, listing and any metadata the page gave; a
    stated date replaces the report's only if it is earlier (or the report had none)."""
    update = {key: seen[key] for key in _REFRESHED if seen.get(key) is not None}
    if seen.get("published_on"):
        db.execute(
            "UPDATE reports SET published_on = ?, published_on_evidence = ? "
            "WHERE id = ? AND (published_on IS NULL OR published_on > ?)",
            [seen["published_on"], seen.get("published_on_evidence"), report_id,
             seen["published_on"]],
        )  # fmt: skip
    if seen.get("list_url"):
        update.update(list_url=seen["list_url"], list_title=seen["list_title"])
    update.update(last_seen_at=seen["seen_at"], last_seen_cycle=cycle_id, gone_count=0)
    update.update(status=ACTIVE, **changes)
    db["reports"].update(report_id, update)


def version(db: Database, report_id: int, sha256: str | None) -> dict | None:
    """The report's version for this body, if it has one."""
    rows = db.query(
        "SELECT * FROM report_versions WHERE report_id = ? AND sha256 = ?", [report_id, sha256]
    )
    return next(iter(rows), None)


def served(db: Database, report_id: int, seen: dict, cycle_id: int) -> None:
    """The report's URL started serving `seen`'s body (its first, an edit, or a revert)."""
    insert_row(
        db,
        "served_versions",
        {
            "report_id": report_id,
            "sha256": seen["sha256"],
            "cycle_id": cycle_id,
            "served_at": seen["seen_at"],
        },
    )


def body_text(body: bytes, content_type: str | None, url: str) -> str | None:
    """A version's text: the page's main text, or a PDF or Word report's document text."""
    text = report_text(body, content_type)
    return document_text(body, content_type, url).text if text is None else text


def read_text(body: bytes, content_type: str | None, url: str) -> tuple[str | None, str | None]:
    """(`body_text`, None), or (None, the failure in one line) when a parser breaks on the
    body: detection must go on for the cycle's other reports."""
    try:
        return body_text(body, content_type, url), None
    except Exception as error:  # any parser bug, on any archived body
        return None, describe(error, 500)


def add_version(
    db: Database, report_id: int, seen: dict, cycle_id: int, with_text: bool = True
) -> dict:
    """Record the body as a version of the report (once per distinct body); return the row.

    Without `with_text` the text is left to the cycle's extraction (`extraction.extract_cycle`,
    in worker processes): a new report's text is not needed to detect anything, and reading
    20,000 of them one by one here was a third of a first cycle's work after the crawl.
    """
    text, error = None, None
    if with_text:
        text, error = _text_of(db, seen["sha256"], seen.get("content_type"), seen["url"])
    version = {
        "report_id": report_id,
        "sha256": seen["sha256"],
        "first_seen_at": seen["seen_at"],
        "cycle_id": cycle_id,
        "text": text,
        "text_sha256": text_digest(text),
        "published_on": seen.get("published_on"),
        "published_on_evidence": seen.get("published_on_evidence"),
        "extract_error": error,
        "describe_error": seen.get("note"),
    }
    # A view (0019_smaller): its trigger stores the text once, under its digest.
    insert_row(db, "report_versions", version, "INSERT OR IGNORE")
    return version


def _text_of(
    db: Database, sha256: str, content_type: str | None, url: str
) -> tuple[str | None, str | None]:
    """`read_text` of the body: as the crawl already read it (staged), else from its blob."""
    text = staged_text(db, sha256, content_type)
    if text is not None:
        return text, None
    return read_text(blobs.get(db, sha256), content_type, url)


def with_text(db: Database, version: dict, report: dict) -> dict:
    """The version with its text, read now if detection left it to extraction (a report
    fetched twice in one cycle, say): `changed` compares texts, never a missing one."""
    if version["text_sha256"] is not None or version["text"] is not None:
        return version
    text, error = _text_of(db, version["sha256"], report.get("content_type"), report["url"])
    digest = text_digest(text)
    db.execute(
        "UPDATE report_versions SET text = ?, text_sha256 = ?, extract_error = ? "
        "WHERE report_id = ? AND sha256 = ?",
        [text, digest, error, version["report_id"], version["sha256"]],
    )
    return {**version, "text": text, "text_sha256": digest, "extract_error": error}


def described(db: Database, report_id: int, sha256: str) -> None:
    """The crawler described this body without failing: clear an earlier `describe_error`."""
    db.execute(
        "UPDATE report_versions SET describe_error = NULL "
        "WHERE report_id = ? AND sha256 = ? AND describe_error IS NOT NULL",
        [report_id, sha256],
    )


def has_body(db: Database, report_id: int, sha256: str) -> bool:
    return bool(
        db.execute(
            "SELECT 1 FROM report_versions WHERE report_id = ? AND sha256 = ?", [report_id, sha256]
        ).fetchone()
    )


def touch_reached(db: Database, source_id: str, cycle_id: int, seen_at: str) -> None:
    """The column was reached but not walked whole (unchanged, or stopped at known reports):
    its active reports still stand, except any whose own URL answered gone this cycle."""
    db.execute(
        """UPDATE reports SET last_seen_at = ?, last_seen_cycle = ?
           WHERE source_id = ? AND status = 'active' AND last_seen_cycle < ?
             AND url NOT IN (SELECT url FROM sightings
                             WHERE cycle_id = ? AND source_id = ? AND how = 'gone')""",
        [seen_at, cycle_id, source_id, cycle_id, cycle_id, source_id],
    )
