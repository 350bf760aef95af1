"""An Atom 1.0 feed of newly found reports, for people who would rather subscribe than be paged.

Entry ids come from the report's URL, not from row ids, so a reader never sees an entry twice
because an archive was rebuilt or copied. The feed's `updated` is its newest entry's time, so
an unchanged archive rewrites a byte-identical file. The file is replaced atomically: readers
(and a web server publishing it) see the old feed or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from archive.clock import now_iso
from archive.encoding import NOT_XML

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:gongkai,2026:feed:new-reports"


def entry_id(url: str) -> str:
    """The stable id of a report's entry: a tag URI over the SHA-256 of its URL."""
    return f"tag:gongkai,2026:report:{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}"


def write(db: Database, path: Path, entries: int = 100, now: datetime | None = None) -> int:
    """(Re)write the feed at `path` with the newest `entries` new reports; return their count."""
    rows = _newest(db, entries)
    updated = rows[0]["detected_at"] if rows else now_iso(now)
    feed = _feed(updated)
    for row in rows:
        feed.append(_entry(row))
    data = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    _replace(Path(path), data)
    return len(rows)


def _newest(db: Database, limit: int) -> list[dict]:
    """Non-baseline `new` events, newest first, one per report URL."""
    cursor = db.execute(
        "SELECT e.detected_at, r.agency, r.title, r.year, r.published_on, r.url "
        "FROM events e JOIN reports r ON r.id = e.report_id "
        "WHERE e.kind = 'new' AND e.baseline = 0 ORDER BY e.detected_at DESC, e.id DESC"
    )
    names = [c[0] for c in cursor.description]
    rows: dict[str, dict] = {}
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        rows.setdefault(row["url"], row)
        if len(rows) >= limit:
            break
    return list(rows.values())


def _feed(updated: str) -> ET.Element:
    feed = ET.Element("feed", xmlns=ATOM)
    _child(feed, "id", FEED_ID)
    _child(
        feed, "title", "Gongkai：新发现的政府信息公开工作年度报告 / New annual disclosure reports"
    )
    _child(feed, "updated", updated)
    author = ET.SubElement(feed, "author")
    _child(author, "name", "Gongkai")
    _child(feed, "generator", "Gongkai")
    return feed


def _entry(row: dict) -> ET.Element:
    entry = ET.Element("entry")
    _child(entry, "id", entry_id(row["url"]))
    _child(entry, "title", row["title"])
    ET.SubElement(entry, "link", rel="alternate", href=row["url"].translate(NOT_XML))
    _child(entry, "updated", row["detected_at"])
    author = ET.SubElement(entry, "author")
    _child(author, "name", row["agency"])
    year = f"{row['year']}年度" if row["year"] else "年度未注明"
    published = row["published_on"] or "未注明"
    summary = f"{row['agency']} · {year} · 发布日期 {published} · {row['url']}"
    _child(entry, "summary", summary)
    return entry


def _child(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, name)
    element.text = str(text).translate(NOT_XML)
    return element


def _replace(path: Path, data: bytes) -> None:
    """Write beside the target, flush to disk, then rename over it; clean up on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
