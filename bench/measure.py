"""Measuring a crawling process from outside: its RSS over time, read from /proc (Linux).

CPU time and peak RSS come exactly from the kernel's rusage of the reaped child (os.wait4, or
RUSAGE_CHILDREN in the process that reaped it); the sampler adds the shape over time, which is
what tells a steady footprint from one that grows with every page.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def rss_kb(pid: int) -> int | None:
    """Resident set size of `pid` in KiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def child_pids(parent: int) -> list[int]:
    """Processes whose parent is `parent`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            pids.append(int(entry))
    return pids


class RssSampler:
    """Sample the RSS of one process (or of the newest child of `parent`) every `interval`."""

    def __init__(
        self, pid: int | None = None, parent: int | None = None, interval: float = 0.5
    ) -> None:
        self.find: Callable[[], int | None] = (
            (lambda: pid) if pid else (lambda: max(child_pids(parent or os.getpid()), default=None))
        )
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> RssSampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> list[tuple[float, int]]:
        self._stop.set()
        self._thread.join()
        return self.samples

    def _run(self) -> None:
        pid = None
        while not self._stop.wait(self.interval):
            pid = pid or self.find()
            value = rss_kb(pid) if pid else None
            if value:
                self.samples.append((round(time.monotonic() - self._started, 2), value))


def growth(samples: list[tuple[float, int]]) -> dict[str, float]:
    """RSS (MiB) at a quarter, half, three quarters of the run and at its end (last sample)."""
    if not samples:
        return {}
    n = len(samples)
    return {
        name: round(samples[min(n - 1, int(n * share))][1] / 1024, 1)
        for name, share in (("q1", 0.25), ("q2", 0.5), ("q3", 0.75), ("end", 1.0))
    }
