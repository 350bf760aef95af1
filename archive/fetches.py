"""The fetch log: one row per HTTP exchange, whatever its outcome.

Errors are logged too (a 404 with its body, a timeout with no body): they are the evidence for
source health and, later, for removals. Conditional requests read their validators from here,
never from an HTTP cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from archive import blobs, exchanges, verified

KINDS = ("list", "report", "attachment", "robots", "other")
# A prepared statement: sqlite-utils' insert() rebuilds its SQL for every row, and the fetch log
# gets a row per request.
_INSERT = (
    "INSERT INTO fetches (cycle_id, source_id, kind, url, final_url, fetched_at, status, sha256, "
    "content_type, size, etag, last_modified, note, method, request_headers, request_body, "
    "response_headers, response_date, ip_address) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Fetch:
    """One exchange as the crawler saw it; `body` is None when no response arrived."""

    url: str
    fetched_at: str
    kind: str
    source_id: str | None = None
    final_url: str | None = None
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    note: str | None = None
    same_as: str | None = None  # a 304's body is the one we already have under this SHA-256
    # The exchange kept whole (archive/exchanges.py): None in fetches logged before 0009.
    method: str | None = None
    request_head: bytes | None = None  # headers as sent (exchanges.request_block)
    request_body: bytes | None = None  # a POST's body
    response_head: bytes | None = None  # status line and headers as received
    ip_address: str | None = None
    # `body`'s SHA-256 when the crawl computed it already from these very bytes (once, on its
    # event loop, for the sighting too); the blob is then stored under it without hashing again.
    body_sha256: str | None = None


def record(db: Database, fetch: Fetch, cycle_id: int | None) -> str | None:
    """Archive the body (if any) and log the exchange; return the body's SHA-256.

    An exchange that only confirms the URL's latest logged one (the same body, or a 304 for
    it) updates that exchange's `last_verified` row instead (archive/verified.py)."""
    if fetch.kind not in KINDS:
        raise ValueError(f"fetch kind must be one of {KINDS}, not {fetch.kind!r}")
    confirmed = verified.confirm(db, fetch, cycle_id)
    if confirmed is not None:
        return confirmed
    if fetch.body is None:
        sha256 = fetch.same_as
    else:
        sha256 = blobs.put(db, fetch.body, digest=fetch.body_sha256)
    if sha256 is None and fetch.status == 304:  # a list page's or robots.txt's 304
        sha256 = verified.confirmed_body(db, fetch.url)
    request_body = blobs.put(db, fetch.request_body) if fetch.request_body else None
    request_head = exchanges.put(db, fetch.request_head) if fetch.request_head else None
    response_head = date = None
    if fetch.response_head:
        block, date = exchanges.split_date(fetch.response_head)
        response_head = exchanges.put(db, block)
    db.execute(
        _INSERT,
        [cycle_id, fetch.source_id, fetch.kind, fetch.url, fetch.final_url, fetch.fetched_at,
         fetch.status, sha256, fetch.content_type,
         None if fetch.body is None else len(fetch.body),
         fetch.etag, fetch.last_modified, fetch.note, fetch.method, request_head, request_body,
         response_head, date, fetch.ip_address],
    )  # fmt: skip
    return sha256
