"""What the spider tracks about one source during a crawl: its list pages and known reports."""

from __future__ import annotations

import re
from collections.abc import Callable

from scrapy.http import Response

from archive.clock import now_iso
from archive.completeness import ListCount
from archive.config import CrawlConfig, Source
from archive.plan import Known
from crawler.families import Family, ListRequest, detect
from crawler.page import Page

_INDEX = re.compile(r"/index\.s?html?$", re.IGNORECASE)


def list_key(url: str) -> str:
    """A column's "dir/" and "dir/index.html" are one page."""
    return _INDEX.sub("/", url)


class SourceState:
    def __init__(
        self,
        source: Source,
        crawl: CrawlConfig,
        load_known: Callable[[str], dict[str, Known]],
        validators: dict[str, tuple[str | None, str | None]] | None = None,
        full_walk: bool = True,
    ) -> None:
        self.source = source
        self.validators = validators or {}
        self.full_walk = full_walk
        self.max_pages = source.max_list_pages or crawl.max_list_pages
        self._load_known = load_known
        self._known: dict[str, Known] | None = None
        self.lists: set[str] = set()
        self.lists_ok = 0
        self.lists_incomplete = False  # not every list page was read (failure, 304, early stop)
        self.lists_failed = False  # a list page could not be fetched at all
        self.stopped_early = False  # a 304 or a page of known reports ended the walk
        self.linked: set[str] = set()
        self.unlisted_taken = False
        self.reached: set[str] = set()  # the columns' entries read so far (completeness)
        self.statements: dict[str, int] = {}  # column (its start URL) → the most it states

    @property
    def known(self) -> dict[str, Known]:
        """Known reports by URL, loaded from the archive when the source's first list arrives."""
        if self._known is None:
            self._known = self._load_known(self.source.id)
        return self._known

    def page(self, response: Response) -> tuple[Page, Family]:
        content_type = response.headers.get(b"Content-Type")
        page = Page.parse(
            response.url, response.body, content_type.decode("latin-1") if content_type else None
        )
        return page, detect(page)

    def want_list(self, url: str) -> bool:
        key = list_key(url)
        if key in self.lists:
            return False
        if len(self.lists) >= self.max_pages:
            self.lists_incomplete = True
            return False
        self.lists.add(key)
        return True

    def list_count(
        self, url: str, family: str, column: str, stated: int | None, entries: list[str]
    ) -> ListCount:
        """Note a list page's statement and entries; what the archive records of it."""
        if stated is not None:
            self.statements[column] = max(stated, self.statements.get(column, 0))
        self.reached.update(entries)
        return ListCount(
            source_id=self.source.id, url=url, family=family, stated=stated,
            stated_total=sum(self.statements.values()) if self.statements else None,
            entries=len(set(entries)), reached=len(self.reached), walk_whole=not self.stopped_early,
            seen_at=now_iso(),
        )  # fmt: skip

    def list_done(self, url: str) -> None:
        self.lists_ok += 1

    def list_failed(self, url: str) -> None:
        self.lists_incomplete = True
        self.lists_failed = True

    def list_unchanged(self, url: str) -> None:
        """A 304 for a list page: unchanged since last time, and not walked further."""
        self.lists_ok += 1
        self.lists_incomplete = True
        self.stopped_early = True

    def stop_early(self, pages: list) -> list:
        """Drop the next pages after a page of known reports; the walk is then not complete."""
        if pages:
            self.lists_incomplete = True
            self.stopped_early = True
        return []

    def list_conditions(self, target: ListRequest) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a plain list page, except on a full walk."""
        if self.full_walk or target.method != "GET" or target.formdata:
            return {}
        etag, modified = self.validators.get(target.url, (None, None))
        headers = {"If-None-Match": etag} if etag else {}
        return headers | ({"If-Modified-Since": modified} if modified else {})

    def listed(self, url: str) -> Known | None:
        """Note that a list links `url`; return what the archive knows of it."""
        self.linked.add(url)
        return self.known.get(url)

    def take_unlisted(self) -> list[Known]:
        """Once, after the lists are done: the known reports no list page linked tonight.

        After a complete walk that is every active report missing from the lists (removal
        evidence). After a partial walk (304, early stop) it is only those due for
        re-verification: the rotation must not depend on how far the lists were walked.
        """
        if self.unlisted_taken or self.lists_failed or not self.lists_ok:
            return []
        self.unlisted_taken = True
        complete = not self.lists_incomplete
        return [
            k
            for k in self.known.values()
            if k.url not in self.linked
            and k.status == "active"
            and not k.alias
            and (complete or k.due)
        ]

    @property
    def walk_complete(self) -> bool:
        return not self.lists_incomplete
