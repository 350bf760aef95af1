"""Evidence out of the archive: a body by its SHA-256 or URL, an exchange's headers, a report's
versions and the diff between two of them (the `show` command).

Everything here reads; nothing is written. A lookup that finds nothing raises `NotFound` with
one line saying what was asked, which the command line prints as is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlite_utils import Database

from archive import blobs, exchanges, verified
from archive.reports import body_text

SHA256 = re.compile(r"^[0-9a-f]{64}$")
BEFORE_EXCHANGES = "fetched before 0009_exchanges: only Content-Type, ETag and Last-Modified kept"


class NotFound(LookupError):
    """Nothing archived matches what was asked; the message says what was asked."""


@dataclass(frozen=True)
class Exchange:
    """One row of `fetches`, with its header blocks read."""

    id: int
    url: str
    final_url: str | None
    fetched_at: str
    status: int | None
    sha256: str | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    method: str | None
    request_head: bytes | None
    request_body: str | None
    response_head: bytes | None
    ip_address: str | None
    kind: str
    source_id: str | None
    note: str | None

    @property
    def complete(self) -> bool:
        """Kept whole (request and response heads), i.e. logged after 0009_exchanges."""
        return self.request_head is not None and (
            self.response_head is not None or self.status is None
        )

    @property
    def target(self) -> str:
        """The URL that answered (after redirects)."""
        return self.final_url or self.url


_COLUMNS = (
    "id, url, final_url, fetched_at, status, sha256, content_type, etag, last_modified, method, "
    "request_headers, request_body, response_headers, ip_address, kind, source_id, note, "
    "response_date"
)


def exchange(db: Database, row: tuple) -> Exchange:
    """A fetch row with its heads read: the request's rebuilt whole (request line first)."""
    values = list(row)
    date = values.pop()
    block = exchanges.get(db, values[10])
    target = values[2] or values[1]
    values[10] = None if block is None else exchanges.request_head(values[9], target, block)
    response = exchanges.get(db, values[12])
    values[12] = None if response is None else exchanges.join_date(response, date)
    return Exchange(*values)


# The exchanges the fetch log holds, and the latest one that confirmed each logged exchange in
# place (`last_verified`, archive/verified.py) with the id -fetch_id: its heads rebuilt with the
# validator values its row keeps.
_IN_PLACE = (
    "SELECT -v.fetch_id AS id, f.url, f.final_url, v.verified_at AS fetched_at, v.status, "
    "f.sha256, f.content_type, coalesce(v.etag, f.etag), coalesce(v.last_modified, "
    "f.last_modified), f.method, v.request_headers, NULL AS request_body, v.response_headers, "
    "coalesce(v.ip_address, f.ip_address), f.kind, f.source_id, f.note, v.response_date, "
    "coalesce(v.if_none_match, f.etag), coalesce(v.if_modified_since, f.last_modified), "
    "v.validators_in_front FROM last_verified v JOIN fetches f ON f.id = v.fetch_id"
)
_ALL = (
    f"(SELECT {_COLUMNS}, NULL AS if_none_match, NULL AS if_modified_since, "
    f"NULL AS validators_in_front FROM fetches "
    f"UNION ALL {_IN_PLACE})"
)


def exchanges_where(db: Database, where: str, params: list) -> list[Exchange]:
    """The exchanges matching `where` (over `fetches`' column names): the fetch log's, and
    each logged exchange's latest confirmation in place (a negative id)."""
    rows = db.execute(f"SELECT * FROM {_ALL} WHERE {where}", params).fetchall()
    return [_in_place(db, row) for row in rows]


def exchange_by_id(db: Database, exchange_id: int) -> Exchange | None:
    """A fetch row by id, or (a negative id) the in-place confirmation of fetch -id."""
    if exchange_id >= 0:
        row = db.execute(
            f"SELECT {_COLUMNS}, NULL, NULL, NULL FROM fetches WHERE id = ?", [exchange_id]
        )
    else:
        row = db.execute(f"{_IN_PLACE} WHERE v.fetch_id = ?", [-exchange_id])
    found = row.fetchone()
    return None if found is None else _in_place(db, found)


def _in_place(db: Database, row: tuple) -> Exchange:
    *columns, if_none_match, if_modified_since, in_front = row
    ex = exchange(db, tuple(columns))
    if ex.id >= 0:
        return ex
    asked = {"If-None-Match": if_none_match, "If-Modified-Since": if_modified_since}
    answered = {"ETag": ex.etag, "Last-Modified": ex.last_modified}
    request_head = verified.join(ex.request_head, asked)
    if in_front and ex.request_head is not None:  # after the request line, which comes first
        line = ex.request_head.index(b"\r\n") + 2
        request_head = ex.request_head[:line] + verified.in_front(ex.request_head[line:], asked)
    return replace(
        ex,
        request_head=request_head,
        response_head=verified.join(ex.response_head, answered),
    )


def body(db: Database, sha256: str) -> bytes:
    """The archived body under `sha256`, decoded bit for bit."""
    key = sha256.strip().lower()
    if not SHA256.match(key):
        raise NotFound(f"{sha256!r} is not a SHA-256 (64 hex digits) nor an http(s) URL")
    try:
        return blobs.get(db, key)
    except KeyError:
        raise NotFound(f"no archived body has SHA-256 {key}") from None


