"""An archived copy as a reader meets it: the bytes stored under a SHA-256, hashed again on the
spot, with what the fetch log says about where, when and how they were fetched, and how they can
be shown without letting the archived page act.

A copy is cited by its SHA-256, so whoever shows one must prove the key still holds: `load`
decodes the blob through `blobs.get` (never a second zstd decoder) and re-hashes the result.
Pages are shown through `encoding.decode_html`, the same charset logic the crawler reads them
with, so a GBK page reads as the agency published it. The Datasette plugin
(`datasette/plugins/archived_copies.py`) renders what this module returns; nothing here knows
about HTTP servers, and nothing here writes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import zstandard
from sqlite_utils import Database

from archive import blobs, evidence
from archive.encoding import decode_html
from archive.readers import kinds

# How a copy is shown: a page in a sandboxed frame, a PDF in the browser's viewer, text as text,
# anything else as a download.
HTML, PDF, TEXT, DOWNLOAD = "html", "pdf", "text", "download"
FETCHES_SHOWN = 50  # a page checked nightly for years has thousands of fetch rows
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript")
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--")
_EXTENSIONS = {HTML: "html", PDF: "pdf", TEXT: "txt"}


@dataclass(frozen=True)
class Copy:
    """One blob with its provenance; `data` is None when the stored bytes cannot be decoded."""

    sha256: str
    size: int
    stored_at: str
    data: bytes | None
    problem: str | None = None
    fetches: list[dict[str, Any]] = field(default_factory=list)
    fetch_count: int = 0
    last_fetched_at: str | None = None
    reports: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    # The first exchange that brought these bytes, request and response heads as `show
    # --headers` prints them (or what is known of a fetch logged before 0009_exchanges).
    headers: str | None = None

    @cached_property
    def actual_sha256(self) -> str | None:
        """The SHA-256 of the bytes just read and decoded: computed anew for every `load`."""
        return None if self.data is None else blobs.sha256_of(self.data)

    @property
    def intact(self) -> bool:
        return self.data is not None and self.actual_sha256 == self.sha256

    @property
    def first_fetch(self) -> dict[str, Any] | None:
        """The exchange that first brought these bytes (a 304 only confirms them)."""
        received = [f for f in self.fetches if f.get("status") != 304]
        return (received or self.fetches or [None])[0]

    @property
    def url(self) -> str | None:
        fetch = self.first_fetch
        if fetch:
            return fetch.get("url")
        return next((row["url"] for row in (*self.reports, *self.attachments)), None)

    @property
    def content_type(self) -> str | None:
        """What the server called these bytes: the fetch log first, then the report or
        attachment row (a blob can reach the archive without a fetch row, e.g. a fixture)."""
        rows = (*self.fetches, *self.reports, *self.attachments)
        return next((row["content_type"] for row in rows if row.get("content_type")), None)

    @property
    def shown_as(self) -> str:
        return DOWNLOAD if self.data is None else display_kind(self.data, self.content_type)

    @property
    def filename(self) -> str:
        """A download name that carries the key: `<sha256>.<ext>`."""
        kind = self.shown_as
        if kind == DOWNLOAD and self.data is not None:
            found = kinds.kind_of(self.data, self.content_type, self.url or "")
            return f"{self.sha256}.{'bin' if found == kinds.UNKNOWN else found}"
        return f"{self.sha256}.{_EXTENSIONS.get(kind, 'bin')}"


def load(db: Database, sha256: str) -> Copy | None:
    """The copy stored under `sha256` with its fetch log, reports and attachments; None if no
    blob has that key."""
    row = db.execute("SELECT size, stored_at FROM blobs WHERE sha256 = ?", [sha256]).fetchone()
    if row is None:
        return None
    data, problem = _bytes(db, sha256)
    # the fetch log's exchanges, and those that confirmed one of them in place (a 304, the same
    # body again: archive/verified.py), each counted
    count, last = db.execute(
        "SELECT count(*) + coalesce(sum(v.verifications), 0), "
        "max(max(f.fetched_at), coalesce(max(v.verified_at), '')) "
        "FROM fetches f LEFT JOIN last_verified v ON v.fetch_id = f.id WHERE f.sha256 = ?",
        [sha256],
    ).fetchone()
    return Copy(
        sha256=sha256,
        size=row[0],
        stored_at=row[1],
        data=data,
        problem=problem,
        fetches=_rows(
            db,
            "SELECT * FROM fetches WHERE sha256 = ? ORDER BY fetched_at, id LIMIT ?",
            [sha256, FETCHES_SHOWN],
        ),
        fetch_count=count,
        last_fetched_at=last,
        reports=_rows(
            db,
            "SELECT r.id, r.title, r.agency, r.url, r.content_type, v.first_seen_at "
            "FROM report_versions v JOIN reports r ON r.id = v.report_id "
            "WHERE v.sha256 = ? ORDER BY r.id",
            [sha256],
        ),
        attachments=_rows(
            db,
            "SELECT a.id, a.report_id, a.title, a.url, a.content_type, a.kind, "
            "r.title AS report_title FROM attachments a LEFT JOIN reports r ON r.id = a.report_id "
            "WHERE a.sha256 = ? ORDER BY a.id",
            [sha256],
        ),
        headers=_headers(db, sha256),
    )


def _headers(db: Database, sha256: str) -> str | None:
    first = evidence.exchange_of_blob(db, sha256)
    return None if first is None else evidence.headers_text(db, first)


def _bytes(db: Database, sha256: str) -> tuple[bytes | None, str | None]:
    try:
        return blobs.get(db, sha256), None
    except (LookupError, ValueError, zstandard.ZstdError) as error:
        return None, f"the stored bytes cannot be decoded ({error})"


def _rows(db: Database, sql: str, params: list) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def display_kind(data: bytes, content_type: str | None) -> str:
    """How to show `data`: the bytes decide for PDFs, the Content-Type (or, when the server
    sent none or a generic one, the first bytes) for pages and text."""
    if kinds.kind_of(data, None, "") == kinds.PDF:
        return PDF
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _HTML_TYPES:
        return HTML
    if mime.startswith("text/") or mime in _TEXT_TYPES or mime.endswith(("+xml", "+json")):
        return TEXT
    if mime in ("", "application/octet-stream") and _looks_like_html(data):
        return HTML
    return DOWNLOAD


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_START)


def display_text(copy: Copy) -> str:
    """The copy's bytes as text, decoded the way the crawler decodes pages (BOM, header,
    `<meta>`, then a UTF-8/GB18030 sniff)."""
    if copy.data is None:
        raise ValueError(f"blob {copy.sha256} cannot be decoded")
    return decode_html(copy.data, copy.content_type)[0]


@dataclass(frozen=True)
class TextDiff:
    """Two versions' text compared; `unread` names those that have no extracted text (not
    extracted yet, or the extraction failed): then there is nothing to compare."""

    lines: list[str]
    unread: list[str]


def text_diff(db: Database, report_id: int, before: str, after: str) -> TextDiff | None:
    """The unified diff of two versions' extracted text (`report_versions.text`); None when
    either is not a version of that report."""
    texts = dict(
        db.execute(
            "SELECT sha256, text FROM report_versions WHERE report_id = ? AND sha256 IN (?, ?)",
            [report_id, before, after],
        ).fetchall()
    )
    if before not in texts or after not in texts:
        return None
    unread = [sha256 for sha256 in dict.fromkeys((before, after)) if texts[sha256] is None]
    if unread:
        return TextDiff([], unread)
    lines = difflib.unified_diff(
        texts[before].splitlines(),
        texts[after].splitlines(),
        fromfile=before,
        tofile=after,
        lineterm="",
    )
    return TextDiff(list(lines), [])
