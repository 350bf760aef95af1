"""Reading many versions at once on every core: `extraction.compute` in worker processes.

Each worker opens the archive itself, read-only in effect (`compute` writes nothing), and
answers a batch of versions; the parent stores the answers in order. Small runs stay in the
calling process: starting a worker costs about a second of imports.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path

from sqlite_utils import Database

from archive import lifeline
from archive.extract.checks import Check
from archive.extract.model import Stats

log = logging.getLogger(__name__)
MIN_VERSIONS = 200  # fewer are read in the calling process
BATCH = 50  # versions per task: large enough to amortise the pickling, small to balance
WORKERS_ENV = "GONGKAI_EXTRACT_WORKERS"

# extraction.Computed (that module imports this): text, statistics, checks, failure or None
Computed = tuple[str | None, Stats, list[Check], str | None]

_db: Database | None = None


def workers() -> int:
    """How many processes read versions: one per core, at most four (or the environment's)."""
    return int(os.environ.get(WORKERS_ENV) or min(4, os.cpu_count() or 1))


def map_batches(db: Database, versions: list[dict], with_text: bool) -> Iterator[Computed | None]:
    """For each version in order, its computed text and statistics, or None for "compute it
    yourself" (small runs, one core, or an in-memory database)."""
    path = _path(db)
    count = workers()
    if path is None or count < 2 or len(versions) < MIN_VERSIONS:
        yield from (None for _ in versions)
        return
    batches = iter([versions[i : i + BATCH] for i in range(0, len(versions), BATCH)])
    # spawn, not fork (the parent may be the scheduler, with APScheduler's threads running),
    # and workers that die with the cycle, should it be killed (archive/lifeline.py).
    given = 0
    try:
        with lifeline.worker_pool(count, initializer=_open, initargs=(path,)) as pool:
            # A few batches ahead, no more: answers (texts included) wait in memory until stored.
            pending = deque(pool.submit(_compute, b, with_text) for b in islice(batches, 2 * count))
            while pending:
                answers = pending.popleft().result()
                for batch in islice(batches, 1):
                    pending.append(pool.submit(_compute, batch, with_text))
                given += len(answers)
                yield from answers
    except BrokenProcessPool:
        # A worker died (a page that crashes a C library, the OOM killer): the rest are read in
        # the calling process, each contained by `compute`, instead of failing the cycle.
        log.warning("extraction: a worker process died; reading the remaining versions here")
        yield from (None for _ in versions[given:])


def _path(db: Database) -> str | None:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] and Path(row[2]).exists() else None


def _open(path: str) -> None:
    global _db
    _db = Database(path)
    _db.execute("PRAGMA busy_timeout = 30000")


def _compute(batch: list[dict], with_text: bool) -> list[Computed]:
    from archive.extraction import compute  # here: extraction imports this module

    assert _db is not None
    return [compute(_db, report, report["version"], with_text) for report in batch]
