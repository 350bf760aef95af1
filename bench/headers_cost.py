"""What keeping each exchange whole costs (migration 0009_exchanges), read off a bench archive.

Bytes: the pages `header_blocks` and its unique index take on disk (SQLite's dbstat), plus what
the new `fetches` columns hold (method, two block ids, peer IP), per fetch. CPU: the header work
of the crawl replayed for every fetch of the archive — Scrapy's headers turned into pairs
(crawler.middlewares.header_pairs), both blocks formatted, the Date split off, hashed and
stored or found
(archive.exchanges) — into a scratch copy of the table, timed with process CPU time. This is
the whole of what the crawler and its writer thread do more per page; `make bench` prints it
beside the cycles' own CPU per page.

    python -m bench.headers_cost data/bench/archive.db
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from scrapy.http import Headers
from sqlite_utils import Database

from archive import exchanges
from crawler.middlewares import header_pairs


def disk_bytes(db: sqlite3.Connection) -> int | None:
    try:
        row = db.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN "
            "('header_blocks', 'sqlite_autoindex_header_blocks_1')"
        ).fetchone()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return None
    return row[0] or 0


def measure(database: Path) -> dict:
    db = sqlite3.connect(database)
    try:
        fetches = db.execute("SELECT count(*) FROM fetches WHERE method IS NOT NULL").fetchone()[0]
        if not fetches:
            return {"fetches": 0}
        blocks, block_bytes = db.execute(
            "SELECT count(*), sum(length(block)) FROM header_blocks"
        ).fetchone()
        on_disk = disk_bytes(db)
        columns = db.execute(
            "SELECT sum(length(method) + coalesce(length(ip_address), 0) "
            "+ coalesce(length(response_date), 0) + 4) FROM fetches"
        ).fetchone()[0]
        rows = db.execute(
            "SELECT f.method, f.url, q.block, r.block, f.response_date FROM fetches f "
            "JOIN header_blocks q ON q.id = f.request_headers "
            "LEFT JOIN header_blocks r ON r.id = f.response_headers"
        ).fetchall()
    finally:
        db.close()
    prepared = []
    for method, url, request, response, date in rows:
        head = exchanges.parse(b"\r\n" + request)
        answer = exchanges.parse(exchanges.join_date(response, date)) if response else None
        prepared.append((
            # Host (and a POST's Content-Length) are added back by request_block
            method, url, Headers([(n, v) for n, v in head.headers
                                  if n.lower() not in ("host", "content-length")]),
            (answer.first_line.split()[1], Headers(answer.headers)) if answer else None,
        ))  # fmt: skip
    scratch = Database(memory=True)
    scratch.execute(
        "CREATE TABLE header_blocks (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, "
        "block BLOB NOT NULL)"
    )
    started = time.process_time()
    with scratch.conn:
        for _method, url, sent, received in prepared:
            exchanges.put(scratch, exchanges.request_block(url, header_pairs(sent)))
            if received:
                status, headers = received
                block = exchanges.response_block("HTTP/1.1", int(status), header_pairs(headers))
                exchanges.put(scratch, exchanges.split_date(block)[0])
    cpu = time.process_time() - started
    stored = on_disk if on_disk is not None else block_bytes
    return {
        "fetches": fetches,
        "blocks": blocks,
        "block_bytes": block_bytes,
        "disk_bytes": on_disk,
        "bytes_per_fetch": (stored + columns) / fetches,
        "cpu_us_per_fetch": cpu / len(prepared) * 1e6,
    }


def line(cost: dict) -> str:
    if not cost.get("fetches"):
        return "keeping headers: no fetch with headers in this archive"
    where = "on disk (dbstat)" if cost["disk_bytes"] is not None else "of block text"
    return (
        f"keeping headers (0009_exchanges): {cost['bytes_per_fetch']:,.0f} bytes per fetch "
        f"{where}, {cost['blocks']:,} distinct blocks for {cost['fetches']:,} fetches; "
        f"{cost['cpu_us_per_fetch']:,.0f} µs CPU per page to build, hash and store them"
    )


if __name__ == "__main__":
    print(line(measure(Path(sys.argv[1]))))
