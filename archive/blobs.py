"""Content-addressed raw bodies: the bytes exactly as received, keyed by their SHA-256.

A blob is written once and never updated or deleted, however often the same bytes are fetched:
the key is the proof users cite, and `verify` recomputes it from the stored bytes. Bodies are
stored zstd-compressed when that saves space; `encoding` says how, and `get` returns the
original bytes bit for bit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import zstandard
from sqlite_utils import Database

from archive.clock import now_iso

RAW = "raw"
ZSTD = "zstd"
_compressor = zstandard.ZstdCompressor(level=3)
_decompressor = zstandard.ZstdDecompressor()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(data: bytes) -> tuple[str, bytes]:
    """Choose how to store `data`: compressed only when it is smaller."""
    packed = _compressor.compress(data)
    return (ZSTD, packed) if len(packed) < len(data) else (RAW, data)


def decode(encoding: str, content: bytes) -> bytes:
    if encoding == RAW:
        return content
    if encoding == ZSTD:
        return _decompressor.decompress(content)
    raise ValueError(f"unknown blob encoding {encoding!r}")


def put(db: Database, data: bytes, now: datetime | None = None) -> str:
    """Store `data` unless already stored; return its SHA-256 (hex)."""
    key = sha256_of(data)
    encoding, content = encode(data)
    stored_at = now_iso(now)
    db.execute(
        "INSERT OR IGNORE INTO blobs (sha256, size, encoding, content, stored_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [key, len(data), encoding, content, stored_at],
    )
    return key


def get(db: Database, sha256: str) -> bytes:
    """The original bytes stored under `sha256`; KeyError if there are none."""
    row = db.execute("SELECT encoding, content FROM blobs WHERE sha256 = ?", [sha256]).fetchone()
    if row is None:
        raise KeyError(sha256)
    return decode(row[0], row[1])


@dataclass(frozen=True)
class Problem:
    """One thing `verify` found wrong; `where` names the row, `what` says what is wrong."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def verify(db: Database) -> Iterator[Problem]:
    """Re-hash every blob and check every fetch's reference; yield what does not match."""
    for key, size, encoding, content in db.execute(
        "SELECT sha256, size, encoding, content FROM blobs"
    ):
        yield from _check_blob(key, size, encoding, content)
    for table, column in (("fetches", "id"), ("reports", "id"), ("report_versions", "report_id")):
        for row_id, key in db.execute(
            f"SELECT t.{column}, t.sha256 FROM {table} t LEFT JOIN blobs b ON b.sha256 = t.sha256 "
            "WHERE t.sha256 IS NOT NULL AND b.sha256 IS NULL"
        ):
            yield Problem(f"{table} {column}={row_id}", f"refers to missing blob {key}")


def _check_blob(key: str, size: int, encoding: str, content: bytes) -> Iterator[Problem]:
    try:
        data = decode(encoding, content)
    except (ValueError, zstandard.ZstdError) as error:
        yield Problem(f"blob {key}", f"cannot be decoded ({error})")
        return
    actual = sha256_of(data)
    if actual != key:
        yield Problem(f"blob {key}", f"bytes hash to {actual}")
    if len(data) != size:
        yield Problem(f"blob {key}", f"holds {len(data)} bytes, recorded size {size}")
