"""Each exchange kept whole: request as sent, response headers as received, the peer's IP."""

from __future__ import annotations

from archive import evidence, exchanges
from archive.db import open_db
from tests.evidence_site import crawled


def test_every_exchange_keeps_its_request_response_headers_and_peer(serve_site, tmp_path):
    _site, server, config = crawled(serve_site, tmp_path, cycles=2)
    db = open_db(config.database)
    found = evidence.exchanges_where(db, "status IS NOT NULL", [])
    assert found
    for ex in found:
        sent = exchanges.parse(ex.request_head)
        received = exchanges.parse(ex.response_head)
        path = ex.target.removeprefix(server.url)
        assert ex.method == "GET"
        assert sent.first_line == f"GET {path} HTTP/1.1"
        assert sent.get("Host") == server.url.removeprefix("http://")
        assert sent.get("User-Agent").startswith("Gongkai/")
        assert received.first_line.split()[1] == str(ex.status)
        assert received.get("X-Gov-Trace") == "42", ex.url
        assert ex.ip_address == "127.0.0.1"
    assert 304 in {ex.status for ex in found}  # the 2nd night's conditional answers, whole too
    conditional = [exchanges.parse(ex.request_head) for ex in found if ex.status == 304]
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
