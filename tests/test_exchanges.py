"""Each exchange kept whole: request as sent, response headers as received, the peer's IP."""

from __future__ import annotations

from archive import exchanges
from archive.db import open_db
from tests.evidence_site import crawled


def test_every_exchange_keeps_its_request_response_headers_and_peer(serve_site, tmp_path):
    _site, server, config = crawled(serve_site, tmp_path, cycles=2)
    db = open_db(config.database)
    rows = db.execute(
        "SELECT url, status, method, request_headers, response_headers, ip_address "
        "FROM fetches WHERE status IS NOT NULL"
    ).fetchall()
    assert rows
    statuses = set()
    for url, status, method, request_id, response_id, ip in rows:
        sent = exchanges.parse(exchanges.get(db, request_id))
        received = exchanges.parse(exchanges.get(db, response_id))
        assert method == "GET"
        assert sent.first_line.startswith("GET /") and sent.first_line.endswith(" HTTP/1.1")
        assert sent.get("Host") == server.url.removeprefix("http://")
        assert sent.get("User-Agent").startswith("Gongkai/")
        assert received.first_line.split()[1] == str(status)
        assert received.get("X-Gov-Trace") == "42", url
        assert ip == "127.0.0.1"
        statuses.add(status)
    assert 304 in statuses  # the second night's conditional answers are kept whole too
    conditional = [exchanges.parse(exchanges.get(db, r[3])) for r in rows if r[1] == 304]
    assert all(head.get("If-None-Match") for head in conditional)


def test_header_blocks_are_stored_once(serve_site, tmp_path):
    _site, _server, config = crawled(serve_site, tmp_path, cycles=2)
    db = open_db(config.database)
    fetches, distinct = db.execute(
        "SELECT count(*), count(DISTINCT request_headers) FROM fetches"
    ).fetchone()
    blocks = db.execute("SELECT count(*) FROM header_blocks").fetchone()[0]
    assert distinct < fetches  # requests repeat their heads across nights
    assert blocks < 2 * fetches
