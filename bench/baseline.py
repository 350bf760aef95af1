"""The baseline: a minimal Scrapy spider over the same columns, with Gongkai's settings, that
archives nothing.

It follows exactly the links Gongkai follows on the synthetic web — each list page's entries
and its pagination (TRS `createPageHTML(…)` or the plain pager) — with the same Scrapy settings:
crawler.settings (downloader, middlewares, robots.txt, CONCURRENT_ITEMS …) and `from_config` of
the bench config's [crawl] section, as the disclosure spider applies them. Only the item
pipeline is off. So Gongkai/baseline measures what discovery and archiving cost, not settings.

    SCRAPY_SETTINGS_MODULE=crawler.settings python -m scrapy runspider bench/baseline.py \\
        -s BENCH_CONFIG=data/bench/archive.toml
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import ClassVar

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.settings import BaseSettings

from archive.config import load
from crawler.settings import from_config

_PAGES = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*\d+\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)")
_INDEX = re.compile(r"/index\.html$")


class BaselineSpider(Spider):
    name = "baseline"
    custom_settings: ClassVar[dict] = {"ITEM_PIPELINES": {}}  # archive nothing

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.setdict(from_config(load(settings["BENCH_CONFIG"]).crawl), priority="spider")

    async def start(self) -> AsyncIterator[Request]:
        for source in load(self.settings["BENCH_CONFIG"]).sources:
            for url in source.start_urls:
                yield Request(url, callback=self.parse_list)

    def parse_list(self, response: Response) -> Iterator[Request]:
        for href in response.css("ul.xxgk_list li a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_report)
        pages = response.css(".page a::attr(href)").getall()
        announced = _PAGES.search(response.text)
        if announced:
            total, prefix, ext = int(announced[1]), announced[2], announced[3]
            pages += [f"{prefix}_{k}.{ext}" for k in range(1, total)]
        for href in pages:
            yield Request(_INDEX.sub("/", response.urljoin(href)), callback=self.parse_list)

    def parse_report(self, response: Response) -> None:
        return None
