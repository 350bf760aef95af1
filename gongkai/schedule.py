"""`start`: cycles on the `[schedule]` cron, one at a time, with a catch-up for missed runs.

The decisions are plain functions of an explicit `now` (`previous_fire_time`, `catch_up_reason`)
so they are tested with fixed datetimes; `run` is the loop around them: an APScheduler 3
BackgroundScheduler runs the cycles while the calling thread only watches the `stop` Event,
which the CLI sets from SIGINT/SIGTERM. A cycle cut short by `stop` is recorded as interrupted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from archive import cycles, lock
from archive.config import Config, ScheduleConfig
from archive.db import open_db
from gongkai import cycle as cycle_module

JOB_ID = "cycle"
# The scheduler sleeps on the monotonic clock, which stands still while the machine is suspended;
# waking it this often makes it notice a fire time that passed during a suspend.
WAKEUP_SECONDS = 60.0
# A cron that fires less often than this (e.g. 29 February under `0 0 29 2 *`) has no "last run".
LOOKBACK = timedelta(days=366 * 9)
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def trigger(schedule: ScheduleConfig) -> BaseTrigger:
    """The trigger of `[schedule]`'s crontab line, read as crontab reads it.

    Two differences from APScheduler 3's CronTrigger are bridged. It counts weekdays from
    Monday = 0, crontab from Sunday = 0 (and 7): numbers are turned into day names, so that
    `30 2 * * 0` means Sunday. And when both day of month and day of week are restricted (neither
    starts with `*`), crontab fires when EITHER matches, CronTrigger only when both do: such a
    line becomes an OrTrigger of two CronTriggers, one per day field, so `30 2 1 * 1` fires
    every Monday and every 1st.
    """
    minute, hour, day, month, day_of_week = schedule.cron.split()
    fields = {"minute": minute, "hour": hour, "month": month, "timezone": schedule.timezone}
    if day.startswith("*") or day_of_week.startswith("*"):
        return CronTrigger(day=day, day_of_week=crontab_days(day_of_week), **fields)
    return OrTrigger(
        [
            CronTrigger(day=day, **fields),
            CronTrigger(day_of_week=crontab_days(day_of_week), **fields),
        ]
    )


def _zone(schedule: ScheduleConfig) -> ZoneInfo:
    """The time zone `[schedule] cron` is read in."""
    return ZoneInfo(schedule.timezone)


def crontab_days(field: str) -> str:
    """A crontab day-of-week field (0-7, sun-sat, ranges, lists, steps) as APScheduler day names.

    Anything not understood is returned unchanged for APScheduler to judge.
    """
    if field == "*":
        return field
    try:
        days: set[int] = set()
        for item in field.lower().split(","):
            span, slash, step = item.partition("/")
            if span == "*":
                first, last = 0, 7
            else:
                start, dash, end = span.partition("-")
                first = _day(start)
                last = _day(end) if dash else 7 if slash else first
            every = int(step) if slash else 1
            if first > last or every < 1:
                return field
            days.update(n % 7 for n in range(first, last + 1, every))
    except ValueError:
        return field
    return ",".join(_DAYS[n] for n in sorted(days))


def _day(text: str) -> int:
    if text in _DAYS:
        return _DAYS.index(text)
    if text.isdigit() and int(text) <= 7:
        return int(text)
    raise ValueError(text)


def previous_fire_time(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The trigger's most recent fire time at or before `now` (aware), or None within LOOKBACK.

    APScheduler 3 only looks forward, so look back in doubling windows until one holds a fire
    time, then walk forward through that window to the last one not after `now`.
    """
    now = now.astimezone(UTC)
    window = timedelta(minutes=1)
    while window <= 2 * LOOKBACK:
        fire = trigger.get_next_fire_time(None, now - window)
        if fire is not None and fire <= now:
            while True:
                after = fire.astimezone(UTC) + timedelta(seconds=1)
                following = trigger.get_next_fire_time(None, after)
                if following is None or following > now:
                    return fire
                fire = following
        window *= 2
    return None


def catch_up_reason(
    trigger: BaseTrigger, last_completed: datetime | None, now: datetime
) -> str | None:
    """Why a cycle is due at once (None if not): no completed cycle yet, or none since the
    most recent scheduled run at or before `now` (the machine was off or asleep over it)."""
    if last_completed is None:
        return "no completed cycle in the archive yet"
    due = previous_fire_time(trigger, now)
    if due is not None and last_completed < due:
        return (
            f"the run scheduled for {_when(due)} was missed (the last completed cycle started "
            f"{_when(last_completed.astimezone(due.tzinfo))})"
        )
    return None


