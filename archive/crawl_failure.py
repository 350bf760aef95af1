"""Why a crawl process failed, in words the cycle row can carry.

The crawl runs in a child process; what it knows about its own failure reaches the parent as
an exit status and a line in the crawl log. A crawl that could not write the archive (a full
disk, a database error) exits with WRITE_FAILED and logs MARKER followed by SQLite's message.
"""

from __future__ import annotations

from pathlib import Path

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
