"""Archive rows for alert and feed tests, inserted directly: those tests are not about detection."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from archive.db import open_db

AGENCY = "深圳市人民政府口岸办公室"
DETECTED = "2026-11-23T02:30:00+00:00"


def archive(path: Path, cycles: int = 1) -> Database:
    """A migrated archive with `cycles` completed cycle rows (ids 1…n)."""
    db = open_db(path)
    for cycle_id in range(1, cycles + 1):
        db["cycles"].insert(
            {"id": cycle_id, "started_at": DETECTED, "status": "completed", "config": "t.toml"}
        )
    return db


def report(db: Database, url: str, title: str, year: int | None = 2024, **extra) -> int:
    row = {
        "source_id": "szka",
        "agency": AGENCY,
        "title": title,
        "year": year,
        "published_on": "2025-01-20",
        "url": url,
        "first_seen_at": DETECTED,
        "last_seen_at": DETECTED,
        "status": "active",
        **extra,
    }
    return db["reports"].insert(row).last_pk


def event(db: Database, kind: str, report_id: int | None, baseline: int = 0, **extra) -> int:
    row = {
        "report_id": report_id,
        "source_id": "szka",
        "kind": kind,
        "detected_at": DETECTED,
        "cycle_id": 1,
        "baseline": baseline,
        "summary": f"{kind} event",
        **extra,
    }
    return db["events"].insert(row).last_pk
