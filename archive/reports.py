"""Reports: one row per annual disclosure report an agency published, and its versions.

A report is identified by its source and URL (moves across URLs are the watch layer's job);
each distinct body it served is a row in `report_versions`, so nothing seen is forgotten even
though `reports.sha256` always points at the latest body.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlite_utils import Database

ACTIVE = "active"
REMOVED = "removed"


@dataclass(frozen=True)
class Sighting:
    """A report page (or attachment) fetched in a cycle, with what discovery made of it."""

    source_id: str
    agency: str
    url: str
    title: str
    year: int | None
    published_on: str | None
    published_on_evidence: str | None
    list_url: str | None
    list_title: str | None
    sha256: str
    content_type: str | None
    seen_at: str


def observe(db: Database, seen: Sighting, cycle_id: int | None) -> tuple[int, bool]:
    """Record a sighting; return (report id, whether the report is new to the archive)."""
    row = db.execute(
        "SELECT id FROM reports WHERE source_id = ? AND url = ?", [seen.source_id, seen.url]
    ).fetchone()
    fields = asdict(seen)
    seen_at = fields.pop("seen_at")
    fields.update(last_seen_at=seen_at, last_seen_cycle=cycle_id, status=ACTIVE)
    if row is None:
        fields.update(first_seen_at=seen_at, first_seen_cycle=cycle_id)
        report_id = db["reports"].insert(fields).last_pk
    else:
        report_id = row[0]
        db["reports"].update(report_id, fields)
    db.execute(
        "INSERT OR IGNORE INTO report_versions (report_id, sha256, first_seen_at, cycle_id) "
        "VALUES (?, ?, ?, ?)",
        [report_id, seen.sha256, seen_at, cycle_id],
    )
    return report_id, row is None
