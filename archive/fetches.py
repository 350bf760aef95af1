"""The fetch log: one row per HTTP exchange, whatever its outcome.

Errors are logged too (a 404 with its body, a timeout with no body): they are the evidence for
source health and, later, for removals. Conditional requests read their validators from here,
never from an HTTP cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from archive import blobs

KINDS = ("list", "report", "attachment", "robots", "other")


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


def record(db: Database, fetch: Fetch, cycle_id: int | None) -> str | None:
    """Archive the body (if any) and log the exchange; return the body's SHA-256."""
    if fetch.kind not in KINDS:
        raise ValueError(f"fetch kind must be one of {KINDS}, not {fetch.kind!r}")
    sha256 = fetch.same_as if fetch.body is None else blobs.put(db, fetch.body)
    db["fetches"].insert(
        {
            "cycle_id": cycle_id,
            "source_id": fetch.source_id,
            "kind": fetch.kind,
            "url": fetch.url,
            "final_url": fetch.final_url,
            "fetched_at": fetch.fetched_at,
            "status": fetch.status,
            "sha256": sha256,
            "content_type": fetch.content_type,
            "size": None if fetch.body is None else len(fetch.body),
            "etag": fetch.etag,
            "last_modified": fetch.last_modified,
            "note": fetch.note,
        }
    )
    return sha256
