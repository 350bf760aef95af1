"""One cycle at a time per archive: an exclusive lock on a file beside the database.

An OS file lock (flock) is released by the kernel when its process dies, so a crashed or
killed cycle never leaves a stale lock behind, unlike a "running" row in a table.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive import preflight
from archive.clock import now_iso


class Busy(RuntimeError):
    """Another process holds the archive's lock; the message says who and since when."""


@contextmanager
def hold(database: Path, wait: float = 0.0, stop: threading.Event | None = None) -> Iterator[None]:
    """Hold the archive's cycle lock; wait up to `wait` seconds for it (less if `stop` is set
    meanwhile), then raise Busy.

    Raises preflight.ArchiveError first, creating no lock file, if `database` is unusable."""
    preflight.check(database)
    path = Path(f"{database}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait
        while not _try_lock(handle):
            if time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise Busy(f"{database}: a cycle is already running ({holder})")
            time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {now_iso()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle: object) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[arg-type]
        return True
    except BlockingIOError:
        return False
