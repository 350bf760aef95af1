"""Child processes that die with their parent, so a cycle's crawler and workers never outlive it.

When the process running a cycle is killed outright (SIGKILL, an OOM kill, a container stop),
nothing of it can stop its children; they would go on crawling and holding the archive. So
each child arranges its own end when its parent goes:

- on Linux, `prctl(PR_SET_PDEATHSIG, SIGKILL)`: the kernel kills the child when the *thread*
  that started it exits. Gongkai starts children from a thread that waits for them (the
  cycle's, or a pool's caller), so that thread lives as long as the child;
- everywhere, a daemon thread that notices the parent pid change (the child was re-parented)
  and kills the process: the portable fallback, and a check for a parent that died before the
  child got to run this at all.

SIGKILL, not SIGTERM: a parent that is gone cannot record the cycle anyway, and a kill leaves
the archive as any kill does (SQLite's journal keeps every committed batch, none half-written).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

PARENT_ENV = "GONGKAI_PARENT_PID"  # set by the parent: the pid its child must not outlive
POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> None:
    """From now on, this process is killed when `parent_pid` (default: its parent) exits."""
    parent_pid = parent_pid or os.getppid()
    _pdeathsig()
    if os.getppid() != parent_pid:  # the parent is already gone
        _die()
    threading.Thread(target=_watch, args=(parent_pid,), name="lifeline", daemon=True).start()


def die_with_parent_from_env() -> None:
    """`die_with_parent` for a child whose parent named itself in the environment (PARENT_ENV);
    nothing if it did not (the command was started by hand)."""
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        die_with_parent(int(parent))


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child that must not outlive this process."""
    return {**(os.environ if env is None else env), PARENT_ENV: str(os.getpid())}


def worker_pool(
    workers: int, initializer: Callable[..., object] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A pool of `spawn` worker processes that die with this one.

    spawn, not fork: the callers have threads (the archive writer, APScheduler's) and an event
    loop, neither of which a forked child should inherit.
    """
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    )


def _start_worker(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    parent = multiprocessing.parent_process()
    die_with_parent(parent.pid if parent is not None else None)
    if initializer is not None:
        initializer(*initargs)


def _pdeathsig() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the watching thread still does the job
        pass


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_SECONDS)
    _die()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
