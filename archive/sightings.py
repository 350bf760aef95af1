"""Sightings: what the crawler saw of each report in a cycle, before any judgement.

The crawler only records sightings; deciding what they mean (new, changed, moved, removed)
needs the whole cycle's view and happens afterwards in `archive.events.detect`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlite_utils import Database

from archive import verified

FETCHED = "fetched"  # the page was downloaded (200)
NOT_MODIFIED = "not_modified"  # a conditional request answered 304: same bytes as before
LISTED = "listed"  # linked from its list, not re-fetched this cycle (rotation)
GONE = "gone"  # the URL answered 404/410 or a soft-404 page
HOWS = (FETCHED, NOT_MODIFIED, LISTED, GONE)


@dataclass(frozen=True)
class Sighting:
    """A report URL met in a cycle, with what discovery made of it."""

    source_id: str
    url: str
    how: str
    in_list: bool
    seen_at: str
    report_id: int | None = None
    http_status: int | None = None
    title: str | None = None
    year: int | None = None
    published_on: str | None = None
    published_on_evidence: str | None = None
    list_url: str | None = None
    list_title: str | None = None
    sha256: str | None = None
    content_type: str | None = None
    walk_complete: bool | None = None  # unlisted: re-checked after a complete walk of the lists
    note: str | None = None  # why the page could not be described (it broke a parser)
    issuer: str | None = None  # the issuing agency the report names (archive.issuers)
    issuer_evidence: str | None = None


_COLUMNS = ("cycle_id", *(f.name for f in fields(Sighting)))
# Prepared once: sqlite-utils' insert() rebuilds its SQL per row, and every report seen is a row.
_INSERT = f"INSERT INTO sightings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def record(db: Database, sighting: Sighting, cycle_id: int | None) -> None:
    if sighting.how not in HOWS:
        raise ValueError(f"sighting how must be one of {HOWS}, not {sighting.how!r}")
    if verified.seen(db, sighting, cycle_id):
        return  # "still there, unchanged": the report's last_seen row, updated in place
    row = {**sighting.__dict__, "in_list": int(sighting.in_list), "cycle_id": cycle_id}
    if sighting.walk_complete is not None:
        row["walk_complete"] = int(sighting.walk_complete)
    db.execute(_INSERT, [row[name] for name in _COLUMNS])


def of_cycle(db: Database, cycle_id: int) -> list[dict]:
    """The cycle's sightings: its rows, and the unchanged ones recorded in place (first)."""
    rows = db.query("SELECT * FROM sightings WHERE cycle_id = ? ORDER BY id", [cycle_id])
    return [*verified.seen_in_cycle(db, cycle_id), *rows]
