"""When a night goes wrong on our side: a failed write, a dead crawler, a killed parent.

Each failure must be reported as ours (the cycle `failed`, one `cycle_failed` event), never
blamed on the agencies, and must lose nothing committed before it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from scheduler import cli
from tests.helpers import SITES, expected, write_config

DISK_FULL = """CREATE TRIGGER disk_full BEFORE INSERT ON sightings
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"""


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
        conn.execute(DISK_FULL)

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
        conn.execute(DISK_FULL)

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
