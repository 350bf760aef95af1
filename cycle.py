"""One cycle, end to end: open a cycle row, crawl in a child process, record the outcomes.

The crawl runs as `scrapy crawl disclosure` in a child process because Twisted's reactor cannot
be restarted inside one process, and so that a crash in the crawl cannot take the scheduler
down. The child writes only the fetch log, blobs and report sightings; the parent reads what was
committed and summarises it per source.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from archive import cycles
from archive.config import Config
from archive.db import open_db

PROGRESS_SECONDS = 30.0


@dataclass(frozen=True)
class CycleResult:
    id: int
    status: str
    outcomes: list[cycles.SourceOutcome]
    log_path: Path
    error: str = ""


def run(config: Config, progress: Callable[[str], None] = lambda line: None) -> CycleResult:
    """Run one cycle over the config's enabled sources and return what it found."""
    sources = [s for s in config.sources if s.enabled]
    db = open_db(config.database)
    cycle_id = cycles.start(db, str(config.path), len(sources))
    log_path = config.database.parent / "logs" / f"cycle-{cycle_id}.log"
    returncode = crawl(config, cycle_id, log_path, lambda: _progress(db, cycle_id, progress))
    error = "" if returncode == 0 else f"crawler exited with code {returncode}; see {log_path}"
    outcomes = [cycles.summarize(db, cycle_id, s.id, s.agency) for s in sources]
    status = cycles.COMPLETED if returncode == 0 else cycles.FAILED
    cycles.finish(db, cycle_id, status, outcomes, error)
    db.close()
    return CycleResult(cycle_id, status, outcomes, log_path, error)


def crawl(
    config: Config,
    cycle_id: int,
    log_path: Path,
    tick: Callable[[], None] = lambda: None,
    sources: list[str] | None = None,
) -> int:
    """Run the spider in a child process; return its exit code."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "scrapy", "crawl", "disclosure",
        "-s", f"GONGKAI_CONFIG={config.path.resolve()}",
        "-s", f"GONGKAI_CYCLE_ID={cycle_id}",
        "-s", f"LOG_FILE={log_path}",
    ]  # fmt: skip
    if sources:
        command += ["-s", f"GONGKAI_SOURCES={','.join(sources)}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    child = subprocess.Popen(command, env=env, cwd=Path(__file__).parent)
    while True:
        try:
            return child.wait(timeout=PROGRESS_SECONDS)
        except subprocess.TimeoutExpired:
            tick()


def _progress(db: Database, cycle_id: int, progress: Callable[[str], None]) -> None:
    fetched = db.execute("SELECT count(*) FROM fetches WHERE cycle_id = ?", [cycle_id]).fetchone()
    progress(
        f"… cycle {cycle_id}: {fetched[0]} responses archived so far ({time.strftime('%H:%M:%S')})"
    )
