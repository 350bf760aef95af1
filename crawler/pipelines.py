"""ArchivePipeline: the crawler's only door into the archive.

It logs every exchange the downloader announces (crawler.signals) and records every report
sighting the spider hands it (`keep`; items yielded through Scrapy's item path are taken too),
in batches: one transaction per few hundred writes instead of one
per page, so archiving keeps up with the crawl. Order is preserved, so a sighting is always
written after the blob it points at.

The batches are written on a thread of their own. Hashing, zstd and SQLite release the GIL, so
the archive's ~1.7 ms per page (profiled) runs on the second core instead of delaying Scrapy's
event loop; the queue is bounded, so a slow disk slows the crawl instead of filling memory.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from sqlite_utils import Database

from archive import (
    attachments,
    blobs,
    completeness,
    crawl_extraction,
    exchanges,
    fetches,
    sightings,
)
from archive import config as config_module
from archive.clock import now_iso
from archive.crawl_failure import MARKER
from archive.db import open_db
from archive.stat_labels import Labels
from crawler import signals
from crawler.blocked import blocked_by
from crawler.commands.crawl import WRITE_FAILED_STAT
from crawler.middlewares import header_pairs

log = logging.getLogger(__name__)

BATCH_SIZE = 200
BATCH_SECONDS = 2.0
QUEUED_BATCHES = 4  # at most ~1,000 records (~30 MB of bodies) waiting for the disk

Record = (
    fetches.Fetch
    | sightings.Sighting
    | attachments.AttachmentSeen
    | completeness.ListCount
    | crawl_extraction.CrawlExtraction
)


class WriterFailed(RuntimeError):
    """The archive could not be written: the crawl must not go on as if it had been."""


class Writer:
    """One thread, one SQLite connection, batches written in the order they were queued."""

    def __init__(self, database: str, cycle_id: int | None) -> None:
        self.database = database
        self.cycle_id = cycle_id
        self.queue: queue.Queue[list[Record] | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self.error: BaseException | None = None
        self.labels: Labels | None = None  # a crawl's label ids (crawl_extraction.record)
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._run, name="archive-writer", daemon=True)
        self.thread.start()
        self.opened.wait()
        self._raise()

    def put(self, batch: list[Record]) -> None:
        self._raise()
        self.queue.put(batch)

    def close(self) -> None:
        """Write what is queued, stop the thread, and raise if any batch failed."""
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise WriterFailed(f"archive {self.database}: {self.error}") from self.error

    def _run(self) -> None:
        try:
            db = open_db(self.database)
        except Exception as error:  # reported to the crawl by _raise
            self.error = error
            return
        finally:
            self.opened.set()
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    self._write(db, batch)
        finally:
            db.close()

    def _write(self, db: Database, batch: list[Record]) -> None:
        try:
            with db.atomic():
                for record in batch:
                    if isinstance(record, fetches.Fetch):
                        fetches.record(db, record, self.cycle_id)
                    elif isinstance(record, attachments.AttachmentSeen):
                        attachments.record(db, record, self.cycle_id)
                    elif isinstance(record, completeness.ListCount):
                        completeness.record(db, record, self.cycle_id)
                    elif isinstance(record, crawl_extraction.CrawlExtraction):
                        self.labels = self.labels or Labels(db)
                        crawl_extraction.record(db, record, self.cycle_id, self.labels)
                    else:
                        sightings.record(db, record, self.cycle_id)
            blobs.train_if_due(db)  # after the commit: a dictionary is stored before it is used
        except Exception as error:  # later batches would point at rows that are not there
            log.error("archive writer: a batch of %d records failed: %s", len(batch), error)
            log.error("%s %s: %s", MARKER, self.database, error)
            self.error = error


class ArchivePipeline:
    def __init__(
        self,
        database: str,
        cycle_id: int | None,
        hosts: dict[str, str],
        crawler: Crawler | None = None,
    ) -> None:
        self.crawler = crawler
        self.writer = Writer(database, cycle_id)
        self.host_sources = hosts
        self.pending: list[Record] = []
        self.last_flush = time.monotonic()
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        path = crawler.settings.get("GONGKAI_CONFIG")
        if not path:
            raise NotConfigured("GONGKAI_CONFIG is not set")
        config = config_module.load(path)
        cycle = crawler.settings.get("GONGKAI_CYCLE_ID")
        hosts = {host: s.id for s in reversed(config.sources) for host in s.hosts}
        database = crawler.settings.get("GONGKAI_DATABASE") or str(config.database)
        pipeline = cls(database, int(cycle) if cycle else None, hosts, crawler)
        crawler.signals.connect(pipeline.response_fetched, signal=signals.response_fetched)
        crawler.signals.connect(pipeline.fetch_failed, signal=signals.fetch_failed)
        return pipeline

    def response_fetched(self, request: Request, response: Response) -> None:
        self._add(self._fetch(request, response))

    def fetch_failed(self, request: Request, exception: Exception) -> None:
        self._add(self._fetch(request, None, note=_failure_note(exception)))

    @classmethod
    def of(cls, crawler: Crawler) -> ArchivePipeline | None:
        """The crawl's archive pipeline, for the spider to hand its records to; None when the
        crawl runs without one (a spider used alone, whose records are then yielded as items)."""
        engine = crawler.engine
        scraper = engine.scraper if engine is not None else None
        if scraper is None:
            return None
        return next((p for p in scraper.itemproc.middlewares if isinstance(p, cls)), None)

    def keep(self, record: Record) -> None:
        """Take a record from the spider directly, not as a Scrapy item.

        An item costs the crawl's one event-loop thread Scrapy's item path — the spider
        middlewares' generators, a task, a log record, the `item_scraped` signal — for a record
        this pipeline only appends to a list. Scrapy's item count is kept (the crawl log's
        `item_scraped_count` and its periodic "scraped N items"); nothing listens for the signal.
        """
        self._add(record)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("item_scraped_count")

    def process_item(self, item: Any) -> Any:
        if isinstance(
            item,
            sightings.Sighting
            | attachments.AttachmentSeen
            | completeness.ListCount
            | crawl_extraction.CrawlExtraction,
        ):
            self._add(item)
        return item

    def close_spider(self) -> None:
        self.flush()
        try:
            self.writer.close()
        except WriterFailed as error:  # said in one line: the exit status carries it on
            self._mark_failed()
            log.error("%s", error)

    def _add(self, record: Record) -> None:
        self.pending.append(record)
        if (
            len(self.pending) >= BATCH_SIZE
            or time.monotonic() - self.last_flush > BATCH_SECONDS
            or self.writer.error is not None
        ):
            self.flush()

    def flush(self) -> None:
        """Hand everything pending to the writer, to be written in one transaction; once the
        writer has failed, stop the crawl instead (crawling on would archive nothing)."""
        batch, self.pending = self.pending, []
        self.last_flush = time.monotonic()
        if self.writer.error is not None:
            self._stop()
            return
        if batch:
            try:
                self.writer.put(batch)
            except WriterFailed:  # failed since the look above: stop, as above
                self._stop()

    def _stop(self) -> None:
        """Close the spider once, and mark the crawl failed so that it exits non-zero."""
        self._mark_failed()
        if self.stopping or self.crawler is None or self.crawler.engine is None:
            return
        self.stopping = True
        log.error("archive writer failed: stopping the crawl")
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_write_failed"))

    def _mark_failed(self) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.set_value(WRITE_FAILED_STAT, 1)

    def _fetch(
        self, request: Request, response: Response | None, note: str | None = None
    ) -> fetches.Fetch:
        chain = request.meta.get("redirect_urls") or []
        url = chain[0] if chain else request.url
        kind = request.meta.get("kind") or (
            "robots" if urlsplit(url).path == "/robots.txt" else "other"
        )
        source_id = request.meta.get("source_id") or self.host_sources.get(urlsplit(url).netloc)
        if chain:
            hops = "redirected: " + " -> ".join([*chain, request.url])
            note = f"{note}; {hops}" if note else hops
        sent = _sent(request)
        if response is None:
            return fetches.Fetch(
                url=url, fetched_at=now_iso(), kind=kind, source_id=source_id, note=note, **sent
            )
        headers = response.headers
        received = {
            "response_head": request.meta.pop("gongkai_response_head", None)
            or exchanges.response_block(response.protocol, response.status, header_pairs(headers)),
            "ip_address": str(response.ip_address) if response.ip_address else None,
        }
        location = headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            return fetches.Fetch(
                url=request.url, fetched_at=now_iso(), kind=kind, source_id=source_id,
                status=response.status, content_type=_header(headers, b"Content-Type"),
                note=f"redirect to {location.decode('latin-1')}", **sent, **received,
            )  # fmt: skip
        not_modified = response.status == 304
        hashed = response.status == 200 and kind in _HASHED_ON_THE_LOOP
        challenge = blocked_by(response.status, response.body)
        if challenge:
            note = f"blocked: {challenge}" + (f"; {note}" if note else "")
        return fetches.Fetch(
            url=url,
            final_url=response.url if response.url != url else None,
            fetched_at=now_iso(),
            kind=kind,
            source_id=source_id,
            status=response.status,
            body=None if not_modified else response.body,
            same_as=request.meta.get("known_sha256") if not_modified else None,
            content_type=_header(headers, b"Content-Type"),
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            note=note,
            **sent,
            **received,
            body_sha256=body_sha256(request.meta, response.body) if hashed else None,
        )


# The answers whose body the spider hashes anyway (a report page for its sighting, an attachment
# for its record): hashed once, here, and the writer thread stores the blob under that digest.
# Other bodies (list pages, robots.txt, error pages) are hashed by the writer, off the loop.
_HASHED_ON_THE_LOOP = ("report", "attachment")
_DIGEST = "gongkai_body_sha256"


def body_sha256(meta: dict[str, Any], body: bytes) -> str:
    """`body`'s SHA-256, computed once a crawl for the fetch log and the spider alike.

    Kept in the request's meta with the very bytes object it was computed from: a request
    copied for a retry or a meta refresh carries the old pair along, and a body that is not
    that object is hashed afresh."""
    kept = meta.get(_DIGEST)
    if kept is not None and kept[0] is body:
        return kept[1]
    digest = blobs.sha256_of(body)
    meta[_DIGEST] = (body, digest)
    return digest


def _sent(request: Request) -> dict[str, Any]:
    """The request as Scrapy handed it to the HTTP client: method, head, a POST's body."""
    return {
        "method": request.method,
        "request_head": exchanges.request_block(
            request.url, header_pairs(request.headers), _body_length(request)
        ),
        "request_body": request.body or None,
    }


def _body_length(request: Request) -> int | None:
    """The Content-Length Twisted sends: a body's length; 0 for a POST or PUT without one."""
    if request.body:
        return len(request.body)
    return 0 if request.method in ("POST", "PUT") else None


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None


def _failure_note(exception: Exception) -> str:
    """`truncated: …` or `failed: …`, then what the downloader said.

    Scrapy cancels a download only at the size cap: a declared Content-Length over it fails with
    a "max size" message, but a body streamed past it (chunked, no length) is cancelled with no
    message at all, so the exception's type must count too.
    """
    text = str(exception) or type(exception).__name__
    cancelled = "Cancelled" in type(exception).__name__
    if cancelled or "max size" in text.lower() or "maxsize" in text.lower():
        return f"truncated: download stopped at the size cap ({text})"[:500]
    return f"failed: {type(exception).__name__}: {text}"[:500]
