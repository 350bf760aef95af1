"""Why a crawl process failed, in words the cycle row can carry; and what that means.

A failure on our side (the crawler crashed, could not write the archive, was killed) is not the
agencies': the cycle's sources are recorded `not_checked` (archive/cycles.py) and one
`cycle_failed` event says the cycle failed.

The crawl runs in a child process; what it knows about its own failure reaches the parent as
an exit status and a line in the crawl log. A crawl that could not write the archive (a full
disk, a database error) exits with WRITE_FAILED and logs MARKER followed by SQLite's message.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

ALL_SOURCES = "*"  # events.source_id of a cycle_failed event: it concerns every source
WRITE_FAILED = 3
MARKER = "archive write failed:"


def describe(returncode: int, log_path: Path) -> str:
    """One line for `cycles.error`: the exit status, the reason when the log names one."""
    where = f"see {log_path}"
    if returncode == WRITE_FAILED:
        return f"the archive could not be written ({_logged_reason(log_path)}); {where}"
    if returncode < 0:
        return f"crawler killed by signal {-returncode}; {where}"
    return f"crawler exited with code {returncode}; {where}"


def _logged_reason(log_path: Path) -> str:
    try:
        lines = log_path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return "reason not logged"
    reasons = [line.split(MARKER, 1)[1].strip() for line in lines if MARKER in line]
    return reasons[-1] if reasons else "reason not logged"


def record_event(db: Database, cycle_id: int, status: str, error: str, sources: int) -> list[int]:
    """A `cycle_failed` event for a cycle that failed on our side (none for a completed one, nor
    for one the operator stopped with a signal); return the ids of the events created."""
    # Here, not at the top: the crawl process imports this module for WRITE_FAILED and MARKER
    # only, and the events and cycles modules (with all they import) are the cycle's business.
    from archive import cycles, events

    if status != cycles.FAILED:
        return []
    summary = f"cycle {cycle_id} failed on our side; its {sources} sources were not checked"
    return [events.record(db, cycle_id, "cycle_failed", ALL_SOURCES, summary, error)]
