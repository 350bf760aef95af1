"""`scrapy crawl` that dies with the cycle that started it, and whose exit status says when the
archive could not be written.

Scrapy's own `crawl` exits 0 whenever the spider ran, whatever happened inside; the pipeline's
writer failing (a full disk, a database error) is only logged. A cycle must not be recorded
`completed` with nothing archived, so this command exits with `crawl_failure.WRITE_FAILED`
when the pipeline says the archive was not written.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler

from archive import lifeline
from archive.crawl_failure import WRITE_FAILED

WRITE_FAILED_STAT = "gongkai/archive_write_failed"


class Command(ScrapyCrawl):
    crawler: Crawler | None = None

    def _create_crawler(self, spname: str) -> Crawler:  # type: ignore[override]
        self.crawler = super()._create_crawler(spname)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        lifeline.die_with_parent_from_env()  # a killed cycle takes its crawl with it
        super().run(args, opts)
        stats = self.crawler.stats if self.crawler else None
        if stats is not None and stats.get_value(WRITE_FAILED_STAT):
            self.exitcode = WRITE_FAILED
