"""Content-addressed raw bodies: the bytes exactly as received, keyed by their SHA-256.

A blob is written once and never updated or deleted, however often the same bytes are fetched:
the key is the proof users cite, and `verify` recomputes it from the stored bytes. Bodies are
stored zstd-compressed when that saves space; `encoding` says how, and `get` returns the
original bytes bit for bit.

Government pages repeat their site's template — head, inline CSS, navigation, footer, scripts —
and their genre's phrasing, so every page compressed on its own spends its first kilobytes
relearning what the last one said. Once the archive holds enough pages, a zstd dictionary is
trained on a sample of them and stored in `blob_dictionaries`; new blobs are compressed with the
newest dictionary (`encoding = 'zstd-dict'`, `dictionary_id` naming it). Dictionaries, like
blobs, are never changed or deleted: a blob stays decodable with the dictionary it was written
with, and an archive written before dictionaries existed is read as it always was.
"""

from __future__ import annotations

import hashlib
import logging
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import zstandard
from sqlite_utils import Database

from archive.clock import now_iso

log = logging.getLogger(__name__)

RAW = "raw"
ZSTD = "zstd"
ZSTD_DICT = "zstd-dict"
LEVEL = 3

# When to train, and on what (measured in docs/benchmarks.md, "Blob compression").
MIN_SAMPLES = 200  # text blobs the archive must hold before its first dictionary
RETRAIN_GROWTH = 10  # train again once the archive holds this many times the blobs it held then
CHECK_EVERY = 100  # puts between two looks at the dictionary table (~20 µs), per open database
DICTIONARY_SIZE = 112 * 1024  # zstd's default; 256 KB: 2–13 % fewer bytes, 35 % slower
MAX_SAMPLES = 2_000
MAX_SAMPLE_BYTES = 16 * 1024 * 1024  # ~150× the dictionary: more only slows training
SAMPLE_SIZES = (64, 1024 * 1024)  # smaller says nothing; larger is an attachment, not a page
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"GIF8", b"\xff\xd8\xff")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- codecs


_Pair = tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]


