"""CPU a new report page costs the describing worker: `describe_and_read`, as the spider calls
it for a body the archive does not hold yet, timed with process CPU time (no profiler:
cProfile inflates the Python-heavy parts ~2.5×), after one warm-up pass, as a long-running
worker is warm. Two sets: the bench's synthetic report pages (40 from each of 10 sources, the
"trs" family their lists give) and the repository's HTML fixtures (family detected).

    python -m bench.describe_cpu [--runs 5]

Prints the median and the minimum of the runs, in CPU ms a page (docs/benchmarks.md, "One
parse per page").
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import time
from pathlib import Path

from bench.synth import Spec, Web
from crawler.describer import describe_and_read

ROOT = Path(__file__).resolve().parent.parent
Page = tuple[str, bytes, str, str | None]


def synthetic(sources: int = 10, per_source: int = 40) -> list[Page]:
    pages: list[Page] = []
    taken: dict[str, int] = {}
    for (host, path), resource in Web.build(Spec(sources=sources)).render().items():
        if resource.kind == "report" and taken.get(host, 0) < per_source:
            taken[host] = taken.get(host, 0) + 1
            pages.append((f"http://{host}{path}", resource.body, resource.content_type, "trs"))
    return pages


def fixtures() -> list[Page]:
    found = [
        path
        for folder in (ROOT / "tests", ROOT / "sitefixtures")
        for path in sorted(folder.rglob("*"))
        if path.suffix in (".html", ".htm", ".shtml") and path.is_file()
    ]
    return [(f"http://fixture.example/{p.name}", p.read_bytes(), "text/html", None) for p in found]


def cpu_ms(pages: list[Page], runs: int) -> list[float]:
    shas = [hashlib.sha256(body).hexdigest() for _, body, _, _ in pages]

    def once() -> None:
        for (url, body, ctype, family), sha256 in zip(pages, shas, strict=True):
            describe_and_read(url, body, ctype, None, family, (url, sha256))

    once()
    times = []
    for _ in range(runs):
        start = time.process_time()
        once()
        times.append((time.process_time() - start) / len(pages) * 1000)
    return sorted(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the fixtures include pages a family cannot describe
    for name, pages in (("synthetic", synthetic()), ("fixtures", fixtures())):
        times = cpu_ms(pages, args.runs)
        median = times[len(times) // 2]
        print(f"{name}: {len(pages)} pages, CPU ms a page: median {median:.2f}, min {times[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
