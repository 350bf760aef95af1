"""Each exchange kept whole: request as sent, response headers as received, the peer's IP."""

from __future__ import annotations

import gzip
import time

from archive import blobs, evidence, exchanges
from archive.db import open_db
from gongkai import cycle
from tests.evidence_site import HEADERS_TOML, crawled, evidence_column
from tests.helpers import expected, write_config


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


def test_header_blocks_are_stored_once_and_the_last_verification_keeps_its_date(
    serve_site, tmp_path
):
    """A quiet night's 304 is not a fetch row: it updates the record of the exchange it
    confirmed (archive/verified.py), whose heads — shared by every report — and Date move."""
    _site, server, config = crawled(serve_site, tmp_path, cycles=2)
    db = open_db(config.database)
    url = server.url + "/gknb/2021.html"
    (second,) = evidence.exchanges_where(db, "url = ? AND status = 304", [url])
    blocks = db.execute("SELECT count(*) FROM header_blocks").fetchone()
    time.sleep(1.1)  # a third night whose answers carry another Date
    assert cycle.run(config).status == "completed"
    (third,) = evidence.exchanges_where(db, "url = ? AND status = 304", [url])
    assert third.id == second.id and third.fetched_at > second.fetched_at
    asked = [exchanges.parse(ex.request_head).get("If-None-Match") for ex in (second, third)]
    assert asked[0] and asked[0] == asked[1]
    dates = [exchanges.parse(ex.response_head).get("Date") for ex in (second, third)]
    assert dates[0] != dates[1] and all(d.endswith(" GMT") for d in dates)
    heads = db.execute(
        "SELECT DISTINCT request_headers, response_headers FROM last_verified WHERE status = 304"
    ).fetchall()
    assert len(heads) == 1  # every report's conditional request and 304: one block each
    assert db.execute("SELECT count(*) FROM header_blocks").fetchone() == blocks  # none new


def test_the_response_head_keeps_the_content_encoding_the_body_was_sent_with(serve_site, tmp_path):
    """ResponseHeadMiddleware reads the head before HttpCompressionMiddleware drops the
    Content-Encoding it undid: the log keeps the head as sent, the archive the page as read."""
    site, server, config = evidence_column(serve_site, tmp_path)
    page = site / "gknb" / "2021.html"
    plain = page.read_bytes()
    page.write_bytes(gzip.compress(plain))
    gzipped = '["/gknb/2021.html"]\nheaders = { "Content-Encoding" = "gzip" }\n'
    (site / "_headers.toml").write_text(gzipped + HEADERS_TOML, "utf-8")
    assert cycle.run(config).status == "completed"
    db = open_db(config.database)
    (ex,) = evidence.exchanges_where(db, "url = ?", [server.url + "/gknb/2021.html"])
    assert exchanges.parse(ex.response_head).get("Content-Encoding") == "gzip"
    assert blobs.get(db, ex.sha256) == plain


def test_splitting_the_date_off_is_lossless():
    for block in [
        b"HTTP/1.1 200 OK\r\nServer: x\r\nDate: Fri, 04 Dec 2026 15:01:23 GMT\r\n",
        b"HTTP/1.1 200 OK\r\ndate:Fri\r\nDATE: second\r\n",
        b"HTTP/1.1 200 OK\r\nDate: \r\nX-Date: 1\r\n",
        b'HTTP/1.1 304 Not Modified\r\nETag: "1"\r\n',
    ]:
        stored, date = exchanges.split_date(block)
        assert exchanges.join_date(stored, date) == block


def test_a_post_keeps_its_body(serve_site, tmp_path):
    server = serve_site("hanweb_dataproxy")
    spec = expected("hanweb_dataproxy")
    source = {"id": "hw", "agency": spec["agency"], "start_urls": [server.url + spec["start_path"]]}
    config = write_config(tmp_path, [source])
    assert cycle.run(config).status == "completed"
    db = open_db(config.database)
    posts = evidence.exchanges_where(db, "method = 'POST'", [])
    assert posts
    for ex in posts:
        body = blobs.get(db, ex.request_body)
        assert b"columnid=58231" in body  # the form fields, as POSTed
        assert exchanges.parse(ex.request_head).get("Content-Length") == str(len(body))
        assert exchanges.parse(ex.request_head).first_line.startswith("POST /module/web/jpage/")
        assert (
            exchanges.parse(ex.request_head)
            .get("Content-Type")
            .startswith("application/x-www-form-urlencoded")
        )
