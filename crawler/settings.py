"""Scrapy settings: polite defaults, and the mapping from the [crawl] config section.

Everything a deployment may tune lives in the config file; these are the fixed parts. robots.txt
is always obeyed and there is no setting to switch that off.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from scrapy.settings.default_settings import EXTENSIONS_BASE as _SCRAPY_EXTENSIONS

from archive.config import CrawlConfig, user_agent

BOT_NAME = "gongkai"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's RemoteControl: an HTTP server on localhost that runs Python code sent to it,
# announced in a job file under the user's state directory, started by every crawl. A scheduled
# archiver has no use for it. Disabled, and taken out of Scrapy's base extensions so that its
# module, which imports aiohttp (~0.1 s of every crawl's start-up), is never loaded: naming it
# in EXTENSIONS, even as None, imports it (Scrapy loads every key there to compare it).
REMOTE_CONTROL_ENABLED = False
_REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"
EXTENSIONS_BASE = {k: v for k, v in _SCRAPY_EXTENSIONS.items() if k != _REMOTE_CONTROL}
HTTPCACHE_ENABLED = False  # a cache answers without asking the server and would hide edits
REDIRECT_MAX_TIMES = 5  # real chains are 1–2 hops; longer ones are loops or traps
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DNS_TIMEOUT = 20
# Scrapy starts CONCURRENT_ITEMS worker tasks for the output of every callback (default 100:
# ~100 asyncio tasks per report page, a third of plain Scrapy's CPU here, profiled). The spider
# hands its records to the archive pipeline itself and yields only requests, which Scrapy
# schedules synchronously: one worker does it, and each response costs 2 tasks instead of 9.
CONCURRENT_ITEMS = 1
LOG_LEVEL = "INFO"
# Per-request bookkeeping nobody reads: the downloader's byte counts (request_httprepr of every
# request), each request's depth (no DEPTH_LIMIT or DEPTH_PRIORITY here) and the meta-copy
# warning, the last two an async-generator layer over every request and item a callback yields.
# The archive is the record of what was fetched; Scrapy's own stats still count responses.
DOWNLOADER_STATS = False
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# uvloop (libuv, in C) under Twisted's asyncio reactor, where it is installed: the event loop's
# own bookkeeping (callbacks, tasks, timers, polling) is a good part of a crawl's CPU per request.
if find_spec("uvloop") is not None:
    ASYNCIO_EVENT_LOOP = "uvloop.Loop"

DOWNLOADER = "crawler.downloader.PoliteDownloader"  # per-host limit kept exactly (see there)
DOWNLOADER_MIDDLEWARES = {
    # robots.txt asked conditionally; a 304 obeyed as the archived rules (crawler/robots.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.ArchivedRobotsTxtMiddleware": 100,
    "crawler.middlewares.SourceHostsMiddleware": 60,
    # Scrapy's, not asked about bodiless answers (an unchanged night's 304s)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.BodiedMetaRefreshMiddleware": 580,
    "crawler.middlewares.FetchLogMiddleware": 585,
    "crawler.middlewares.RedirectLogMiddleware": 605,
    "crawler.middlewares.ResponseHeadMiddleware": 610,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
# Our `crawl` replaces Scrapy's: it exits non-zero when the archive could not be written.
COMMANDS_MODULE = "crawler.commands"

VERSION = "0.1.0"


def from_config(crawl: CrawlConfig) -> dict[str, Any]:
    """Scrapy settings for a [crawl] section."""
    max_bytes = int(crawl.max_size_mb * 1024 * 1024)
    return {
        "USER_AGENT": user_agent(crawl, VERSION),
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host,
        "DOWNLOAD_DELAY": crawl.delay,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay, 0.5),
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": max_bytes,
        "DOWNLOAD_WARNSIZE": max_bytes // 2,
        "RETRY_TIMES": crawl.retries,
        "LOG_LEVEL": crawl.log_level,
    }
