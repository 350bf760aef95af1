"""One report, one row: a second URL of a source that serves a known report is an alias.

Sites link one report at several URLs that differ only by parameters no list of names can
foresee (`?source=weixin`, `?channel=…`, `?ref=…`): `crawler/urls.py` drops the known ones, a
cheap first filter, and this module catches the rest by what the URL serves. A URL met for the
first time whose body is byte-identical to a version of one of the source's known reports, or
whose extracted text is the same as one's, is that report — unless the two are listed (or
titled) as different documents. The URL is recorded in `report_aliases` and never becomes a
report of its own, so later nights raise no `new`, `moved` or `removed` about it.
"""

from __future__ import annotations

import re

from sqlite_utils import Database

from archive import blobs, reports
from archive.crawl_extraction import staged_text
from archive.text import text_digest

SAME_BODY = "same_body"
SAME_TEXT = "same_text"
_ELLIPSIS = re.compile(r"(…|\.\.\.|。。。)+$")
_NOISE = re.compile(r"[\s\W_]+")


def known(db: Database, source_id: str, url: str) -> bool:
    """Whether `url` is already recorded as another URL of one of the source's reports."""
    return report_of(db, source_id, url) is not None


def report_of(db: Database, source_id: str, url: str) -> dict | None:
    """The source's report that `url` is an alias of, if it is one."""
    rows = db.query(
        "SELECT r.* FROM report_aliases a JOIN reports r ON r.id = a.report_id"
        " WHERE r.source_id = ? AND a.url = ? LIMIT 1",
        [source_id, url],
    )
    return next(iter(rows), None)


def of_report(db: Database, report_id: int) -> list[str]:
    return [row[0] for row in db.execute(
        "SELECT url FROM report_aliases WHERE report_id = ?", [report_id]
    )]  # fmt: skip


def match(db: Database, s: dict) -> tuple[dict, str] | None:
    """The known active report of the source that a newly met URL serves, and how we know.

    Byte-identical first (a version's SHA-256: no parsing); then, only when the source has a
    report of the same year, the extracted text, so a first cycle of distinct years costs
    nothing more than it did.
    """
    candidates = list(
        db.query(
            # `+status`: not through the index on status, which SQLite chose without it — a
            # scan of every active report of the archive per new URL (quadratic on a first
            # cycle); through the source's reports instead, by report_versions' key: no scan
            "SELECT * FROM reports r WHERE source_id = ? AND url != ? AND +status = 'active'"
            " AND (year IS ? OR EXISTS (SELECT 1 FROM report_versions v"
            "                           WHERE v.report_id = r.id AND v.sha256 = ?))"
            " ORDER BY id",
            [s["source_id"], s["url"], s["year"], s["sha256"]],
        )
    )
    candidates = [c for c in candidates if not listed_apart(c, s)]
    for report in candidates:
        if reports.has_body(db, report["id"], s["sha256"]):
            return report, SAME_BODY
    same_year = [c for c in candidates if c["year"] == s["year"]]
    if not same_year:
        return None
    text = staged_text(db, s["sha256"], s["content_type"])  # read by the crawl, if it was
    if text is None:
        text = reports.body_text(blobs.get(db, s["sha256"]), s["content_type"], s["url"])
    digest = text_digest(text) if text and text.strip() else None
    if digest is None:
        return None
    for report in same_year:
        current = reports.version(db, report["id"], report["sha256"])
        if current is not None:
            reports.with_text(db, current, report)  # a version of tonight's: text now
        hit = db.execute(
            "SELECT 1 FROM report_versions WHERE report_id = ? AND text_sha256 = ? LIMIT 1",
            [report["id"], digest],
        ).fetchone()
        if hit:
            return report, SAME_TEXT
    return None


def record(db: Database, report_id: int, s: dict, cycle_id: int, how: str) -> None:
    db["report_aliases"].insert(
        {
            "report_id": report_id,
            "url": s["url"],
            "first_seen_at": s["seen_at"],
            "cycle_id": cycle_id,
            "how": how,
        },
        ignore=True,
    )


def listed_apart(report: dict, s: dict) -> bool:
    """Listed or titled as different documents: then the same body is two reports."""
    return _differ(report["list_title"], s["list_title"]) or _differ(report["title"], s["title"])


def _differ(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    cut_a, cut_b = bool(_ELLIPSIS.search(a)), bool(_ELLIPSIS.search(b))
    a, b = _NOISE.sub("", _ELLIPSIS.sub("", a)), _NOISE.sub("", _ELLIPSIS.sub("", b))
    shortened = (cut_a and b.startswith(a)) or (cut_b and a.startswith(b))  # a list cut it
    return a != b and not shortened
