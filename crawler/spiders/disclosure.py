"""The one spider: sources in, requests out. Everything site-specific lives in families/.

Each configured source's start URLs are report columns. A list page is recognised as one CMS
family, its entries classified (annual disclosure report or not, which year), its pagination
followed inside the column up to `max_list_pages`, and each report page fetched and described.
Every response is archived by the pipeline whatever happens here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from archive.blobs import sha256_of
from archive.clock import now_iso
from archive.config import Source, load
from archive.reports import Sighting
from crawler.classify import classify
from crawler.dates import pick_published_on
from crawler.families import Entry, ReportFields, detect
from crawler.page import Page
from crawler.settings import from_config

_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|zip|rar|7z|ofd|rtf)$", re.IGNORECASE)
_INDEX = re.compile(r"/index\.s?html?$", re.IGNORECASE)
_WORTH_LOGGING = ("报告", "年报", "年度", "报表")


class DisclosureSpider(Spider):
    name = "disclosure"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        path = settings.get("GONGKAI_CONFIG")
        if path:
            settings.setdict(from_config(load(path).crawl), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DisclosureSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        config = load(crawler.settings["GONGKAI_CONFIG"])
        only = set(crawler.settings.getlist("GONGKAI_SOURCES"))
        spider.sources = {
            s.id: s for s in config.sources if s.enabled and (not only or s.id in only)
        }
        spider.default_max_pages = config.crawl.max_list_pages
        spider.list_urls = {source_id: set() for source_id in spider.sources}
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources.values():
            for url in source.start_urls:
                request = self._list_request(source, url)
                if request:
                    yield request

    def parse_list(self, response: Response) -> Iterator[Request]:
        source = self.sources[response.meta["source_id"]]
        page = Page.parse(response.url, response.body, _content_type(response))
        family = detect(page)
        self.logger.debug("%s: %s is a %s list page", source.id, response.url, family.name)
        for entry in family.list_entries(page):
            verdict = classify(entry.text)
            if verdict.is_report and verdict.year:
                yield self._report_request(source, entry, response.url)
            elif any(word in entry.text for word in _WORTH_LOGGING):
                # A yearless "政府信息公开年报" link is the column itself in a menu, not a report.
                reason = verdict.reason if not verdict.is_report else "no year: a column link"
                self.crawler.stats.inc_value(f"gongkai/{source.id}/rejected")
                self.logger.debug("%s: skipped %r: %s", source.id, entry.text, reason)
        for url in family.next_pages(page):
            request = self._list_request(source, url)
            if request:
                yield request

    def parse_report(self, response: Response) -> Iterator[Sighting]:
        source = self.sources[response.meta["source_id"]]
        entry: Entry = response.meta["entry"]
        content_type = _content_type(response)
        fields = None if _is_attachment(response.url, content_type) else _fields(response)
        title = _title(fields, entry.text)
        published, evidence = pick_published_on(
            fields.text if fields else None,
            fields.meta_pubdate if fields else None,
            entry.date,
            response.url,
        )
        yield Sighting(
            source_id=source.id,
            agency=source.agency,
            url=entry.url,
            title=title,
            year=classify(title).year or classify(entry.text).year,
            published_on=published.isoformat() if published else None,
            published_on_evidence=evidence,
            list_url=response.meta["list_url"],
            list_title=entry.text,
            sha256=sha256_of(response.body),
            content_type=content_type,
            seen_at=now_iso(),
        )

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source_id = request.meta.get("source_id")
        if failure.check(IgnoreRequest):
            self.crawler.stats.inc_value(f"gongkai/{source_id}/ignored")
            self.logger.info("%s: not fetched: %s", source_id, failure.value)
        else:
            self.crawler.stats.inc_value(f"gongkai/{source_id}/errors")
            self.logger.warning("%s: %s failed: %s", source_id, request.url, failure.value)

    def _list_request(self, source: Source, url: str) -> Request | None:
        seen = self.list_urls[source.id]
        key = _INDEX.sub("/", url)  # a column's "dir/" and "dir/index.html" are one page
        if key in seen or len(seen) >= (source.max_list_pages or self.default_max_pages):
            return None
        seen.add(key)
        return self._request(source, url, "list", self.parse_list, list_url=url)

    def _report_request(self, source: Source, entry: Entry, list_url: str) -> Request:
        kind = "attachment" if _ATTACHMENT.search(urlsplit(entry.url).path) else "report"
        return self._request(
            source, entry.url, kind, self.parse_report, entry=entry, list_url=list_url
        )

    def _request(self, source: Source, url: str, kind: str, callback: Any, **meta: Any) -> Request:
        meta.update(
            source_id=source.id,
            kind=kind,
            gongkai_hosts=source.hosts,
            gongkai_domains=source.allowed_domains,
        )
        return Request(url, callback=callback, errback=self.failed, meta=meta)


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


def _is_attachment(url: str, content_type: str | None) -> bool:
    if _ATTACHMENT.search(urlsplit(url).path):
        return True
    return bool(content_type) and not any(t in content_type for t in ("html", "xml", "text/"))


def _fields(response: Response) -> ReportFields:
    page = Page.parse(response.url, response.body, _content_type(response))
    return detect(page).report_fields(page)


def _title(fields: ReportFields | None, list_text: str) -> str:
    """ArticleTitle, then the page heading that names a report, then the list's text."""
    if fields:
        candidates = [fields.meta_title, *fields.headings] if fields.meta_title else fields.headings
        for candidate in candidates:
            if candidate and classify(candidate).is_report:
                return candidate
    return list_text
