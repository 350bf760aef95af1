"""robots.txt asked conditionally, and a 304 obeyed as the rules archived before.

Scrapy's RobotsTxtMiddleware asks each host for robots.txt once a crawl, unconditionally: a
full body every night for a file that almost never changes. This one sends If-None-Match /
If-Modified-Since from the host's last robots.txt answer in the archive, and when the server
answers 304 it parses the body archived under that answer. Scrapy's own middleware would parse
the 304's empty body, which allows everything: a site's rules would silently vanish on the
night its server learned conditional requests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response

from archive import blobs, plan
from archive import config as config_module
from archive.db import open_db


class ArchivedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware with conditional requests answered from the archive."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.database = crawler.settings.get("GONGKAI_DATABASE") or _configured(crawler)
        self._db: Any = None
        self._archived: dict[str, str] = {}  # host -> the body its robots.txt validators name

    def _archive(self) -> Any:
        if self._db is None and self.database:
            self._db = open_db(self.database)
        return self._db

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            self._ask_conditionally(request)
            return
        await super().process_request(request)

    def _ask_conditionally(self, request: Request) -> None:
        db = self._archive()
        if db is None or b"If-None-Match" in request.headers:
            return
        last = plan.robots_validators(db, request.url)
        if last is None:
            return
        sha256, etag, modified = last
        if etag:
            request.headers["If-None-Match"] = etag
        if modified:
            request.headers["If-Modified-Since"] = modified
        if etag or modified:  # by host: a redirected robots.txt is parsed for the host asked
            self._archived[urlsplit(request.url).netloc] = sha256

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        archived = self._archived.get(netloc)
        if response.status == 304 and archived:
            # the same rules as before: the body archived under the validators sent
            body = blobs.get(self._archive(), archived)
            response = response.replace(status=200, body=body)
        await super()._parse_robots(response, netloc, request)


def _configured(crawler: Crawler) -> str | None:
    path = crawler.settings.get("GONGKAI_CONFIG")
    return str(config_module.load(path).database) if path else None
