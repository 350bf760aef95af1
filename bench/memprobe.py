"""What a crawl keeps in Python memory, by tracemalloc: `python -m bench.memprobe [--sources N …]`.

RSS says how much a crawl process holds, not what. This serves the synthetic web, runs the
disclosure spider in this process (report pages described in place, no worker) into a
throwaway archive, snapshots the Python heap when the spider opens and when it closes, and
prints what grew, by file and by allocating call chain. Slow: tracemalloc with deep
tracebacks costs ~10× (the many-small-columns web takes ~15 minutes).

    python -m bench.memprobe --sources 2000 --pages 1 --entries 2 --report-kb 8
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import tracemalloc
from pathlib import Path

from bench.run import Server, write_config
from bench.synth import Spec, Web


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--pages", type=int, default=1)
    parser.add_argument("--entries", type=int, default=2)
    parser.add_argument("--report-kb", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    spec = Spec(sources=args.sources, pages=args.pages, entries=args.entries,
                report_kb=args.report_kb)  # fmt: skip
    os.environ["GONGKAI_DESCRIBE_WORKERS"] = "0"  # the whole crawl in this process
    os.environ["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    server = Server(spec)
    try:
        with tempfile.TemporaryDirectory() as work:
            config = write_config(Path(work), Web.build(spec), server.port, 32, 2)
            start, end = _crawl(config)
    finally:
        server.stop()
    _report(start, end, args.top)


def _crawl(config: Path) -> tuple[tracemalloc.Snapshot, tracemalloc.Snapshot]:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("GONGKAI_CONFIG", str(config))
    settings.set("LOG_LEVEL", "WARNING")
    snapshots: list[tracemalloc.Snapshot] = []

    def snapshot() -> None:
        gc.collect()
        snapshots.append(tracemalloc.take_snapshot())

    tracemalloc.start(12)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("disclosure")
    crawler.signals.connect(snapshot, signal=signals.spider_opened)
    crawler.signals.connect(snapshot, signal=signals.spider_closed)
    process.crawl(crawler)
    process.start()
    return snapshots[0], snapshots[-1]


def _report(start: tracemalloc.Snapshot, end: tracemalloc.Snapshot, top: int) -> None:
    by_file = end.compare_to(start, "filename")
    print(f"Python heap grown during the crawl: {sum(s.size_diff for s in by_file) / 1e6:.1f} MB")
    for stat in by_file[:top]:
        print(f"{stat.size_diff / 1e6:8.2f} MB {stat.count_diff:9,d}  {stat.traceback[0].filename}")
    for stat in end.compare_to(start, "traceback")[:5]:
        print(f"\n{stat.size_diff / 1e6:.2f} MB in {stat.count_diff:,d} blocks, allocated by:")
        print("\n".join(stat.traceback.format()[-8:]))


if __name__ == "__main__":
    main()
