"""Downloader middlewares: keep each source on its own hosts, and log every exchange."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response

from archive import exchanges
from crawler import signals


class SourceHostsMiddleware:
    """Drop any request (redirects included) that leaves the hosts of the source it serves.

    Scrapy's own offsite filter checks one list for the whole spider; a cycle crawls many
    agencies, and one agency's redirect must not make us fetch another's site, or a spam mirror.
    """

    def process_request(self, request: Request) -> None:
        allowed = request.meta.get("gongkai_hosts")
        if allowed is None:
            return None
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if parts.netloc.lower() in allowed or any(
            host == d or host.endswith("." + d) for d in request.meta.get("gongkai_domains", ())
        ):
            return None
        raise IgnoreRequest(f"offsite for source {request.meta.get('source_id')}: {request.url}")


class FetchLogMiddleware:
    """Announce every response and every failed download to the archive pipeline.

    Placed at 585: after HttpCompressionMiddleware (590) has decoded gzip, before
    MetaRefreshMiddleware (580) and RetryMiddleware (550) can swallow the response.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchLogMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        self.crawler.signals.send_catch_log(
            signals.response_fetched, request=request, response=response
        )
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Log failed downloads. A request dropped before it was sent (robots.txt, another
        source's host, a redirect to one) exchanged nothing; the 3xx that pointed there is
        already logged by RedirectLogMiddleware."""
        if isinstance(exception, IgnoreRequest):
            return
        self.crawler.signals.send_catch_log(
            signals.fetch_failed, request=request, exception=exception
        )


class RedirectLogMiddleware:
    """Announce each redirect answer (3xx with a Location) before RedirectMiddleware (600)
    consumes it, so every hop of a chain, and every lap of a loop, is in the fetch log."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLogMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if 300 <= response.status < 400 and b"Location" in response.headers:
            self.crawler.signals.send_catch_log(
                signals.response_fetched, request=request, response=response
            )
        return response


class BodiedMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, not asked about answers without a body.

    Most of an unchanged night's answers are 304s with an HTML Content-Type: Scrapy decoded each
    empty body (guessing its encoding) to look for a <meta http-equiv=refresh> that cannot be
    there (0.08 s profiled for 745 answers of a 50-source night).
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if not response.body:
            return response
        return super().process_response(request, response)


class ResponseHeadMiddleware:
    """Keep each response's header block as the server sent it, for the fetch log.

    Placed at 610, so it sees the response before HttpCompressionMiddleware (590) deletes the
    Content-Encoding it undid, and before RedirectLogMiddleware (605) announces a redirect.
    The block waits in request.meta until the pipeline takes it (ArchivePipeline pops it).
    """

    def process_response(self, request: Request, response: Response) -> Response:
        request.meta["gongkai_response_head"] = exchanges.response_block(
            response.protocol, response.status, header_pairs(response.headers)
        )
        return response


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy's headers as (name, value) pairs, one per value, in the order kept.

    Scrapy title-cases names and groups a repeated header's values under its first place;
    that is the order it keeps, and what is stored.
    """
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
