"""The cycle's work after the crawl, alone and repeatable: `python -m bench.after_crawl`.

    python -m bench.after_crawl snapshot --sources 100 --workdir /tmp/x   # serve, crawl, keep
    python -m bench.after_crawl measure --workdir /tmp/x [--profile P] [--keep K.db]

`snapshot` serves the synthetic web (bench/server.py), crawls it as a cycle's first crawl does
(`cycle.crawl_batches`) and keeps a copy of the archive exactly as the crawl left it
(`after-crawl.db`); with `--nights 2` it also runs that cycle's work after the crawl and a
second crawl (nothing changed), kept as `after-crawl-2.db`. `measure` runs `cycle.after_crawl`
(detection, attachments, extraction, the register, alerts) over a fresh copy of a snapshot and
prints its CPU — this process's and its extraction workers' — per new report, with the CPU of
each step: the number issue 15's second pass asks to halve, without a crawl each time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from archive import attachments, crawl_extraction, cycles, events, extraction, register, search
from archive.config import load
from archive.db import open_db
from bench.run import Server, write_config
from bench.synth import Spec, Web
from gongkai import cycle

SNAPSHOT = "after-crawl{night}.db"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _copy(source: Path, target: Path) -> None:
    """A consistent single-file copy (the WAL folded in), through SQLite's backup API."""
    target.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _crawl(config_path: Path, work: Path, night: str) -> dict:
    config = load(config_path)
    sources = [s for s in config.sources if s.enabled]
    db = open_db(config.database)
    try:
        cycle_id = cycles.start(db, str(config.path), len(sources))
    finally:
        db.close()
    log_path = work / "logs" / f"cycle-{cycle_id}.log"
    stop = threading.Event()
    returncode = cycle.crawl_batches(config, sources, cycle_id, log_path, stop, lambda: None)
    _copy(config.database, work / SNAPSHOT.format(night=night))
    return {"cycle_id": cycle_id, "returncode": returncode, "log": str(log_path)}


def snapshot(args: argparse.Namespace) -> int:
    work = args.workdir.resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "logs").mkdir(parents=True)
    spec = Spec(args.sources, args.pages, args.entries, args.report_kb)
    web = Web.build(spec)
    server = Server(spec)
    try:
        config_path = write_config(work, web, server.port, 32, 2)
        nights = {"": _crawl(config_path, work, "")}
        if args.nights > 1:
            _after(config_path, work, nights[""], work / "archive.db")
            nights["-2"] = _crawl(config_path, work, "-2")
    finally:
        server.stop()
    (work / "snapshot.json").write_text(json.dumps(nights))
    print(json.dumps(nights))
    return 0


def _after(config_path: Path, work: Path, night: dict, database: Path) -> cycle.CycleResult:
    text = config_path.read_text("utf-8").replace(
        'database = "archive.db"', f'database = "{database}"'
    )
    run_config = work / "after-crawl.toml"
    run_config.write_text(text, "utf-8")
    config = load(run_config)
    db = open_db(config.database)
    try:
        return cycle.after_crawl(
            db, config, night["cycle_id"], night["returncode"], threading.Event(),
            Path(night["log"]),
        )  # fmt: skip
    finally:
        db.close()


# The steps timed on their own (nested ones are counted in their callers too).
_STEPS: dict[str, tuple[object, str]] = {
    "detect": (events, "detect"),
    "  search.sync (all calls)": (search, "sync"),
    "attach": (attachments, "attach"),
    "extract_cycle": (extraction, "extract_cycle"),
    "  crawl_extraction.apply": (crawl_extraction, "apply"),
    "  crawl_extraction.discard": (crawl_extraction, "discard"),
    "summarize": (cycles, "summarize"),
    "register.update": (register, "update"),
    "publish": (cycle, "publish"),
}


def _timed(spent: dict[str, float], name: str, fn: Callable) -> Callable:
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = _cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + _cpu() - started

    return wrapper


def measure(args: argparse.Namespace) -> int:
    work = args.workdir.resolve()
    nights = json.loads((work / "snapshot.json").read_text())
    night = nights[args.night]
    database = (args.keep or work / "run.db").resolve()
    _copy(work / SNAPSHOT.format(night=args.night), database)
    spent: dict[str, float] = {}
    if args.per_sighting:  # detection without its set-based path for new reports
        detect = events.detect
        events.detect = lambda *a, **k: detect(*a, **k, set_based=False)
    for name, (module, attr) in _STEPS.items():
        setattr(module, attr, _timed(spent, name, getattr(module, attr)))
    profiler = cProfile.Profile() if args.profile else None
    started = _cpu()
    if profiler:
        profiler.enable()
    result = _after(work / "archive.toml", work, night, database)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    total = _cpu() - started
    new = sum(o.new_reports for o in result.outcomes)
    print(
        json.dumps(
            {
                "night": args.night or "1",
                "status": result.status,
                "new_reports": new,
                "events": result.events,
                "cpu_s": round(total, 2),
                "ms_per_new_report": round(1000 * total / max(new, 1), 3),
                "steps_s": {k: round(v, 2) for k, v in spent.items()},
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.after_crawl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot")
    snap.add_argument("--sources", type=int, default=20)
    snap.add_argument("--pages", type=int, default=Spec.pages)
    snap.add_argument("--entries", type=int, default=Spec.entries)
    snap.add_argument("--report-kb", type=float, default=Spec.report_kb)
    snap.add_argument("--nights", type=int, default=1, choices=(1, 2))
    snap.add_argument("--workdir", type=Path, required=True)
    meas = commands.add_parser("measure")
    meas.add_argument("--workdir", type=Path, required=True)
    meas.add_argument("--night", default="", choices=("", "-2"))
    meas.add_argument("--profile", type=Path, default=None)
    meas.add_argument("--per-sighting", action="store_true")
    meas.add_argument("--keep", type=Path, default=None, help="the archive after the run")
    args = parser.parse_args(argv)
    started = time.monotonic()
    code = snapshot(args) if args.command == "snapshot" else measure(args)
    print(f"took {time.monotonic() - started:.0f} s wall", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