class _Codecs(threading.local):
    """zstd (de)compressors hold a context that two threads must not use at once: one set per
    thread (the crawl writes on a thread of its own)."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()
        self.with_dictionary: dict[str, _Pair] = {}

    def of(self, dictionary: Dictionary) -> _Pair:
        codecs = self.with_dictionary.get(dictionary.sha256)
        if codecs is None:
            codecs = (
                zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary.data),
                zstandard.ZstdDecompressor(dict_data=dictionary.data),
            )
            self.with_dictionary[dictionary.sha256] = codecs
        return codecs


_codecs = _Codecs()
# Loaded dictionaries by the SHA-256 of their bytes, for the whole process: digesting one for
# level 3 costs milliseconds, and content addressing cannot serve a stale one whichever archive
# (or re-created file at the same path) asks.
_loaded: dict[str, zstandard.ZstdCompressionDict] = {}
_loaded_lock = threading.Lock()


@dataclass(frozen=True)
class Dictionary:
    """A `blob_dictionaries` row, ready to compress and decompress with."""

    id: int
    sha256: str  # of the dictionary's bytes as stored
    data: zstandard.ZstdCompressionDict

    @classmethod
    def load(cls, id: int, content: bytes) -> Dictionary:
        key = sha256_of(content)
        with _loaded_lock:
            data = _loaded.get(key)
            if data is None:
                data = zstandard.ZstdCompressionDict(content)
                data.precompute_compress(level=LEVEL)
                _loaded[key] = data
        return cls(id, key, data)

    def compress(self, data: bytes) -> bytes:
        return _codecs.of(self)[0].compress(data)

    def decompress(self, content: bytes) -> bytes:
        return _codecs.of(self)[1].decompress(content)


def encode(data: bytes, dictionary: Dictionary | None = None) -> tuple[str, bytes]:
    """Choose how to store `data`: the smallest of the dictionary, plain zstd, or raw.

    The dictionary is tried on text only: it was trained on text, and on PDFs and Office files
    plain zstd came out 0.2–4 % smaller. Plain zstd is tried on text only when the dictionary
    saved less than half: on the saved report pages it won then by 4 bytes in 1 of 168, and a
    second compression of every page would cost more than that.
    """
    best = (RAW, data)
    if dictionary is not None and _is_text(data):
        packed = dictionary.compress(data)
        if len(packed) < len(data):
            best = (ZSTD_DICT, packed)
        if 2 * len(packed) <= len(data):
            return best
    packed = _codecs.compressor.compress(data)
    return (ZSTD, packed) if len(packed) < len(best[1]) else best


def decode(encoding: str, content: bytes, dictionary: Dictionary | None = None) -> bytes:
    if encoding == RAW:
        return content
    if encoding == ZSTD:
        return _codecs.decompressor.decompress(content)
    if encoding == ZSTD_DICT:
        if dictionary is None:
            raise ValueError("a zstd-dict blob needs its dictionary")
        return dictionary.decompress(content)
    raise ValueError(f"unknown blob encoding {encoding!r}")


# ------------------------------------------------------------------ what a process knows


@dataclass
class _State:
    """What one open archive's writer knows of its dictionaries, so that a put costs no query:
    the table is looked at every CHECK_EVERY puts, and a dictionary is read once per id."""

    dictionaries: dict[int, Dictionary]
    newest: Dictionary | None = None
    puts: int = CHECK_EVERY  # puts since the last look; the first put looks
    due: bool = False  # the last look found training due
    retry_at: int = 0  # blob count before which a failed training is not tried again


_states: weakref.WeakKeyDictionary[Database, _State] = weakref.WeakKeyDictionary()


def _state(db: Database) -> _State:
    state = _states.get(db)
    if state is None:
        state = _states[db] = _State(dictionaries={})
    return state


def _dictionary(db: Database, state: _State, dictionary_id: int) -> Dictionary:
    found = state.dictionaries.get(dictionary_id)
    if found is None:
        row = db.execute(
            "SELECT content FROM blob_dictionaries WHERE id = ?", [dictionary_id]
        ).fetchone()
        if row is None:
            raise LookupError(f"dictionary {dictionary_id} is missing")
        found = state.dictionaries[dictionary_id] = Dictionary.load(dictionary_id, row[0])
    return found


def _look(db: Database, state: _State) -> None:
    """Adopt the newest dictionary (another process may have trained it) and note whether
    training is due; two O(log n) lookups."""
    newest_id, archive_blobs, blobs_now = _counts(db)
    if newest_id is not None:
        state.newest = _dictionary(db, state, newest_id)
    state.due = _training_due(archive_blobs, blobs_now) and blobs_now >= state.retry_at
    state.puts = 0


def _counts(db: Database) -> tuple[int | None, int | None, int]:
    """The newest dictionary's id, the blob count when it was trained, and the blob count now
    (blobs are never deleted, so the largest rowid is their count)."""
    return db.execute(
        "SELECT (SELECT max(id) FROM blob_dictionaries), "
        "(SELECT archive_blobs FROM blob_dictionaries ORDER BY id DESC LIMIT 1), "
        "(SELECT coalesce(max(rowid), 0) FROM blobs)"
    ).fetchone()


def _training_due(trained_at_blobs: int | None, blobs_now: int) -> bool:
    if trained_at_blobs is None:
        return blobs_now >= MIN_SAMPLES
    return blobs_now >= RETRAIN_GROWTH * max(trained_at_blobs, 1)


# ------------------------------------------------------------------------- the blobs


def put(db: Database, data: bytes, now: datetime | None = None, digest: str | None = None) -> str:
    """Store `data` unless already stored; return its SHA-256 (hex).

    Outside a transaction this also trains a dictionary when one is due; inside one, call
    `train_if_due` after the commit (a dictionary must be committed before a blob uses it).

    `digest` is `data`'s SHA-256 when the caller computed it from these very bytes: the crawl
    hashes each body once, on its event loop, for the sighting and the fetch log alike (its
    writer thread would otherwise hash it again). It is trusted, not checked; `verify`
    recomputes every stored key from the stored bytes.
    """
    key = digest or sha256_of(data)
    if db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", [key]).fetchone():
        return key  # stored already (robots.txt, an unchanged page): no second compression
    state = _state(db)
    if state.puts >= CHECK_EVERY:
        _look(db, state)
    state.puts += 1
    encoding, content = encode(data, state.newest)
    db.execute(
        "INSERT OR IGNORE INTO blobs (sha256, size, encoding, dictionary_id, content, stored_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [key, len(data), encoding, state.newest.id if encoding == ZSTD_DICT else None,
         content, now_iso(now)],
    )  # fmt: skip
    if not db.conn.in_transaction:
        train_if_due(db)
    return key


def get(db: Database, sha256: str) -> bytes:
    """The original bytes stored under `sha256`; KeyError if there are none."""
    row = db.execute(
        "SELECT encoding, dictionary_id, content FROM blobs WHERE sha256 = ?", [sha256]
    ).fetchone()
    if row is None:
        raise KeyError(sha256)
    encoding, dictionary_id, content = row
    if encoding != ZSTD_DICT:
        return decode(encoding, content)
    if dictionary_id is None:
        raise ValueError(f"blob {sha256} is zstd-dict but names no dictionary")
    return decode(encoding, content, _dictionary(db, _state(db), dictionary_id))


# ---------------------------------------------------------------------------- training


@dataclass(frozen=True)
class Trained:
    """What one training did, for logs and the benchmark."""

    dictionary: Dictionary
    samples: int
    sample_bytes: int
    seconds: float


def train_if_due(db: Database) -> Trained | None:
    """Train and store a dictionary if the last look found one due; else do nothing, cheaply.

    Call it outside a transaction (it does nothing inside one): the dictionary is committed
    before any blob refers to it, so no rollback can leave a blob naming a missing dictionary.
    """
    state = _state(db)
    if db.conn.in_transaction:
        return None
    if state.puts >= CHECK_EVERY:  # a batch just filled the archive up: do not wait a batch more
        _look(db, state)
    if not state.due:
        return None
    state.due = False
    try:
        return train(db)
    except Exception:  # a dictionary only saves space: archiving must go on without one
        log.exception("blob dictionary: training failed")
        return None


def train(db: Database) -> Trained | None:
    """Train a dictionary on a sample of the archive's own text blobs and store it as the
    newest; None when none was due or too few samples were found.

    It runs in one IMMEDIATE transaction that re-checks whether training is still due: two
    processes that both decided to train are serialised by SQLite's write lock, and the second
    finds the first one's dictionary and adopts it. Never raises for a busy archive or a
    failed training: blobs are then stored as before, and training is tried again later.
    """
    state = _state(db)
    if db.conn.in_transaction:
        raise RuntimeError("train() must run outside a transaction")
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:  # another writer held the archive too long
        log.warning("blob dictionary: not trained now (%s)", error)
        state.puts = 0
        return None
    try:
        trained = _train_locked(db, state)
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    _look(db, state)  # adopt what is newest now: ours, or the one another process trained
    if trained is not None:
        log.info(
            "blob dictionary %d trained on %d blobs (%d bytes) in %.2f s",
            trained.dictionary.id, trained.samples, trained.sample_bytes, trained.seconds,
        )  # fmt: skip
    return trained


def _train_locked(db: Database, state: _State) -> Trained | None:
    newest_id, archive_blobs, blobs_now = _counts(db)  # again, now that we hold the lock
    if not _training_due(archive_blobs, blobs_now):
        return None
    started = time.perf_counter()
    samples = _samples(db, state, blobs_now)
    if len(samples) < MIN_SAMPLES:
        state.retry_at = 2 * blobs_now  # mostly binaries so far: wait for more pages
        return None
    sample_bytes = sum(map(len, samples))
    try:
        # Fixed COVER parameters: zstd's parameter search takes 4–40× longer and, on a few
        # hundred small pages, settled on 4–6 KB dictionaries that saved a fifth as much.
        data = zstandard.train_dictionary(DICTIONARY_SIZE, samples, k=1024, d=8, level=LEVEL)
    except zstandard.ZstdError as error:
        log.warning("blob dictionary: training failed (%s)", error)
        state.retry_at = 2 * blobs_now
        return None
    seconds = time.perf_counter() - started
    content = data.as_bytes()
    dictionary_id = (newest_id or 0) + 1
    db.execute(
        "INSERT INTO blob_dictionaries (id, trained_at, size, samples, sample_bytes, "
        "archive_blobs, sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [dictionary_id, now_iso(), len(content), len(samples), sample_bytes, blobs_now,
         sha256_of(content), content],
    )  # fmt: skip
    dictionary = Dictionary.load(dictionary_id, content)
    return Trained(dictionary, len(samples), sample_bytes, seconds)


def _samples(db: Database, state: _State, blobs_now: int) -> list[bytes]:
    """Up to MAX_SAMPLES text bodies drawn at random from the whole archive, decoded.

    Blobs are never deleted, so their rowids are 1…count: drawing rowids costs one indexed
    read per sample, not a scan of a table that may hold gigabytes.
    """
    drawn = random.sample(range(1, blobs_now + 1), min(blobs_now, 2 * MAX_SAMPLES))
    samples: list[bytes] = []
    total = 0
    for start in range(0, len(drawn), 500):
        chunk = drawn[start : start + 500]
        rows = db.execute(
            "SELECT encoding, dictionary_id, content FROM blobs WHERE encoding != 'raw' "
            f"AND size BETWEEN ? AND ? AND rowid IN ({', '.join('?' * len(chunk))})",
            [*SAMPLE_SIZES, *chunk],
        ).fetchall()
        for encoding, dictionary_id, content in rows:
            try:
                dictionary = _dictionary(db, state, dictionary_id) if dictionary_id else None
                data = decode(encoding, content, dictionary)
            except (LookupError, ValueError, zstandard.ZstdError):
                continue  # damaged: `verify` reports it; a sample can do without it
            if _is_text(data):
                samples.append(data)
                total += len(data)
            if len(samples) >= MAX_SAMPLES or total >= MAX_SAMPLE_BYTES:
                return samples
    return samples


def _is_text(data: bytes) -> bool:
    """Pages, JSON, robots.txt: what a dictionary learns from. PDFs, Office files, archives
    and images are compressed streams or binary structures it would only dilute."""
    return not data.startswith(_BINARY_MAGIC) and b"\x00" not in data[:4096]


# ----------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Problem:
    """One thing `verify` found wrong; `where` names the row, `what` says what is wrong."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def verify(db: Database) -> Iterator[Problem]:
    """Re-hash every dictionary, blob and text and check every reference to a blob; yield
    what does not match."""
    dictionaries: dict[int, Dictionary | None] = {}
    for dictionary_id, size, key, content in db.execute(
        "SELECT id, size, sha256, content FROM blob_dictionaries"
    ):
        problems = list(_check_dictionary(dictionary_id, size, key, content))
        try:
            dictionaries[dictionary_id] = Dictionary.load(dictionary_id, content)
        except zstandard.ZstdError as error:
            dictionaries[dictionary_id] = None
            problems.append(Problem(f"blob_dictionaries id={dictionary_id}", f"unusable ({error})"))
        yield from problems
    for key, size, encoding, dictionary_id, content in db.execute(
        "SELECT sha256, size, encoding, dictionary_id, content FROM blobs"
    ):
        yield from _check_blob(key, size, encoding, content, dictionary_id, dictionaries)
    for table, column in (("fetches", "id"), ("reports", "id"), ("report_versions", "report_id")):
        for row_id, key in db.execute(
            f"SELECT t.{column}, t.sha256 FROM {table} t LEFT JOIN blobs b ON b.sha256 = t.sha256 "
            "WHERE t.sha256 IS NOT NULL AND b.sha256 IS NULL"
        ):
            yield Problem(f"{table} {column}={row_id}", f"refers to missing blob {key}")
    # Each text is stored once under its digest (0019_smaller), which the writer gave.
    for text_id, key, text in db.execute("SELECT id, sha256, text FROM texts"):
        if sha256_of(text.encode()) != key:
            yield Problem(f"texts id={text_id}", "text does not hash to its sha256")