def exchange_of_blob(db: Database, sha256: str) -> Exchange | None:
    """The first exchange that brought this body (a 200 before a 304 that confirmed it)."""
    found = exchanges_where(
        db,
        "sha256 = ? ORDER BY (status = 304), fetched_at, id LIMIT 1",
        [sha256.strip().lower()],
    )
    return found[0] if found else None


def exchange_of_url(db: Database, url: str, at: date | None = None) -> Exchange:
    """The last exchange with a body for `url` (as requested or as answered) on or before the
    end of day `at` (UTC), or the last one of all without `at`."""
    until = (at + timedelta(days=1)).isoformat() if at else "9999"
    found = exchanges_where(
        db,
        "(url = ? OR final_url = ?) AND sha256 IS NOT NULL AND fetched_at < ? "
        "ORDER BY fetched_at DESC, id DESC LIMIT 1",
        [url, url, until],
    )
    if not found:
        when = f" on or before {at.isoformat()}" if at else ""
        raise NotFound(f"no archived body for {url}{when}")
    return found[0]


def headers_text(db: Database, ex: Exchange) -> str:
    """The exchange's request and response heads as text, or what is known of an older one."""
    lines = [f"# fetch {ex.id}: {ex.fetched_at}  {ex.target}" + (
        f"  from {ex.ip_address}" if ex.ip_address else ""
    )]  # fmt: skip
    if ex.request_head is not None:
        lines.append(ex.request_head.decode("latin-1").rstrip("\r\n"))
        if ex.request_body:
            lines.append(f"# request body: {len(blobs.get(db, ex.request_body))} bytes, "
                         f"SHA-256 {ex.request_body}")  # fmt: skip
    else:
        lines.append(f"# request not kept ({BEFORE_EXCHANGES})")
    lines.append("")
    if ex.response_head is not None:
        lines.append(ex.response_head.decode("latin-1").rstrip("\r\n"))
    elif ex.status is None:
        lines.append(f"# no response: {ex.note or 'failed'}")
    else:
        lines.append(f"# what is known ({BEFORE_EXCHANGES}):")
        lines.append(known_response_head(ex).decode("latin-1").rstrip("\r\n"))
    return "\r\n".join(lines).replace("\r\n", "\n") + "\n"


def known_response_head(ex: Exchange) -> bytes:
    """A response head made of what an older fetch row kept: status and three headers."""
    known = [
        ("Content-Type", ex.content_type),
        ("ETag", ex.etag),
        ("Last-Modified", ex.last_modified),
    ]
    return exchanges.response_block(None, ex.status or 0, [(n, v) for n, v in known if v])


def current_sha256(db: Database, report_id: int) -> str:
    """The key of a report's current body (`reports.sha256`)."""
    row = db.execute("SELECT sha256 FROM reports WHERE id = ?", [report_id]).fetchone()
    if row is None:
        raise NotFound(f"no report with id {report_id}")
    if row[0] is None:
        raise NotFound(f"report {report_id} has no archived body")
    return row[0]


@dataclass(frozen=True)
class Version:
    number: int
    first_seen_at: str
    sha256: str
    size: int | None  # None when the blob row is missing (`verify` reports it)
    content_type: str | None
    cycle_id: int | None
    text_sha256: str | None  # None until the version's text is extracted


def versions(db: Database, report_id: int) -> list[Version]:
    """A report's distinct bodies, oldest first, numbered from 1: the `show --versions` listing
    and the versions on a report's Datasette row page."""
    if not db.execute("SELECT 1 FROM reports WHERE id = ?", [report_id]).fetchone():
        raise NotFound(f"no report with id {report_id}")
    rows = db.execute(
        """SELECT v.first_seen_at, v.sha256, b.size, r.content_type, v.cycle_id, v.text_sha256
        FROM report_versions v LEFT JOIN blobs b ON b.sha256 = v.sha256
        JOIN reports r ON r.id = v.report_id
        LEFT JOIN version_ids n ON n.report_id = v.report_id AND n.sha256 = v.sha256
        WHERE v.report_id = ? ORDER BY v.first_seen_at, n.id""",
        [report_id],
    ).fetchall()
    return [Version(n, *row) for n, row in enumerate(rows, start=1)]


def _version(found: list[Version], report_id: int, which: str) -> Version:
    key = which.strip().lower()
    if key.isdigit() and len(key) < 8:
        match = [v for v in found if v.number == int(key)]
    else:
        match = [v for v in found if v.sha256.startswith(key)] if key else []
    if len(match) != 1:
        numbers = ", ".join(f"{v.number} ({v.sha256[:12]})" for v in found)
        why = "matches several" if match else "is not one of its versions"
        raise NotFound(f"report {report_id}: {which!r} {why}: {numbers}")
    return match[0]


def diff(db: Database, report_id: int, a: str, b: str) -> str:
    """The unified diff of two versions' texts (page text, or the document's text); A and B
    are version numbers as `--versions` lists them, or SHA-256 prefixes."""
    found = versions(db, report_id)
    url = db.execute("SELECT url FROM reports WHERE id = ?", [report_id]).fetchone()[0]
    old, new = _version(found, report_id, a), _version(found, report_id, b)
    texts = [body_text(blobs.get(db, v.sha256), v.content_type, url) or "" for v in (old, new)]
    lines = difflib.unified_diff(
        texts[0].splitlines(),
        texts[1].splitlines(),
        fromfile=f"version {old.number} {old.sha256} first seen {old.first_seen_at}",
        tofile=f"version {new.number} {new.sha256} first seen {new.first_seen_at}",
        lineterm="",
    )
    return "\n".join(lines) + "\n"