def last_completed(config: Config) -> datetime | None:
    """When the archive's most recent completed cycle started, if it has one."""
    if not config.database.exists():
        return None
    db = open_db(config.database)
    try:
        return cycles.last_started(db, cycles.COMPLETED)
    finally:
        db.close()


def run(
    config: Config,
    stop: threading.Event,
    on_result: Callable[[cycle_module.CycleResult], None],
    say: Callable[[str], None],
) -> None:
    """Run cycles on the schedule until `stop` is set; return once the running cycle ended.

    Must be called from a thread that can afford to block; `stop` is polled, never waited on,
    so it may safely be set from a signal handler.
    """
    cron = trigger(config.schedule)
    scheduler = BackgroundScheduler(timezone=_zone(config.schedule))
    running = threading.Event()
    job = _cycle_job(config, stop, running, on_result, say, scheduler)
    reason = catch_up_reason(cron, last_completed(config), datetime.now(UTC))
    _add_job(scheduler, job, cron, config.schedule, catch_up=bool(reason))
    _start(scheduler, config.schedule, reason, say)
    try:
        _watch(scheduler, stop)
        if running.is_set():
            say("stopping: the running crawl is being cut short; what it fetched stays archived")
    finally:
        scheduler.shutdown(wait=True)


def _cycle_job(
    config: Config,
    stop: threading.Event,
    running: threading.Event,
    on_result: Callable[[cycle_module.CycleResult], None],
    say: Callable[[str], None],
    scheduler: BackgroundScheduler,
) -> Callable[[], None]:
    """The scheduled job: one cycle unless stopping, with `running` set while it runs (so `run`
    can say a crawl is being cut short), then the next fire time."""

    def job() -> None:
        if stop.is_set():
            return
        running.set()
        try:
            _one_cycle(config, stop, on_result, say)
        finally:
            running.clear()
        if not stop.is_set():
            _say_next(scheduler, say)

    return job


def _one_cycle(
    config: Config,
    stop: threading.Event,
    on_result: Callable[[cycle_module.CycleResult], None],
    say: Callable[[str], None],
) -> None:
    """Run one cycle and hand on its result; a busy archive or a failure is said, not raised."""
    try:
        result = cycle_module.run(config, progress=say, stop=stop)
    except lock.Busy as error:
        say(f"cycle skipped: {error}")
    except Exception as error:  # a cycle that cannot run must not end the schedule
        say(f"cycle could not run: {type(error).__name__}: {error}")
    else:
        on_result(result)


def _add_job(
    scheduler: BackgroundScheduler,
    job: Callable[[], None],
    cron: BaseTrigger,
    schedule: ScheduleConfig,
    catch_up: bool,
) -> None:
    """Schedule `job` on `cron`, one at a time, missed runs coalesced; a catch-up runs it now."""
    first_run = {"next_run_time": datetime.now(_zone(schedule))} if catch_up else {}
    scheduler.add_job(
        job,
        cron,
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(1, round(schedule.misfire_grace_hours * 3600)),
        **first_run,
    )


def _start(
    scheduler: BackgroundScheduler,
    schedule: ScheduleConfig,
    reason: str | None,
    say: Callable[[str], None],
) -> None:
    """Start the scheduler, saying the schedule, then why a cycle runs now or when the next one
    will; skipped runs are said as they happen."""
    scheduler.add_listener(_skipped(schedule, say), EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    say(f"schedule: {schedule.cron!r} in {schedule.timezone}")
    if reason:
        say(f"catch-up cycle now: {reason}")
    scheduler.start()
    if not reason:
        _say_next(scheduler, say)


def _skipped(schedule: ScheduleConfig, say: Callable[[str], None]) -> Callable[[JobEvent], None]:
    """A listener saying why a scheduled cycle did not run: one still running, or missed."""

    def skipped(event: JobEvent) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            say("scheduled cycle skipped: the previous one is still running")
        else:
            grace = schedule.misfire_grace_hours
            say(f"scheduled cycle skipped: missed by more than misfire_grace_hours = {grace}")

    return skipped


def _watch(scheduler: BackgroundScheduler, stop: threading.Event) -> None:
    """Poll `stop` (never wait on it: a signal handler's set() needs the lock a waiter holds)."""
    last_wakeup = time.monotonic()
    while not stop.is_set():
        time.sleep(0.5)
        if time.monotonic() - last_wakeup >= WAKEUP_SECONDS:
            last_wakeup = time.monotonic()
            scheduler.wakeup()


def _say_next(scheduler: BackgroundScheduler, say: Callable[[str], None]) -> None:
    job = scheduler.get_job(JOB_ID)
    if job is not None and job.next_run_time is not None:
        say(f"next cycle: {_when(job.next_run_time)}")


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M %z}"
