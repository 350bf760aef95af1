"""When a night goes wrong on our side: a failed write, a dead crawler, a killed parent.

Each failure must be reported as ours (the cycle `failed`, one `cycle_failed` event), never
blamed on the agencies, and must lose nothing committed before it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from gongkai.cli import cli
from tests.helpers import SITES, expected, write_config

ROOT = Path(__file__).parent.parent

# A quiet night writes no sighting rows (a report seen unchanged updates its `last_seen` row
# in place, and a 304 its fetch's `last_verified` record, archive/verified.py): the full disk
# is hit by any of those writes.
DISK_FULL = """CREATE TRIGGER disk_full BEFORE INSERT ON sightings
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
CREATE TRIGGER disk_full_in_place BEFORE INSERT ON last_seen
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
CREATE TRIGGER disk_full_confirmed BEFORE UPDATE ON last_verified
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"""


def slow_site(tmp_path: Path, delays: dict[str, float]) -> Path:
    """robots_disallowed whose report pages take seconds to answer (path pattern -> delay, the
    first matching pattern wins): a crawl that lasts."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "robots_disallowed", site)
    rules = "".join(f'["{path}"]\ndelay = {delay}\n' for path, delay in delays.items())
    (site / "_headers.toml").write_text(rules, "utf-8")
    return site


def site_config(tmp_path, url: str, crawl: dict | None = None, **sections: dict):
    spec = expected("robots_disallowed")
    source = {"id": "bagtj", "agency": spec["agency"], "start_urls": [url + spec["start_path"]]}
    return write_config(tmp_path, [source], crawl, **sections)


def once(config) -> object:
    return CliRunner().invoke(cli, ["--config", str(config.path), "once"])


