"""Verify an export (`verify --export FILE`): every record's payload hashes to its
`WARC-Payload-Digest`, a WACZ's files to the hashes in its `datapackage.json`, and — when the
archive it came from is at hand — each exported exchange is in it unchanged: same URL, time,
body (re-hashed from `blobs`) and headers.

Read with warcio, whatever wrote the file: the check is the reader's, not the writer's.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive import blobs, evidence
from archive.export import NOT_MODIFIED, http_head, not_modified_fields, warc_date

# What warcio raises on a file that is not WARC; the command names the file.
Unreadable = ArchiveLoadFailed


@dataclass
class Checked:
    records: int = 0
    payloads: int = 0
    revisits: int = 0
    matched_archive: int = 0
    problems: list[str] = field(default_factory=list)


def digest_hex(value: str | None) -> tuple[str, str] | None:
    """(algorithm, hex) of a WARC digest in hex or base32, as tools write them."""
    if not value or ":" not in value:
        return None
    algorithm, _, text = value.partition(":")
    text = text.strip()
    try:
        if len(text) == hashlib.new(algorithm).digest_size * 2:
            raw = bytes.fromhex(text)
        else:
            raw = base64.b32decode(text.upper())
    except ValueError:
        return None
    return algorithm.lower(), raw.hex()


@contextmanager
def _warcs(path: Path, problems: list[str]) -> Iterator[list[tuple[str, BinaryIO]]]:
    if path.name.lower().endswith(".wacz"):
        with zipfile.ZipFile(path) as package:
            _check_datapackage(package, problems)
            names = [n for n in package.namelist() if n.startswith("archive/")]
            for name in names:
                with package.open(name) as stream:
                    _check_whole(name, stream, problems)
            streams = [(n, package.open(n)) for n in names]
            try:
                yield streams
            finally:
                for _, stream in streams:
                    stream.close()
    else:
        with open(path, "rb") as stream:
            _check_whole(path.name, stream, problems)
        with open(path, "rb") as stream:
            yield [(path.name, stream)]


def _check_whole(name: str, stream: BinaryIO, problems: list[str]) -> None:
    """A .gz cut short: warcio stops at its last whole record without a word, gzip does not."""
    if not name.lower().endswith(".gz"):
        return
    try:
        with gzip.GzipFile(fileobj=stream) as unpacked:
            while unpacked.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as error:
        problems.append(f"{name}: cut short or damaged ({error})")


def _check_datapackage(package: zipfile.ZipFile, problems: list[str]) -> None:
    try:
        resources = json.loads(package.read("datapackage.json"))["resources"]
    except (KeyError, ValueError) as error:
        problems.append(f"datapackage.json: missing or unreadable ({error})")
        return
    for resource in resources:
        algorithm, _, expected = resource.get("hash", "").partition(":")
        try:
            actual = hashlib.new(algorithm, package.read(resource["path"])).hexdigest()
        except (KeyError, ValueError):
            problems.append(f"{resource.get('path')}: listed in datapackage.json, not readable")
            continue
        if actual != expected:
            problems.append(
                f"{resource['path']}: hashes to {actual}, datapackage.json says {expected}"
            )


def verify(
    path: Path, db: Database | None, progress: Callable[[str], None] = lambda line: None
) -> Checked:
    checked = Checked()
    seen: set[str] = set()
    with _warcs(Path(path), checked.problems) as warcs:
        for name, stream in warcs:
            for record in ArchiveIterator(stream, check_digests=True):
                checked.records += 1
                uri = record.rec_headers.get_header("WARC-Target-URI") or record.rec_type
                where = f"{name} record {checked.records} ({uri})"
                _check_record(record, where, seen, db, checked)
                record.raw_stream.read()  # the rest, so that warcio checks the block digest
                if record.digest_checker.passed is False:  # a cut or altered record
                    problems = "; ".join(str(p) for p in record.digest_checker.problems)
                    checked.problems.append(f"{where}: {problems or 'block digest mismatch'}")
                if checked.records % 1000 == 0:
                    progress(f"… {checked.records} records checked")
    return checked


def _check_record(
    record, where: str, seen: set[str], db: Database | None, checked: Checked
) -> None:
    declared = digest_hex(record.rec_headers.get_header("WARC-Payload-Digest"))
    if record.rec_type in ("response", "resource"):
        payload = record.raw_stream.read()
        if declared is None:
            checked.problems.append(f"{where}: no WARC-Payload-Digest")
            return
        algorithm, expected = declared
        actual = hashlib.new(algorithm, payload).hexdigest()
        if actual != expected:
            checked.problems.append(
                f"{where}: payload hashes to {actual}, the record says {expected}"
            )
            return
        checked.payloads += 1
        seen.add(expected)
        _against_archive(record, where, expected, len(payload), db, checked)
    elif record.rec_type == "revisit":
        checked.revisits += 1
        if declared is None:
            checked.problems.append(f"{where}: revisit without WARC-Payload-Digest")
            return
        if declared[1] not in seen:
            checked.problems.append(
                f"{where}: revisit of {declared[1]}, a body not earlier in the export"
            )
            return
        _against_archive(record, where, declared[1], None, db, checked)
    elif record.rec_type == "metadata" and record.rec_headers.get_header("Gongkai-Fetch-Id"):
        _against_archive(record, where, None, None, db, checked, record.raw_stream.read())
    else:
        record.raw_stream.read()


def _against_archive(
    record,
    where: str,
    digest: str | None,
    length: int | None,
    db: Database | None,
    checked: Checked,
    fields: bytes | None = None,
) -> None:
    fetch_id = record.rec_headers.get_header("Gongkai-Fetch-Id")
    if db is None or fetch_id is None:
        return
    ex = evidence.exchange_by_id(db, int(fetch_id))
    if ex is None:
        checked.problems.append(f"{where}: fetch {fetch_id} is not in the archive")
        return
    if ex.id < 0 and warc_date(ex.fetched_at) > record.rec_headers.get_header("WARC-Date"):
        checked.matched_archive += 1  # an in-place confirmation a later night has replaced
        return
    differences = []
    if record.rec_headers.get_header("WARC-Target-URI") != ex.target:
        differences.append(f"URL {ex.target}")
    if record.rec_headers.get_header("WARC-Date") != warc_date(ex.fetched_at):
        differences.append(f"fetched at {ex.fetched_at}")
    if fields is not None:  # a 304's head, beside its revisit
        if fields != not_modified_fields(ex):
            differences.append("the 304's headers")
    elif ex.sha256 != digest:
        differences.append(f"body {ex.sha256}")
    elif blobs.sha256_of(blobs.get(db, digest)) != digest:
        differences.append("its archived body no longer hashes to its key")
    if fields is None and record.rec_headers.get_header("WARC-Profile") != NOT_MODIFIED:
        head, _ = http_head(ex, length)
        exported = record.http_headers
        if exported is None or (exported.protocol, exported.statusline, exported.headers) != (
            head.protocol,
            head.statusline,
            head.headers,
        ):
            differences.append("headers")
    if differences:
        checked.problems.append(
            f"{where}: differs from fetch {fetch_id} in the archive: {', '.join(differences)}"
        )
    else:
        checked.matched_archive += 1
