"""One cycle, end to end: crawl in a child process, then detect, alert and record outcomes.

The crawl runs as `scrapy crawl disclosure` (crawler/run.py) in a child process because
Twisted's reactor cannot be restarted inside one process, and so that a crash in the crawl
cannot take the scheduler down. The child writes only the fetch log, blobs and sightings;
everything that needs the whole cycle's view (new / changed / moved / removed, source health,
the register of who owes which report, alerts) runs here afterwards, over what was committed,
so it also runs when the crawl died or was stopped halfway.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from archive import (
    alerts,
    attachments,
    completeness,
    crashpoint,
    crawl_failure,
    cycles,
    events,
    extraction,
    feed,
    health,
    lifeline,
    lock,
    register,
    reports,
)
from archive.clock import now_iso
from archive.config import Config, Source
from archive.db import open_db

PROGRESS_SECONDS = 30.0
STOP_GRACE_SECONDS = 60.0
# Where the crawl child runs: the folder holding `crawler/` and scrapy.cfg (the checkout, or
# site-packages once installed, where SCRAPY_SETTINGS_MODULE alone finds the settings).
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CycleResult:
    id: int
    status: str
    outcomes: list[cycles.SourceOutcome]
    log_path: Path
    events: dict[str, int]
    error: str = ""
    delivery: alerts.Delivery | None = None


def run(
    config: Config,
    progress: Callable[[str], None] = lambda line: None,
    stop: threading.Event | None = None,
    wait: float = 0.0,
) -> CycleResult:
    """Run one cycle over the config's enabled sources; `stop` cuts the crawl short cleanly.

    Raises lock.Busy if another cycle holds the archive for longer than `wait` seconds, or
    still holds it when `stop` is set.
    """
    stop = stop or threading.Event()
    with lock.hold(config.database, wait=wait, stop=stop):
        db = open_db(config.database)
        try:
            return _run(db, config, progress, stop)
        finally:
            db.close()


def _run(
    db: Database, config: Config, progress: Callable[[str], None], stop: threading.Event
) -> CycleResult:
    sources = [s for s in config.sources if s.enabled]
    cycle_id = cycles.start(db, str(config.path), len(sources))
    log_path = config.database.parent / "logs" / f"cycle-{cycle_id}.log"
    tick = lambda: _progress(db, cycle_id, progress)  # noqa: E731
    returncode = crawl_batches(config, sources, cycle_id, log_path, stop, tick, progress)
    return after_crawl(db, config, cycle_id, returncode, stop, log_path)


def after_crawl(
    db: Database,
    config: Config,
    cycle_id: int,
    returncode: int,
    stop: threading.Event,
    log_path: Path,
) -> CycleResult:
    """Everything after the crawl child returned: detection, extraction, the register, alerts.

    Reads only what the crawl committed, so it runs the same after a crawl that died (and
    bench/after_crawl.py runs it alone, over a copy of an archive taken right after a crawl).
    """
    sources = [s for s in config.sources if s.enabled]
    status, error = _status(returncode, stop, log_path)
    complete = {
        s.id
        for s in sources
        if status == cycles.COMPLETED and cycles.lists_complete(db, cycle_id, s.id)
    }
    counts = events.detect(db, cycle_id, {s.id: s.agency for s in sources}, complete)
    crashpoint.reached("detected")  # tests only: a kill between detection and alerts
    for source in sources:
        if source.id in complete:
            reports.touch_reached(db, source.id, cycle_id, now_iso())
    attachments.attach(db, cycle_id)
    extraction.extract_cycle(db, cycle_id)
    outcomes = [cycles.summarize(db, cycle_id, s.id, s.agency) for s in sources]
    if status != cycles.COMPLETED:  # our failure, not the agencies'
        outcomes = cycles.not_checked(outcomes, error)
    cycles.record_outcomes(db, outcomes)
    ours = crawl_failure.record_event(db, cycle_id, status, error, len(sources))
    for event_id in [*ours, *health.update(db, cycle_id, outcomes)]:
        kind = db["events"].get(event_id)["kind"]
        counts[kind] = counts.get(kind, 0) + 1
    if short := completeness.update(db, cycle_id, outcomes):
        counts[completeness.SOURCE_INCOMPLETE] = len(short)
    for kind, count in register.update(db, config, cycle_id, register.today(config)).items():
        counts[kind] = counts.get(kind, 0) + count
    cycles.finish(db, cycle_id, status, outcomes, error)
    delivery = publish(db, config, cycle_id)
    return CycleResult(cycle_id, status, outcomes, log_path, counts, error, delivery)


def publish(db: Database, config: Config, cycle_id: int) -> alerts.Delivery:
    """Queue every event still owed (this cycle's, and those of an earlier cycle that died
    before publishing), deliver everything unsent (earlier failures too), and rewrite the
    Atom feed. Runs after the cycle row is closed: a crash here loses nothing, the next run
    queues and delivers what is left."""
    alerts.enqueue(db, config.alerts, cycle_id)
    delivery = alerts.deliver(db, config.alerts)
    if config.alerts.feed:
        feed.write(db, config.path.parent / config.alerts.feed, config.alerts.feed_entries)
    return delivery


def _status(returncode: int, stop: threading.Event, log_path: Path) -> tuple[str, str]:
    if stop.is_set():
        return cycles.INTERRUPTED, "stopped by a signal before the crawl finished"
    if returncode != 0:
        return cycles.FAILED, crawl_failure.describe(returncode, log_path)
    return cycles.COMPLETED, ""


def batches(sources: list[Source], size: int) -> list[list[Source]]:
    """The sources in crawl batches of about `size`, sources sharing a host always together.

    A crawl process keeps state per source and per host (lists walked, known reports,
    robots.txt, connections: ~25 KB a source, measured); batches bound its memory whatever the
    number of sources. Sources that share a host (directly or through another source's second
    start URL: connected components) are one group and never split, so a shared portal's
    robots.txt is fetched once and its per-host limit covers all its columns at once; a group
    larger than `size` is a batch of its own, and smaller groups fill batches up to `size`.
    """
    parent: dict[str, str] = {}

    def root(host: str) -> str:
        while parent.setdefault(host, host) != host:
            parent[host] = parent[parent[host]]  # path halving keeps the chains short
            host = parent[host]
        return host

    for source in sources:
        first, *others = sorted(source.hosts) or [""]
        for host in others:
            parent[root(host)] = root(first)
    groups: dict[str, list[Source]] = {}
    for source in sorted(sources, key=lambda s: (min(s.hosts, default=""), s.id)):
        groups.setdefault(root(min(source.hosts, default="")), []).append(source)
    filled: list[list[Source]] = []
    for group in groups.values():
        if filled and len(filled[-1]) + len(group) <= size:
            filled[-1].extend(group)
        else:
            filled.append(group)
    return filled


def crawl_batches(
    config: Config,
    sources: list[Source],
    cycle_id: int,
    log_path: Path,
    stop: threading.Event,
    tick: Callable[[], None],
    progress: Callable[[str], None] = lambda line: None,
) -> int:
    """Crawl `sources` in batches of `[crawl] batch_sources`, one child process after another,
    into the same cycle and log; return the first failing exit code (0 if none failed)."""
    groups = batches(sources, config.crawl.batch_sources)
    if len(groups) <= 1:
        return crawl(config, cycle_id, log_path, stop, tick)
    failed = 0
    for number, group in enumerate(groups, 1):
        if stop.is_set():
            break
        progress(f"… cycle {cycle_id}: crawl batch {number}/{len(groups)}, {len(group)} sources")
        only = {"GONGKAI_SOURCES": ",".join(s.id for s in group)}
        returncode = crawl(config, cycle_id, log_path, stop, tick, settings=only)
        failed = failed or returncode
    return failed


def crawl(
    config: Config,
    cycle_id: int | None,
    log_path: Path,
    stop: threading.Event | None = None,
    tick: Callable[[], None] = lambda: None,
    settings: dict[str, str] | None = None,
) -> int:
    """Run the spider in a child process; return its exit code.

    When `stop` is set the child gets SIGTERM, which Scrapy handles as a graceful shutdown:
    in-flight responses are archived and the pipeline's last batch is committed.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "crawler.run", "disclosure",
        "-s", f"GONGKAI_CONFIG={config.path.resolve()}",
        "-s", f"GONGKAI_CYCLE_ID={cycle_id or ''}",
        "-s", f"LOG_FILE={log_path}",
    ]  # fmt: skip
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    env = lifeline.child_env({**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"})
    # Its own process group: a terminal's Ctrl-C reaches only us, so the child gets exactly one
    # SIGTERM from _supervise (a second signal makes Scrapy abandon its last batch).
    child = subprocess.Popen(command, env=env, cwd=ROOT, process_group=0)
    return _supervise(child, stop or threading.Event(), tick)


def _supervise(child: subprocess.Popen, stop: threading.Event, tick: Callable[[], None]) -> int:
    last_tick = time.monotonic()
    while True:
        try:
            return child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        if stop.is_set():
            child.terminate()
            try:
                return child.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                return child.wait()
        if time.monotonic() - last_tick >= PROGRESS_SECONDS:
            last_tick = time.monotonic()
            tick()


def _progress(db: Database, cycle_id: int, progress: Callable[[str], None]) -> None:
    fetched = db.execute(
        "SELECT (SELECT count(*) FROM fetches WHERE cycle_id = ?)"
        " + (SELECT count(*) FROM last_verified WHERE cycle_id = ?)",
        [cycle_id, cycle_id],
    ).fetchone()
    clock = time.strftime("%H:%M:%S")
    progress(f"… {clock} cycle {cycle_id}: {fetched[0]} responses archived so far")
