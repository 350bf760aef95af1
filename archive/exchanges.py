"""HTTP header blocks, kept whole and stored once each.

A fetch's request headers as sent (its request line is rebuilt from the fetch row: method,
URL) and its response (status line and headers as received) are each one *header block*: the
HTTP/1.1 text of those lines, each ending in CRLF, without the blank line that ends a head.
Blocks repeat — the same Host, Referer and User-Agent for every report a list page links, the
same server headers night after night — so `header_blocks` holds each distinct block once,
keyed by its SHA-256, and `fetches` points at it by its integer id.

No Scrapy here: the crawler hands plain (name, value) pairs in (crawler/pipelines.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from sqlite_utils import Database

from archive import blobs

Pairs = list[tuple[str, str]]


def _line(text: str) -> bytes:
    # latin-1 round-trips every byte a server can send in a header
    return text.encode("latin-1", "replace") + b"\r\n"


def request_block(
    url: str, headers: Iterable[tuple[str, str]], body_length: int | None = None
) -> bytes:
    """The request's header lines as the HTTP client (Twisted) writes them: Content-Length
    when a body goes with the request, the headers handed to it, then Host, which it adds.

    The request line is left out: it is the method and the URL's path and query, which the
    fetch row has, and without it the block is the same for every request a list page makes
    (same Host, Referer, User-Agent …), so it is stored once (see `request_head`).
    """
    pairs = list(headers)
    names = {name.lower() for name, _ in pairs}
    out = []
    if body_length is not None and "content-length" not in names:
        out.append(_line(f"Content-Length: {body_length}"))
    out += [_line(f"{name}: {value}") for name, value in pairs]
    if "host" not in names:
        out.append(_line(f"Host: {urlsplit(url).netloc}"))
    return b"".join(out)


def request_line(method: str, url: str) -> bytes:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _line(f"{method} {target} HTTP/1.1")


def request_head(method: str, url: str, block: bytes) -> bytes:
    """The whole request head: the request line rebuilt from the row, then the stored block."""
    return request_line(method, url) + block


def response_block(protocol: str | None, status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    """The response head: status line (the standard reason phrase: Scrapy does not keep the
    server's own) and the headers in the order received."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    out = [_line(f"{protocol or 'HTTP/1.1'} {status} {phrase}".rstrip())]
    out += [_line(f"{name}: {value}") for name, value in headers]
    return b"".join(out)


@dataclass(frozen=True)
class Head:
    """A parsed header block: its first line and its headers, in order."""

    first_line: str
    headers: Pairs

    def get(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for n, v in self.headers if n.lower() == lowered), None)


def parse(block: bytes) -> Head:
    lines = block.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
    return Head(lines[0], headers)


# A response's Date changes every second, and would make every block unique; its value is kept
# in the fetch row (`fetches.response_date`) and the block keeps the line, emptied.
_DATE = re.compile(rb"^(Date:[ \t]*)([^\r\n]*)\r\n", re.IGNORECASE | re.MULTILINE)


def split_date(block: bytes) -> tuple[bytes, str | None]:
    """The block with its first Date header's value taken out, and that value (None: none)."""
    match = _DATE.search(block)
    if match is None:
        return block, None
    return block[: match.start(2)] + block[match.end(2) :], match.group(2).decode("latin-1")


def join_date(block: bytes, date: str | None) -> bytes:
    """`split_date` undone: the value put back into the first Date line."""
    if date is None:
        return block
    match = _DATE.search(block)
    if match is None:  # not a block split_date made; leave it as stored
        return block
    return block[: match.start(2)] + date.encode("latin-1") + block[match.start(2) :]


def put(db: Database, block: bytes) -> int:
    """Store a header block (once) and return its id."""
    key = blobs.sha256_of(block)
    row = db.execute("SELECT id FROM header_blocks WHERE sha256 = ?", [key]).fetchone()
    if row:
        return row[0]
    return db.execute(
        "INSERT INTO header_blocks (sha256, block) VALUES (?, ?)", [key, block]
    ).lastrowid


def get(db: Database, block_id: int | None) -> bytes | None:
    if block_id is None:
        return None
    row = db.execute("SELECT block FROM header_blocks WHERE id = ?", [block_id]).fetchone()
    if row is None:
        return None
    return row[0].encode("latin-1") if isinstance(row[0], str) else row[0]