def _check_dictionary(dictionary_id: int, size: int, key: str, content: bytes) -> Iterator[Problem]:
    where = f"blob_dictionaries id={dictionary_id}"
    actual = sha256_of(content)
    if actual != key:
        yield Problem(where, f"bytes hash to {actual}, recorded {key}")
    if len(content) != size:
        yield Problem(where, f"holds {len(content)} bytes, recorded size {size}")


def _check_blob(
    key: str,
    size: int,
    encoding: str,
    content: bytes,
    dictionary_id: int | None,
    dictionaries: dict[int, Dictionary | None],
) -> Iterator[Problem]:
    dictionary = None
    if encoding == ZSTD_DICT:
        if dictionary_id not in dictionaries:
            yield Problem(f"blob {key}", f"refers to missing dictionary {dictionary_id}")
            return
        dictionary = dictionaries[dictionary_id]
        if dictionary is None:
            yield Problem(f"blob {key}", f"cannot be decoded (dictionary {dictionary_id} unusable)")
            return
    try:
        data = decode(encoding, content, dictionary)
    except (ValueError, zstandard.ZstdError) as error:
        yield Problem(f"blob {key}", f"cannot be decoded ({error})")
        return
    actual = sha256_of(data)
    if actual != key:
        yield Problem(f"blob {key}", f"bytes hash to {actual}")
    if len(data) != size:
        yield Problem(f"blob {key}", f"holds {len(data)} bytes, recorded size {size}")