def rows(database, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchall()


def test_a_write_that_fails_fails_the_cycle_and_keeps_what_was_archived(serve_site, tmp_path):
    # Report pages one after another, seconds apart: batches are written while it crawls.
    delays = {"/gknb/2019nb.html": 2.5, "/gknb/2021nb.html": 5.0, "/gknb/20*nb.html": 6.0}
    server = serve_site(slow_site(tmp_path, delays))
    config = site_config(tmp_path, server.url, crawl={"timeout": 10})
    assert once(config).exit_code == 0
    kept = rows(config.database, "SELECT id, url, sha256 FROM fetches ORDER BY id")
    reports = rows(config.database, "SELECT id, url, sha256 FROM reports ORDER BY id")
    with sqlite3.connect(config.database) as conn:
        conn.executescript(DISK_FULL)

    result = once(config)

    assert result.exit_code != 0
    assert "database or disk is full" in result.output
    (status, error), *_ = rows(config.database, "SELECT status, error FROM cycles WHERE id = 2")
    assert status == "failed"
    assert "the archive could not be written" in error and "database or disk is full" in error
    log = (config.database.parent / "logs" / "cycle-2.log").read_text("utf-8")
    assert "Closing spider (archive_write_failed)" in log
    assert rows(config.database, "SELECT id, url, sha256 FROM fetches WHERE cycle_id = 1") == kept
    assert rows(config.database, "SELECT id, url, sha256 FROM reports ORDER BY id") == reports


def test_three_failed_cycles_of_ours_blame_no_agency_and_say_the_cycle_failed(
    serve_site, webhook, tmp_path
):
    hook = webhook()
    server = serve_site("robots_disallowed")
    config = site_config(tmp_path, server.url, alerts={"urls": [hook.url]})
    assert once(config).exit_code == 0  # the baseline: the source works
    with sqlite3.connect(config.database) as conn:
        conn.executescript(DISK_FULL)

    results = [once(config) for _ in range(3)]

    assert [r.exit_code != 0 for r in results] == [True, True, True]
    statuses = rows(config.database, "SELECT cycle_id, status FROM cycle_sources ORDER BY 1")
    assert statuses == [(1, "ok"), (2, "not_checked"), (3, "not_checked"), (4, "not_checked")]
    assert rows(config.database, "SELECT failing_cycles FROM source_status") == [(0,)]
    kinds = rows(config.database, "SELECT cycle_id, kind FROM events WHERE baseline = 0")
    assert kinds == [(2, "cycle_failed"), (3, "cycle_failed"), (4, "cycle_failed")]
    titles = [post["title"] for post in hook.posts]
    assert len(titles) == 3 and all("Cycle failed on our side" in t for t in titles)
    assert "database or disk is full" in hook.posts[0]["message"]


HANG_GUARD = 30.0  # seconds; a guard against a hung test (the slow pages take 600), not a timing


def processes() -> dict[int, tuple[int, str]]:
    """Every live process: pid -> (parent pid, state), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            found[int(entry.name)] = (int(ppid), state)
    return found


def descendants(pid: int) -> set[int]:
    table = processes()
    family, grew = {pid}, True
    while grew:
        children = {p for p, (ppid, _state) in table.items() if ppid in family} - family
        family |= children
        grew = bool(children)
    return family - {pid}


def alive(pids: set[int]) -> set[int]:
    table = processes()
    return {p for p in pids if p in table and table[p][1] != "Z"}  # a zombie has ended


def wait_for(condition, what: str):
    deadline = time.monotonic() + HANG_GUARD
    while not (value := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)
    return value


def test_a_killed_cycle_leaves_no_crawler_or_worker_behind(serve_site, tmp_path):
    # One report page at once (described in a worker process), the others only after minutes:
    # a crawl that cannot end on its own while the test looks.
    slow = {"/gknb/2019nb.html": 0, "/gknb/20*nb.html": 600}
    server = serve_site(slow_site(tmp_path, slow))
    config = site_config(tmp_path, server.url, crawl={"timeout": 900, "per_host": 4})
    env = {**os.environ, "GONGKAI_DESCRIBE_INLINE": "0", "GONGKAI_DESCRIBE_WORKERS": "1"}
    argv = [sys.executable, "scheduler.py", "--config", str(config.path), "once"]
    with open(tmp_path / "once.log", "wb") as log:
        parent = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    family: set[int] = set()
    try:
        # the crawler, and a describer worker under it (with spawn's resource tracker)
        family |= wait_for(lambda: len(found := descendants(parent.pid)) >= 3 and found, "workers")
        os.kill(parent.pid, signal.SIGKILL)
        assert parent.wait(HANG_GUARD) == -signal.SIGKILL

        wait_for(lambda: not alive(family), "the cycle's processes to end")
    finally:
        parent.kill()
        for pid in alive(family):  # what the code under test left behind, if it did
            os.kill(pid, signal.SIGKILL)

    config = site_config(tmp_path, server.url, crawl={"timeout": 2, "retries": 0})
    again = once(config)  # the slow pages time out this time
    assert again.exit_code == 0, again.output
    assert rows(config.database, "SELECT id, status FROM cycles WHERE id = 2") == [(2, "completed")]


POOL_CHILD = """
import sys, time
from archive import lifeline
pool = lifeline.worker_pool(2)
futures = [pool.submit(time.sleep, 600) for _ in range(2)]
print("started", flush=True)
time.sleep(600)
"""


def test_worker_pools_die_with_the_process_that_started_them(tmp_path):
    """The pool behind the extraction workers (archive/extract_workers.py) and the describer
    (crawler/describer.py): its workers busy for minutes, its parent killed outright."""
    child = subprocess.Popen([sys.executable, "-c", POOL_CHILD], cwd=ROOT, stdout=subprocess.PIPE)
    family: set[int] = set()
    try:
        assert child.stdout is not None and child.stdout.readline() == b"started\n"
        # two workers and spawn's resource tracker
        family |= wait_for(lambda: len(found := descendants(child.pid)) >= 3 and found, "workers")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(HANG_GUARD) == -signal.SIGKILL

        wait_for(lambda: not alive(family), "the workers to end")
    finally:
        child.kill()
        for pid in alive(family):
            os.kill(pid, signal.SIGKILL)
