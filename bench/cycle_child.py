"""One Gongkai cycle, measured: `python -m bench.cycle_child CONFIG OUT.json [PROFILE.prof]`.

Runs `cycle.run(config)` exactly as `scheduler.py once` does; the crawl is its only child
process, so RUSAGE_CHILDREN taken when the crawl returns is the crawler's CPU time (with its
report-describing worker's) and peak RSS, and this process's own usage plus the children that
ended after the crawl (extraction's workers) is the cycle's work after the crawl (detection,
extraction, register). `cycle.crawl` is wrapped, not changed, to time the crawl; with a
PROFILE path the crawler runs under cProfile (timings are then inflated).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import types
from collections import Counter
from pathlib import Path

from archive.config import load
from bench.measure import RssSampler, growth
from gongkai import cycle


def main(argv: list[str]) -> int:
    config_path, out = argv[0], Path(argv[1])
    profile = argv[2] if len(argv) > 2 else None
    crawl_info: dict = {}
    real_crawl = cycle.crawl

    def timed_crawl(*args, **kwargs):  # type: ignore[no-untyped-def]
        sampler = RssSampler().start()
        started = time.monotonic()
        try:
            return real_crawl(*args, **kwargs)
        finally:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            crawl_info.update(  # cumulative: with [crawl] batch_sources a cycle crawls in batches
                wall=crawl_info.get("wall", 0.0) + time.monotonic() - started,
                user=usage.ru_utime,
                sys=usage.ru_stime,
                maxrss_kb=usage.ru_maxrss,
                rss=growth(sampler.stop()),
            )

    cycle.crawl = timed_crawl
    if profile:
        real_popen = subprocess.Popen

        def popen(command, *args, **kwargs):  # type: ignore[no-untyped-def]
            if list(command[1:3]) == ["-m", "crawler.run"]:
                command = [command[0], "-m", "cProfile", "-o", profile, *command[1:]]
            return real_popen(command, *args, **kwargs)

        cycle.subprocess = types.SimpleNamespace(  # type: ignore[attr-defined]
            Popen=popen, TimeoutExpired=subprocess.TimeoutExpired
        )
    started = time.monotonic()
    result = cycle.run(load(config_path))
    wall = time.monotonic() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    # Children after the crawl are extraction's worker processes: their CPU is the cycle's too.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = children.ru_utime + children.ru_stime - crawl_info["user"] - crawl_info["sys"]
    out.write_text(
        json.dumps(
            {
                "cycle_id": result.id,
                "status": result.status,
                "error": result.error,
                "wall": wall,
                "crawl": crawl_info,
                "post_cpu": own.ru_utime + own.ru_stime + workers,
                "post_workers_cpu": workers,
                "pages": sum(o.pages for o in result.outcomes),
                "reports": sum(o.reports for o in result.outcomes),
                "new_reports": sum(o.new_reports for o in result.outcomes),
                "errors": sum(o.errors for o in result.outcomes),
                "statuses": dict(Counter(o.status for o in result.outcomes)),
                "events": result.events,
                "log": str(result.log_path),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
