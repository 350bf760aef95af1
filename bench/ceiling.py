"""The ceiling: a minimal archiving crawler over the same synthetic web, for `make bench`.

    python -m bench.ceiling CONFIG DATABASE

What the hardware allows an archiving crawler to do, so that Gongkai's figures are read against
a ceiling as well as against the floor plain Scrapy sets (issue 15, item 1). It does the work
every archiving crawler must do on each page, and nothing else:

- fetch with aiohttp under the same limits as the bench's [crawl] section (`concurrency`
  requests in flight, `per_host` per host, no delay), robots.txt once per host first;
- parse every HTML page once with lxml and read its links (list pages: the entries and the
  pagination — the plain pager's links or the TRS `createPageHTML(…)` call — which are
  followed; report pages: every link, resolved, as an archive lists attachments);
- SHA-256 of the body; the body zstd-3 compressed; fetch rows and blobs (content-addressed,
  stored once) inserted into SQLite in batches of 200 pages, one transaction each.

No discovery heuristics, no challenge checks, no text extraction, no detection: those are
Gongkai's product, and the gap between this and Gongkai is their price. It follows exactly the
links bench/baseline.py follows, so all three crawlers make the same requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
import lxml.html
import zstandard

from archive.config import load

BATCH = 200
_PAGES = re.compile(
    rb"createPageHTML\(\s*(\d+)\s*,\s*\d+\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)"
)
_INDEX = re.compile(r"/index\.html$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, size INTEGER, content BLOB)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY, url TEXT NOT NULL, status INTEGER, fetched_at REAL,
    content_type TEXT, etag TEXT, last_modified TEXT, sha256 TEXT, links INTEGER
);
"""


class Store:
    """Batched inserts: rows are kept until BATCH pages are pending, then one transaction."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;" + _SCHEMA)
        self.compressor = zstandard.ZstdCompressor(level=3)
        self.fetches: list[tuple] = []
        self.blobs: dict[str, tuple] = {}

    def add(self, url: str, status: int, headers: dict, body: bytes, links: int) -> None:
        digest = hashlib.sha256(body).hexdigest()
        if digest not in self.blobs:
            self.blobs[digest] = (digest, len(body), self.compressor.compress(body))
        self.fetches.append(
            (url, status, time.time(), headers.get("Content-Type"), headers.get("ETag"),
             headers.get("Last-Modified"), digest, links)
        )  # fmt: skip
        if len(self.fetches) >= BATCH:
            self.flush()

    def flush(self) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", list(self.blobs.values())
            )
            self.db.executemany(
                "INSERT INTO fetches (url, status, fetched_at, content_type, etag, "
                "last_modified, sha256, links) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self.fetches,
            )
        self.fetches, self.blobs = [], {}

    def close(self) -> None:
        self.flush()
        self.db.close()


def canonical(url: str) -> str:
    """`…/index.html` and `…/` are one list page, as the baseline's duplicate filter sees them."""
    return _INDEX.sub("/", url)


def read_list(url: str, body: bytes) -> tuple[list[str], list[str], int]:
    """A list page's report links and its other list pages (resolved), and its link count."""
    tree = lxml.html.document_fromstring(body)
    links = [resolve(url, h) for h in tree.xpath("//a/@href")]
    reports = [urljoin(url, h) for h in tree.xpath('//ul[@class="xxgk_list"]//a/@href')]
    pages = [canonical(urljoin(url, h)) for h in tree.xpath('//div[@class="page"]//a/@href')]
    announced = _PAGES.search(body)
    if announced:
        total, prefix, ext = int(announced[1]), announced[2].decode(), announced[3].decode()
        pages += [canonical(urljoin(url, f"{prefix}_{k}.{ext}")) for k in range(1, total)]
    return reports, pages, len(links)


def resolve(base: str, href: str) -> str:
    """`urljoin`, with the fast paths any crawler takes (Gongkai's too): absolute and
    root-relative links, most of a page's navigation, skip urllib's full parse."""
    if href.startswith(("http://", "https://")):
        return href
    if href.startswith("/") and not href.startswith("//"):
        return base[: base.index("/", base.index("//") + 2)] + href
    return urljoin(base, href)


def read_report(url: str, body: bytes) -> int:
    """A report page parsed once, its links resolved (what an archive lists as attachments)."""
    tree = lxml.html.document_fromstring(body)
    return len([resolve(url, h) for h in tree.xpath("//a/@href")])


async def crawl(
    start_urls: list[str], store: Store, concurrency: int, per_host: int
) -> tuple[int, int]:
    """Breadth-first over the columns with `concurrency` workers: (requests answered, failed)."""
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    seen: set[str] = set()
    hosts: set[str] = set()
    for url in start_urls:
        parts = urlsplit(url)
        if parts.netloc not in hosts:  # robots.txt first, once per host, as Scrapy does
            hosts.add(parts.netloc)
            queue.put_nowait((f"{parts.scheme}://{parts.netloc}/robots.txt", "robots"))
        seen.add(canonical(url))
        queue.put_nowait((canonical(url), "list"))
    requests = 0
    failures: list[str] = []
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host)
    timeout = aiohttp.ClientTimeout(total=60)
    headers = {"User-Agent": "gongkai-bench-ceiling (bench@127.0.0.1)"}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as s:

        async def worker() -> None:
            nonlocal requests
            while True:
                url, kind = await queue.get()
                try:
                    async with s.get(url) as answer:
                        body = await answer.read()
                        status, got = answer.status, answer.headers
                    requests += 1
                    links = 0
                    if status == 200 and kind == "list":
                        reports, pages, links = read_list(url, body)
                        for found, what in [(u, "report") for u in reports] + [
                            (u, "list") for u in pages
                        ]:
                            if found not in seen:
                                seen.add(found)
                                queue.put_nowait((found, what))
                    elif status == 200 and kind == "report":
                        links = read_report(url, body)
                    store.add(url, status, got, body, links)
                except (aiohttp.ClientError, TimeoutError) as error:  # counted, never retried
                    print(f"ceiling: {url}: {error!r}", file=sys.stderr)
                    failures.append(url)
                finally:
                    queue.task_done()

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        await queue.join()
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    store.close()
    return requests, len(failures)


def main(argv: list[str]) -> int:
    config = load(argv[0])
    start_urls = [url for source in config.sources for url in source.start_urls]
    store = Store(Path(argv[1]))
    wall, cpu = time.monotonic(), time.process_time()
    requests, failed = asyncio.run(
        crawl(start_urls, store, config.crawl.concurrency, config.crawl.per_host)
    )
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    print(f"ceiling: {requests} requests answered, {failed} failed", file=sys.stderr)
    # For the harness: the crawl loop's own wall and CPU, without the interpreter's start-up.
    print(json.dumps({"requests": requests, "failed": failed, "wall": wall, "cpu": cpu}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
