"""Report pages described off Scrapy's event loop, in a worker process.

Scrapy runs every callback on one thread, so the CPU a report page costs us (parse, family,
title, dates, attachment links: ~4 ms, profiled) adds straight to Scrapy's own ~4 ms per
response and halves the crawl's speed while the machine's other cores idle. Describing a page
is a pure function of its bytes (`report_page.describe_body`), so it can run in a worker
process while the event loop goes on downloading; the callback awaits the answer.

The worker also reads a new report page's text, statistics and checks (`read`, archive/
crawl_extraction.py) from the bytes it already holds, so that the cycle does not read the page
again from the archive after the crawl. Pages described in place are read in place too: the
cycle would spend as much reading them afterwards, plus each blob's round trip (and, past 200
of them, the start of its own worker processes).

Small crawls never start a worker: the first `inline` pages of a crawl are described in place
(a worker costs ~1 s of imports), and so is everything when the machine has one core or the
pool breaks.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from archive import extraction, lifeline
from archive.crawl_extraction import CrawlExtraction
from archive.crawl_extraction import read as read_page
from archive.encoding import decode_html
from archive.text import Parsed, parse_document
from crawler.families import Entry
from crawler.page import Page
from crawler.report_page import describe_body, is_attachment

log = logging.getLogger(__name__)

INLINE_PAGES = 200
INLINE_ENV = "GONGKAI_DESCRIBE_INLINE"
WORKERS_ENV = "GONGKAI_DESCRIBE_WORKERS"


def default_workers() -> int:
    """One worker per core beyond the event loop's, at most two (the archive writer thread and
    the loop need the rest)."""
    return max(0, min(2, (os.cpu_count() or 1) - 1))


class Describer:
    def __init__(self, workers: int | None = None, inline: int | None = None) -> None:
        if workers is None:
            workers = int(os.environ.get(WORKERS_ENV) or default_workers())
        self.workers = workers
        # The environment can lower the threshold: tests run small crawls through the worker.
        self.inline = (
            inline if inline is not None else int(os.environ.get(INLINE_ENV, INLINE_PAGES))
        )
        self.described = 0
        self.pool: ProcessPoolExecutor | None = None

    async def describe(
        self,
        url: str,
        body: bytes,
        ctype: str | None,
        entry: Entry | None,
        family: str | None,
        read_as: tuple[str, str] | None = None,
    ) -> tuple[dict[str, Any], tuple[Entry, ...], CrawlExtraction | None]:
        """The page's sighting fields and the files it links; with `read_as` (the report's URL
        and the body's SHA-256, for a body the archive does not hold yet), also its extraction
        (None when the cycle must read it after the crawl: `crawl_extraction.read`)."""
        self.described += 1
        if self.workers < 1 or self.described <= self.inline:
            return describe_and_read(url, body, ctype, entry, family, read_as)
        try:
            future = self._pool().submit(
                describe_and_read, url, body, ctype, entry, family, read_as
            )
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            log.warning("describer: the worker process died; describing pages in place")
            self.workers = 0
            return describe_and_read(url, body, ctype, entry, family, read_as)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # spawn workers that die with the crawl, should it be killed (archive/lifeline.py)
            self.pool = lifeline.worker_pool(self.workers)
            log.info("describer: report pages are now described in %d worker(s)", self.workers)
        return self.pool


def describe_and_read(
    url: str,
    body: bytes,
    ctype: str | None,
    entry: Entry | None,
    family: str | None,
    read_as: tuple[str, str] | None,
) -> tuple[dict[str, Any], tuple[Entry, ...], CrawlExtraction | None]:
    """In the worker: `describe_body`, then the page read for the year it states."""
    if read_as is None:
        found, files = describe_body(url, body, ctype, entry, family)
        return found, files, None
    report_url, sha256 = read_as
    parsed, page = parse_once(url, body, ctype, report_url)
    found, files = describe_body(url, body, ctype, entry, family, page)
    # Reading changes the tree (scripts and navigation dropped): it comes after describing.
    year = found.get("year")
    return found, files, read_page(report_url, body, ctype, year, sha256, parsed)


def parse_once(
    url: str, body: bytes, ctype: str | None, report_url: str
) -> tuple[Parsed | None, Page | None]:
    """A new report page decoded and parsed once for reading (`text.parse_document`) and, when
    parsel's tree would be the same (`Page.adopt`), for describing: two parses were a fifth
    of the page's CPU in the worker (docs/benchmarks.md, "One parse per page"). (None, None)
    when one side does not parse the page (an attachment, not HTML) or the parse fails: each
    then does as before, and fails as before."""
    if is_attachment(url, ctype) or extraction.kind(body, ctype, report_url) != "html":
        return None, None
    try:
        text, codec = decode_html(body, ctype)
        parsed = parse_document(text)
        return parsed, Page.adopt(url, text, codec, parsed)
    except Exception:  # any parser bug: each side parses the page itself, as before
        return None, None
