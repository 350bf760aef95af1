"""`start` and the lock: catch-up decisions at explicit times, one cycle at a time, clean stops.

The end-to-end tests run `scheduler.py start` as a real process against a fixture site and stop
it with a real SIGTERM; the first cycle comes from the catch-up at start (cron has minute
resolution), so nothing waits for the clock.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from archive import lock, preflight
from archive.clock import now_iso
from archive.config import ScheduleConfig, load
from archive.db import open_db
from gongkai import schedule
from gongkai.cli import cli
from tests.helpers import SITES, expected, write_config

ROOT = Path(__file__).parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
HANG_GUARD = 45.0  # seconds; only ever reached when something hangs


def trigger(cron: str, timezone: str = "Asia/Shanghai"):
    return schedule.trigger(ScheduleConfig(cron=cron, timezone=timezone))


def at(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# --- when is a cycle due ------------------------------------------------------------------


def test_previous_fire_time_of_a_nightly_cron_is_yesterdays_before_tonights():
    nightly = trigger("30 2 * * *")
    assert schedule.previous_fire_time(nightly, at("2026-03-02 02:29")) == at("2026-03-01 02:30")
    assert schedule.previous_fire_time(nightly, at("2026-03-02 02:30")) == at("2026-03-02 02:30")
    assert schedule.previous_fire_time(nightly, at("2026-03-02 23:59")) == at("2026-03-02 02:30")


def test_previous_fire_time_across_midnight_and_a_month_end():
    late = trigger("45 23 * * *")
    assert schedule.previous_fire_time(late, at("2026-03-01 00:10")) == at("2026-02-28 23:45")
    every_other_hour = trigger("0 */2 * * *")
    assert schedule.previous_fire_time(every_other_hour, at("2027-01-01 01:59")) == at(
        "2027-01-01 00:00"
    )


def test_cron_is_read_in_its_own_time_zone_whatever_zone_now_is_in():
    nightly = trigger("30 2 * * *")  # 02:30 in Shanghai is 18:30 UTC the day before
    now = datetime(2026, 3, 1, 18, 45, tzinfo=UTC)
    assert schedule.previous_fire_time(nightly, now) == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    assert schedule.previous_fire_time(nightly, now - timedelta(minutes=30)) == datetime(
        2026, 2, 28, 18, 30, tzinfo=UTC
    )
    berlin = trigger("30 2 * * *", "Europe/Berlin")
    assert schedule.previous_fire_time(berlin, now) == at("2026-03-01 02:30", ZoneInfo("CET"))


def test_day_of_week_counts_from_sunday_as_in_crontab():
    assert schedule.crontab_days("0") == schedule.crontab_days("7") == "sun"
    assert schedule.crontab_days("1-5") == "mon,tue,wed,thu,fri"
    assert schedule.crontab_days("sat,0") == "sun,sat"
    assert schedule.crontab_days("*/3") == "sun,wed,sat"
    sundays = trigger("30 2 * * 0")
    wednesday = at("2026-03-04 12:00")
    assert schedule.previous_fire_time(sundays, wednesday) == at("2026-03-01 02:30")  # a Sunday


def fires(trigger, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time of `trigger` from `start` to `end`, as the scheduler would see them."""
    found, fire = [], trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end:
        found.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return found


def test_day_of_month_and_day_of_week_both_set_fire_on_either_as_in_crontab():
    """`30 2 1 * 1`: every Monday and every 1st, not only Mondays that are the 1st."""
    monday_or_first = trigger("30 2 1 * 1")
    march = fires(monday_or_first, at("2026-03-01 00:00"), at("2026-04-01 23:59"))
    assert [f"{fire:%m-%d %a %H:%M}" for fire in march] == [
        "03-01 Sun 02:30", "03-02 Mon 02:30", "03-09 Mon 02:30", "03-16 Mon 02:30",
        "03-23 Mon 02:30", "03-30 Mon 02:30", "04-01 Wed 02:30",
    ]  # fmt: skip
    assert schedule.previous_fire_time(monday_or_first, at("2026-03-04 12:00")) == at(
        "2026-03-02 02:30"
    )
    assert schedule.previous_fire_time(monday_or_first, at("2026-04-02 12:00")) == at(
        "2026-04-01 02:30"
    )
    # Only one of the two set: crontab and APScheduler agree that both must match.
    assert [
        f"{f:%m-%d}" for f in fires(trigger("0 3 1-7 * *"), at("2026-03-01"), at("2026-03-08"))
    ] == [f"03-0{day}" for day in range(1, 8)]
    mondays = fires(trigger("0 3 * * 1"), at("2026-03-01"), at("2026-03-15"))
    assert [f"{f:%m-%d}" for f in mondays] == ["03-02", "03-09"]


