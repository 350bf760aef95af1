"""Tonight's plan: which known reports to re-verify, which list pages to walk, and with which
validators.

Re-fetching every known report every night would cost a government site a full crawl per
night; never re-fetching would hide silent edits. So each known report is re-verified at least
every `recheck_days`, spread evenly over the cycles (report id modulo the period), reports
published (or, undated, first seen) in the last 90 days — when corrections cluster — every
cycle, and with conditional requests built from our own fetch log, so an unchanged page costs
a 304. List pages likewise: most nights a column is asked for its first page only, and only
if that changed is it walked until a page holds nothing new; every `full_walk_days` (spread
over the sources) the whole column is walked unconditionally, which is what removal detection
needs — and on the next cycle after a known report's page answered 404/410, so that a deleted
report is confirmed the next night rather than at the next scheduled walk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

FRESH_DAYS = 90
# The validators of a logged 200 (`f`), or those its latest in-place confirmation received
# (`v`, archive/verified.py): a server that changed an unchanged page's ETag sends the new one.
# (`last_verified` keeps a value only where it differs from the logged exchange's.)
VALIDATORS = "coalesce(v.etag, f.etag), coalesce(v.last_modified, f.last_modified)"


@dataclass(frozen=True)
class Known:
    report_id: int
    url: str
    sha256: str | None
    status: str
    etag: str | None
    last_modified: str | None
    due: bool
    alias: bool = (
        False  # another URL of the report (report_aliases): noted when listed, never asked
    )


def known_reports(db: Database, source_id: str, today: date, recheck_days: int) -> dict[str, Known]:
    """The source's known reports by URL, each marked due for re-verification or not.

    The validators are those of the latest 200 answer that served the report's own body
    (`reports.sha256`), never merely the URL's latest 200: after a page is replaced in place by
    a "not found" stub, the stub's ETag would earn a 304 that "confirms" a body the server no
    longer has, and the report would never be removed. A 304 confirms only the body its
    validators came from, which is the `sha256` the sighting then carries.
    """
    fresh_since = (today - timedelta(days=FRESH_DAYS)).isoformat()
    rows = db.execute(
        f"""SELECT r.id, r.url, r.sha256, r.status, r.gone_count,
                  coalesce(r.published_on, r.first_seen_at), {VALIDATORS}
           FROM reports r LEFT JOIN fetches f ON f.id = (
               SELECT id FROM fetches WHERE url = r.url AND status = 200 AND sha256 = r.sha256
               ORDER BY id DESC LIMIT 1)
           LEFT JOIN last_verified v ON v.fetch_id = f.id
           WHERE r.source_id = ?""",
        [source_id],
    ).fetchall()
    known = {}
    for rid, url, sha, status, gone, dated, etag, modified in rows:
        due = (
            recheck_days <= 1
            or (rid + today.toordinal()) % recheck_days == 0
            or dated[:10] >= fresh_since
            or status != "active"
            or gone > 0
        )
        known[url] = Known(rid, url, sha, status, etag, modified, due)
    aliases = db.execute(
        """SELECT a.report_id, a.url, r.sha256, r.status FROM report_aliases a
           JOIN reports r ON r.id = a.report_id WHERE r.source_id = ?""",
        [source_id],
    ).fetchall()
    for rid, url, sha, status in aliases:
        if url not in known:
            known[url] = Known(rid, url, sha, status, None, None, due=False, alias=True)
    return known


def full_walk_due(source_id: str, today: date, full_walk_days: int) -> bool:
    """Whether tonight this source's lists are walked whole, without validators.

    Spread evenly: a stable hash of the source id picks its day in each period.
    """
    if full_walk_days <= 1:
        return True
    offset = int(hashlib.sha256(source_id.encode()).hexdigest()[:8], 16)
    return (offset + today.toordinal()) % full_walk_days == 0


def removal_pending(db: Database, source_id: str) -> bool:
    """Whether a known report of the source answered 404/410 when last asked, on a night its
    lists were not walked whole and did not link it.

    Such an answer is removal evidence only next to a complete walk of the lists, so it brings
    the source's full walk forward to the next cycle: a deleted report is confirmed within
    days, not at the next scheduled walk. A broken link still listed does not count (it would
    force a walk every night), nor does a soft-404 page (its status is 200).
    """
    # `+r.status`: the source's reports by their own index; on the status index SQLite read
    # every active report of the archive for each source (1.2 ms a source at 5,000 reports,
    # growing with the archive), the crawl's largest start-up query (docs/benchmarks.md)
    row = db.execute(
        """SELECT 1 FROM reports r
           JOIN fetches f ON f.id = (SELECT max(x.id) FROM fetches x WHERE x.url = r.url)
           WHERE r.source_id = ? AND +r.status = 'active' AND f.status IN (404, 410)
             AND NOT EXISTS (SELECT 1 FROM sightings s
                             WHERE s.cycle_id = f.cycle_id AND s.source_id = r.source_id
                               AND s.report_id = r.id AND s.in_list = 1)
           LIMIT 1""",
        [source_id],
    ).fetchone()
    return row is not None


def list_validators(db: Database, source_id: str) -> dict[str, tuple[str | None, str | None]]:
    """(ETag, Last-Modified) of each list page's latest 200 answer, by URL."""
    rows = db.execute(
        f"""SELECT f.url, {VALIDATORS} FROM fetches f
           LEFT JOIN last_verified v ON v.fetch_id = f.id WHERE f.id IN (
               SELECT max(id) FROM fetches
               WHERE source_id = ? AND kind = 'list' AND status = 200 GROUP BY url)""",
        [source_id],
    ).fetchall()
    return {url: (etag, modified) for url, etag, modified in rows if etag or modified}


def robots_validators(db: Database, url: str) -> tuple[str, str | None, str | None] | None:
    """(SHA-256 of the body, ETag, Last-Modified) of robots.txt's latest 200 at `url`, for a
    conditional request whose 304 means "these rules still"; None when never archived."""
    row = db.execute(
        f"""SELECT f.sha256, {VALIDATORS} FROM fetches f
           LEFT JOIN last_verified v ON v.fetch_id = f.id
           WHERE f.id = (SELECT max(id) FROM fetches WHERE url = ? AND status = 200)
             AND f.sha256 IS NOT NULL""",
        [url],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None
