"""Quiet nights on disk (issue 15, item 4): a first cycle, then unchanged cycles over the same
synthetic web, and what each night adds to the database.

    python -m bench.quiet_nights --sources 20 --nights 3

The cycles run on one day, so every unchanged night re-verifies the same reports (the rotation
is by date): the first unchanged night pays each URL's first in-place record once, the later
ones show a steady quiet night. Growth is of the database's used pages after a WAL checkpoint,
per request answered, with the tables and indexes that grew (dbstat), as `make bench` reports.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from bench.run import ROOT, Server, night_growth, run_cycle, write_config
from bench.synth import Spec, Web


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quiet_nights", description=__doc__)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--nights", type=int, default=3, help="unchanged nights after the first")
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "bench-quiet")
    args = parser.parse_args(argv)
    spec = Spec(args.sources, 5, 20, 30)
    work = args.workdir.resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "logs").mkdir(parents=True)
    web = Web.build(spec)
    server = Server(spec)
    try:
        config = write_config(work, web, server.port, 32, 2)
        before = run_cycle("first", config, work, server)
        print(f"1st cycle: {before.pages:,} requests, database {before.db_used:,} bytes used")
        figures = []
        for night in range(2, args.nights + 2):
            run = run_cycle(f"night{night}", config, work, server)
            per = (run.db_used - before.db_used) / max(run.pages, 1)
            grew = ", ".join(f"{n} {size / max(run.pages, 1):,.0f}" for n, size in
                             night_growth(before, run))  # fmt: skip
            answered_304 = run.count("list.304") + run.count("report.304")
            print(f"unchanged night {night}: {run.pages:,} requests ({answered_304:,} answered "
                  f"304), {per:,.0f} bytes per request; grew: {grew or 'nothing'}")  # fmt: skip
            figures.append(f"night{night}={per:.0f}")
            before = run
    finally:
        server.stop()
    print("QUIET bytes_per_request " + " ".join(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