def test_catch_up_for_a_missed_monday_when_the_cron_also_names_the_first():
    monday_or_first = trigger("30 2 1 * 1")
    reason = schedule.catch_up_reason(
        monday_or_first, at("2026-03-01 02:30:05"), at("2026-03-03 09:00")
    )
    assert reason and "2026-03-02 02:30" in reason
    assert (
        schedule.catch_up_reason(monday_or_first, at("2026-03-02 02:30:05"), at("2026-03-08 09:00"))
        is None
    )


def test_a_rare_cron_looks_back_years():
    leap_day = trigger("0 0 29 2 *")
    assert schedule.previous_fire_time(leap_day, at("2027-06-01 00:00")) == at("2024-02-29 00:00")


def test_catch_up_when_the_archive_has_no_completed_cycle():
    reason = schedule.catch_up_reason(trigger("30 2 * * *"), None, at("2026-03-02 12:00"))
    assert reason and "no completed cycle" in reason


def test_catch_up_after_the_machine_was_off_for_three_days():
    last = at("2026-03-01 02:30:05")
    reason = schedule.catch_up_reason(trigger("30 2 * * *"), last, at("2026-03-04 09:00"))
    assert reason and "2026-03-04 02:30" in reason and "2026-03-01 02:30" in reason


def test_no_catch_up_when_a_cycle_completed_since_the_last_fire_time():
    nightly = trigger("30 2 * * *")
    now = at("2026-03-02 09:00")
    right_after = at("2026-03-02 02:30:01")
    assert schedule.catch_up_reason(nightly, right_after, now) is None
    assert schedule.catch_up_reason(nightly, at("2026-03-02 02:30"), now) is None
    # The stored UTC timestamp of that same start, as cycles.last_started returns it.
    stored = datetime.fromisoformat(now_iso(right_after))
    assert schedule.catch_up_reason(nightly, stored, now) is None
    assert schedule.catch_up_reason(nightly, at("2026-03-02 02:29"), now) is not None


# --- one cycle at a time -------------------------------------------------------------------


def site_config(tmp_path: Path, url: str, schedule_table: str = "", **crawl):
    spec = expected("robots_disallowed")
    config = write_config(
        tmp_path,
        [{"id": "bagtj", "agency": spec["agency"], "start_urls": [url + spec["start_path"]]}],
        crawl or None,
    )
    if schedule_table:
        with config.path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n[schedule]\n{schedule_table}\n")
        config = load(config.path)
    return config


def test_once_refuses_while_another_cycle_holds_the_archive(tmp_path):
    config = site_config(tmp_path, "http://127.0.0.1:9")

    with lock.hold(config.database):
        result = CliRunner().invoke(cli, ["--config", str(config.path), "once"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert f"a cycle is already running (pid {os.getpid()} since" in lines[0]


def test_once_wait_proceeds_when_the_other_cycle_ends(serve_site, tmp_path):
    config = site_config(tmp_path, serve_site("robots_disallowed").url)
    held, released = threading.Event(), []

    def other_cycle() -> None:
        with lock.hold(config.database):
            held.set()
            time.sleep(1.0)
            released.append(now_iso())

    holder = threading.Thread(target=other_cycle)
    holder.start()
    assert held.wait(HANG_GUARD)
    result = CliRunner().invoke(cli, ["--config", str(config.path), "once", "--wait", "5"])
    holder.join()

    assert result.exit_code == 0, result.output
    (status, started), *_ = query(config.database, "SELECT status, started_at FROM cycles")
    assert status == "completed" and started >= released[0]


def test_once_wait_reads_the_archive_once_and_a_stop_ends_the_waiting(tmp_path, monkeypatch):
    """`once --wait` waits inside one lock attempt: the archive's contents are checked (a
    child process) once, not once a second, and setting `stop` ends the wait at once."""
    config = site_config(tmp_path, "http://127.0.0.1:9")
    open_db(config.database).close()

    real, reads = preflight._check_contents, []
    monkeypatch.setattr(preflight, "_check_contents", lambda path: reads.append(real(path)))
    with lock.hold(config.database):
        reads.clear()
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["--config", str(config.path), "once", "--wait", "2.5"])
        assert time.monotonic() - started >= 2.5
        assert result.exit_code == 1 and "waited 2.5 s" in result.output, result.output
        assert len(reads) == 1

        stop = threading.Event()
        threading.Timer(0.5, stop.set).start()
        started = time.monotonic()
        with pytest.raises(lock.Busy), lock.hold(config.database, wait=HANG_GUARD, stop=stop):
            pass
        assert time.monotonic() - started < 5


# --- start, end to end ---------------------------------------------------------------------


def query(database: Path, sql: str) -> list[tuple]:
    if not database.exists():
        return []
    try:
        with sqlite3.connect(database, timeout=30) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []


def until(condition: Callable[[], object], process: subprocess.Popen) -> None:
    deadline = time.monotonic() + HANG_GUARD
    while not condition():
        assert process.poll() is None, f"start exited early with {process.returncode}"
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.2)


