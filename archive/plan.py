"""Tonight's plan for known reports: which to re-verify, with which validators.

Re-fetching every known report every night would cost a government site a full crawl per
night; never re-fetching would hide silent edits. So each known report is re-verified at least
every `recheck_days`, spread evenly over the cycles (report id modulo the period), reports first
seen in the last 90 days (when corrections cluster) every cycle, and with conditional requests
built from our own fetch log, so an unchanged page costs a 304.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

FRESH_DAYS = 90


@dataclass(frozen=True)
class Known:
    report_id: int
    url: str
    sha256: str | None
    status: str
    etag: str | None
    last_modified: str | None
    due: bool


def known_reports(db: Database, source_id: str, today: date, recheck_days: int) -> dict[str, Known]:
    """The source's known reports by URL, each marked due for re-verification or not."""
    fresh_since = (today - timedelta(days=FRESH_DAYS)).isoformat()
    rows = db.execute(
        """SELECT r.id, r.url, r.sha256, r.status, r.gone_count, r.first_seen_at,
                  (SELECT etag FROM fetches f WHERE f.url = r.url AND f.status = 200
                   ORDER BY f.id DESC LIMIT 1),
                  (SELECT last_modified FROM fetches f WHERE f.url = r.url AND f.status = 200
                   ORDER BY f.id DESC LIMIT 1)
           FROM reports r WHERE r.source_id = ?""",
        [source_id],
    ).fetchall()
    known = {}
    for rid, url, sha, status, gone, first_seen, etag, modified in rows:
        due = (
            recheck_days <= 1
            or (rid + today.toordinal()) % recheck_days == 0
            or first_seen[:10] >= fresh_since
            or status != "active"
            or gone > 0
        )
        known[url] = Known(rid, url, sha, status, etag, modified, due)
    return known
