"""Timestamps as stored in the archive: UTC, ISO 8601, to the second (e.g. 2026-11-23T02:30:00+00:00)."""

from datetime import UTC, datetime


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