@pytest.fixture
def launch(tmp_path):
    """Start `scheduler.py --config FILE <command>` as a process, its output in tmp_path."""
    processes: list[subprocess.Popen] = []

    def run(config_path: Path, *command: str) -> subprocess.Popen:
        out = (tmp_path / "stdout").open("w")
        err = (tmp_path / "stderr").open("w")
        argv = [sys.executable, "scheduler.py", "--config", str(config_path), *command]
        # Its own process group, as a command started from a shell is: a group-wide signal
        # then reaches it and nothing else, like Ctrl-C in a terminal.
        process = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=err, process_group=0)
        processes.append(process)
        return process

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def slow_site(tmp_path: Path) -> Path:
    """robots_disallowed with report pages that take seconds to answer: a crawl to cut short."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "robots_disallowed", site)
    (site / "_headers.toml").write_text('["/gknb/20*nb.html"]\ndelay = 3.0\n', "utf-8")
    return site


def crawling_reports(server) -> Callable[[], bool]:
    return lambda: any(path.endswith("nb.html") for path in server.paths)


def assert_interrupted_and_kept(config, server) -> None:
    (status, finished, error), *_ = query(
        config.database, "SELECT status, finished_at, error FROM cycles"
    )
    assert (status, error) == ("interrupted", "stopped by a signal before the crawl finished")
    assert finished is not None
    archived = query(
        config.database,
        "SELECT f.url, f.status FROM fetches f JOIN blobs b ON b.sha256 = f.sha256",
    )
    assert (server.url + "/robots.txt", 200) in archived
    assert (server.url + "/gknb/index.html", 200) in archived


def stop_and_wait(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=HANG_GUARD)


def test_start_runs_a_catch_up_cycle_unattended_and_stops_on_sigterm(serve_site, launch, tmp_path):
    config = site_config(tmp_path, serve_site("robots_disallowed").url, 'cron = "* * * * *"')
    process = launch(config.path, "start")

    completed = "SELECT 1 FROM cycles WHERE status = 'completed'"
    until(lambda: query(config.database, completed), process)

    assert stop_and_wait(process) == 0
    statuses = [status for (status,) in query(config.database, "SELECT status FROM cycles")]
    assert "running" not in statuses
    output = (tmp_path / "stdout").read_text()
    assert "cycle 1: completed" in output and "bagtj" in output
    log = (tmp_path / "stderr").read_text()
    assert "catch-up cycle now: no completed cycle" in log and "stopped by SIGTERM" in log


def test_sigterm_during_a_crawl_records_it_interrupted_and_keeps_what_was_fetched(
    serve_site, launch, tmp_path
):
    server = serve_site(slow_site(tmp_path))
    config = site_config(tmp_path, server.url, 'cron = "30 2 * * *"', timeout=30)
    process = launch(config.path, "start")

    until(crawling_reports(server), process)
    assert stop_and_wait(process) == 0

    assert_interrupted_and_kept(config, server)


def test_ctrl_c_stops_once_cleanly_with_a_non_zero_exit(serve_site, launch, tmp_path):
    server = serve_site(slow_site(tmp_path))
    config = site_config(tmp_path, server.url, timeout=30)
    process = launch(config.path, "once")

    until(crawling_reports(server), process)
    os.killpg(process.pid, signal.SIGINT)  # the whole group, as a terminal sends it
    assert process.wait(timeout=HANG_GUARD) == 128 + signal.SIGINT

    assert_interrupted_and_kept(config, server)
    assert "cycle 1 interrupted by SIGINT" in (tmp_path / "stderr").read_text()


def test_start_help_has_an_example_and_names_the_alternatives():
    text = CliRunner().invoke(cli, ["start", "--help"]).output
    assert "Example:" in text and "scheduler.py --config archive.toml start" in text
    assert "systemd" in text and "cron" in text
