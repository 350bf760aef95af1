"""Timestamps as the archive stores them: UTC, ISO 8601, to the second.

Example: 2026-11-23T02:30:00+00:00. One format everywhere keeps SQL comparisons on text correct.
"""

from datetime import UTC, datetime


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
