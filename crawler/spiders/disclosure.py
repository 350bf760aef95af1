"""The one spider: sources in, requests out. Everything site-specific lives in families/.

Each configured source's start URLs are report columns. A list page is recognised as one CMS
family, its entries classified (annual disclosure report or not, which year), its pagination
followed inside the column up to `max_list_pages`, and each report described as a sighting:
new URLs are fetched; known ones are re-verified with conditional requests when the plan says
they are due, and otherwise just noted as still listed. Once a source's lists are done, its
known reports that no list linked any more are re-requested: that is the evidence for removals.
Every response is archived by the pipeline whatever happens here; what the spider finds
(sightings, list counts, readings, attachments) it hands to the archive pipeline directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

from scrapy import FormRequest, Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from archive import plan
from archive.attachments import AttachmentSeen
from archive.clock import now_iso
from archive.config import Source, load
from archive.crawl_extraction import CrawlExtraction
from archive.db import open_db
from archive.sightings import FETCHED, GONE, LISTED, NOT_MODIFIED, Sighting
from crawler.blocked import blocked_by
from crawler.classify import classify, is_column_link, is_hub_link
from crawler.describer import Describer
from crawler.families import Entry, ListRequest
from crawler.notes import DiscoveryNotes
from crawler.pipelines import ArchivePipeline, body_sha256
from crawler.report_page import content_type, is_attachment, is_soft_404
from crawler.settings import from_config
from crawler.sources import SourceState

_WORTH_LOGGING = ("报告", "年报", "年度", "报表")
_NO_SENSE = "rejected: no 信息公开 report wording"
MAX_ATTACHMENTS = 10  # files fetched per report page (a report has one or two; more is a trap)
MAX_HOPS = 2  # menu links followed from a 信息公开 home to find the report column
_ANSWERS = [304, 404, 410]  # report answers that carry meaning and must reach the callback


class DisclosureSpider(Spider):
    name = "disclosure"
    archive: ArchivePipeline | None = None  # found when the crawl starts (`start`)

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
        db = open_db(crawler.settings.get("GONGKAI_DATABASE") or config.database)
        today, crawl = date.today(), config.crawl
        spider.states = {
            s.id: SourceState(
                s, crawl,
                load_known=lambda sid: plan.known_reports(db, sid, today, crawl.recheck_days),
                validators=plan.list_validators(db, s.id),
                full_walk=plan.full_walk_due(s.id, today, crawl.full_walk_days)
                or plan.removal_pending(db, s.id),
            )
            for s in config.sources
            if s.enabled and (not only or s.id in only)
        }  # fmt: skip
        spider.notes = DiscoveryNotes(crawler.settings.get("GONGKAI_NOTES"), spider.logger)
        spider.describer = Describer()
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.notes.close, signal=signals.spider_closed)
        crawler.signals.connect(spider.describer.close, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        self.archive = ArchivePipeline.of(self.crawler)
        for state in self.states.values():
            for url in state.source.start_urls:
                request = self._list_request(state, url, column=url)
                if request:
                    yield request

    def parse_list(self, response: Response) -> Iterator[Request | Sighting]:
        """`_parse_list`, contained: a list page that breaks a parser keeps what was found on
        it before the failure, counts as a list page not read (so no removal is judged from
        this walk), and is logged with its URL; the crawl goes on."""
        try:
            yield from self._parse_list(response)
        except Exception as error:  # any parser bug, on any page
            state = self.states[response.meta["source_id"]]
            state.list_failed(response.url)
            self.crawler.stats.inc_value(f"gongkai/{state.source.id}/parse_errors")
            why = f"{type(error).__name__}: {error}"
            self.logger.error("%s: list page %s could not be parsed (%s)", state.source.id,
                              response.url, why)  # fmt: skip

    def _parse_list(self, response: Response) -> Iterator[Request | Sighting]:
        state = self.states[response.meta["source_id"]]
        challenge = blocked_by(response.status, response.body)
        if challenge:
            state.list_failed(response.url)
            self.logger.warning("%s: %s answered a %s", state.source.id, response.url, challenge)
            return
        if response.status == 304:
            state.list_unchanged(response.url)  # new reports appear first: nothing new here
            return
        page, family = state.page(response)
        hops, column = response.meta.get("hops", 0), response.meta.get("column", response.url)
        reports, unknown, columns, hubs, entries = 0, 0, [], [], []
        for entry in family.list_entries(page):
            entries.append(entry)
            verdict = classify(entry.text)
            if verdict.is_report and verdict.year:
                reports += 1
                unknown += entry.url not in state.known
                yield from self._entry(state, entry, response.url, family.name)
            elif is_column_link(entry.text, verdict.is_report):
                columns.append(entry.url)
            elif hops == 0 and is_hub_link(entry.text):
                hubs.append(entry.url)  # an agency home: its 信息公开 page holds the column link
            elif _named_distractor(verdict.reason, entry.text):
                self.notes.rejected(state.source.id, response.url, entry, verdict.reason)
        listing = bool(reports) or family.name != "generic"  # not a 信息公开 home's menu
        pages = list(family.next_pages(page)) if listing else []
        if reports and not unknown and not state.full_walk:
            pages = state.stop_early(pages)  # a page of known reports: the rest is older
        if listing:  # after stop_early: the count says whether the walk went on
            own = family.column_entries  # else the list entries read above, not parsed again
            counted = [e.url for e in (own(page) if own else entries)]
            stated = family.stated_entries(page)
            yield from self._keep(
                state.list_count(response.url, family.name, column, stated, counted)
            )
        if not reports and hops < MAX_HOPS:
            pages += columns + hubs  # a 信息公开 home: the report column is one of its menu links
        for target in pages:
            request = self._list_request(
                state, target, hops=hops + (0 if reports else 1), column=column
            )
            if request:
                yield request
        self.notes.list_page(state.source.id, response.url, family.name, reports, pages)
        state.list_done(response.url)

    async def parse_report(
        self, response: Response
    ) -> AsyncIterator[Sighting | CrawlExtraction | Request]:
        state = self.states[response.meta["source_id"]]
        entry: Entry | None = response.meta.get("entry")
        known: plan.Known | None = response.meta.get("known")
        url = entry.url if entry else known.url  # type: ignore[union-attr]
        base = {
            "source_id": state.source.id,
            "url": url,
            "in_list": entry is not None,
            "seen_at": now_iso(),
            "report_id": known.report_id if known else None,
            "http_status": response.status,
            "list_url": response.meta.get("list_url"),
            "list_title": entry.text if entry else None,
            "walk_complete": None if entry else state.walk_complete,
        }
        if blocked_by(response.status, response.body):
            return  # a challenge page is not the report: no version, no removal evidence
        if response.status == 304 and known:
            for record in self._keep(Sighting(how=NOT_MODIFIED, sha256=known.sha256, **base)):
                yield record
        elif response.status in (404, 410) or is_soft_404(response):
            # Recorded whatever tonight's walk (a move needs to know the old URL is gone);
            # detection counts it towards removal only after a complete walk (`walk_complete`).
            if known:
                for record in self._keep(Sighting(how=GONE, **base)):
                    yield record
        elif response.status == 200:
            sha256 = body_sha256(response.meta, response.body)
            new = known is None or known.sha256 != sha256  # a known body needs no reading
            found, files, extracted = await self.describer.describe(
                response.url, response.body, content_type(response), entry,
                response.meta.get("family"), read_as=(url, sha256) if new else None,
            )  # fmt: skip
            sighting = Sighting(how=FETCHED, sha256=sha256, **base, **found)
            for record in self._keep(sighting, *([extracted] if extracted is not None else [])):
                yield record
            for file in files[:MAX_ATTACHMENTS]:
                if file.url != url:
                    yield self._attachment_request(state, file, url)

    def parse_attachment(self, response: Response) -> Iterator[AttachmentSeen]:
        if response.status != 200 or blocked_by(response.status, response.body):
            return
        chain = response.meta.get("redirect_urls") or [response.request.url]
        yield from self._keep(
            AttachmentSeen(
                source_id=response.meta["source_id"],
                report_url=response.meta["report_url"],
                url=chain[0],
                title=response.meta.get("title"),
                sha256=body_sha256(response.meta, response.body),
                content_type=content_type(response),
                seen_at=now_iso(),
            )
        )

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source_id = request.meta.get("source_id")
        if request.meta.get("kind") == "list" and source_id in self.states:
            self.states[source_id].list_failed(request.url)
        if failure.check(IgnoreRequest):
            self.crawler.stats.inc_value(f"gongkai/{source_id}/ignored")
            self.logger.info("%s: not fetched: %s", source_id, failure.value)
        else:
            self.crawler.stats.inc_value(f"gongkai/{source_id}/errors")
            self.logger.warning("%s: %s failed: %s", source_id, request.url, failure.value)

    def spider_idle(self) -> None:
        """Lists done: re-request each source's known reports that no list linked this time."""
        scheduled = 0
        for state in self.states.values():
            for known in state.take_unlisted():
                self.crawler.engine.crawl(self._recheck(state, known))
                scheduled += 1
        if scheduled:
            raise DontCloseSpider

    def _entry(self, state: SourceState, entry: Entry, list_url: str, family: str) -> Iterator[Any]:
        known = state.listed(entry.url)
        if known is None:
            yield self._report_request(state, entry, list_url, family)
        elif not known.alias and (known.due or known.status != "active"):
            yield self._recheck(state, known, entry=entry, list_url=list_url)
        else:
            yield from self._keep(Sighting(
                source_id=state.source.id, url=entry.url, how=LISTED, in_list=True,
                seen_at=now_iso(), report_id=known.report_id, sha256=known.sha256,
                list_url=list_url, list_title=entry.text,
            ))  # fmt: skip

    def _keep(self, *records: Any) -> tuple[Any, ...]:
        """Hand `records` to the archive pipeline; what it did not take, to be yielded as items.

        Scrapy's item path (spider middlewares, a task, a log record and a signal per item) was
        ~0.2 ms of the event loop a page for records the pipeline only queues; a spider run
        without the pipeline yields them as before."""
        if self.archive is None:
            return records
        for record in records:
            self.archive.keep(record)
        return ()

    def _attachment_request(self, state: SourceState, file: Entry, report_url: str) -> Request:
        return self._request(
            state.source, file.url, "attachment", self.parse_attachment,
            report_url=report_url, title=file.text,
        )  # fmt: skip

    def _list_request(
        self, state: SourceState, target: str | ListRequest, hops: int = 0, column: str = ""
    ) -> Request | None:
        target = ListRequest(url=target) if isinstance(target, str) else target
        if not state.want_list(target.key):
            # already read (a jump back to where the walk has been): its fallback, if any
            fallback = target.fallback
            return self._list_request(state, fallback, hops, column) if fallback else None
        request = self._request(
            state.source, target.url, "list", self.parse_list, list_url=target.url, hops=hops,
            column=column or target.url, handle_httpstatus_list=[304],
        )  # fmt: skip
        if target.method == "POST" or target.formdata:
            request = FormRequest(
                target.url, method=target.method, formdata=target.formdata,
                callback=request.callback, errback=request.errback, meta=request.meta,
                dont_filter=True,  # a data proxy answers different records at one URL
            )  # fmt: skip
        for name, value in {**state.list_conditions(target), **target.headers}.items():
            request.headers[name] = value
        return request

    def _report_request(
        self, state: SourceState, entry: Entry, list_url: str, family: str
    ) -> Request:
        return self._request(
            state.source, entry.url, _kind(entry.url), self.parse_report,
            entry=entry, list_url=list_url, family=family, handle_httpstatus_list=_ANSWERS,
        )  # fmt: skip

    def _recheck(self, state: SourceState, known: plan.Known, **meta: Any) -> Request:
        """A conditional request from our own fetch log: an unchanged page costs a 304."""
        request = self._request(
            state.source, known.url, _kind(known.url), self.parse_report,
            known=known, known_sha256=known.sha256, handle_httpstatus_list=_ANSWERS, **meta,
        )  # fmt: skip
        if known.etag:
            request.headers["If-None-Match"] = known.etag
        if known.last_modified:
            request.headers["If-Modified-Since"] = known.last_modified
        return request

    def _request(self, source: Source, url: str, kind: str, callback: Any, **meta: Any) -> Request:
        meta.update(
            source_id=source.id,
            kind=kind,
            gongkai_hosts=source.hosts,
            gongkai_domains=source.allowed_domains,
        )
        return Request(url, callback=callback, errback=self.failed, meta=meta)


def _kind(url: str) -> str:
    return "attachment" if is_attachment(url, None) else "report"


def _named_distractor(reason: str, text: str) -> bool:
    """Worth telling the user: a known distractor, or a report-like title without 信息公开."""
    return reason != _NO_SENSE or any(word in text for word in _WORTH_LOGGING)
