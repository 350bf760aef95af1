"""End-to-end: real cycles (a Scrapy child process) against fixture sites on 127.0.0.1.

Each folder in tests/sites/ with an expected.json is one case: the cycle must record exactly
its expected reports, never request what it must not, and archive verifiable bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive import blobs
from archive.config import Source
from archive.db import open_db
from crawler import describer
from crawler.middlewares import BodiedMetaRefreshMiddleware
from gongkai import cycle
from tests.helpers import SITES, expected, write_config

CASES = sorted(p.parent.name for p in SITES.glob("*/expected.json"))


def run_site(serve_site, tmp_path: Path, site: str):
    server = serve_site(site)
    spec = expected(site)
    config = write_config(
        tmp_path,
        [{"id": "site", "agency": spec["agency"], "start_urls": [server.url + spec["start_path"]]}],
        crawl=spec.get("crawl"),
    )
    result = cycle.run(config)
    return server, spec, config, result


def report_rows(database: Path, cycle_id: int | None = None) -> list[dict]:
    db = open_db(database)
    where = "" if cycle_id is None else f"WHERE last_seen_cycle = {int(cycle_id)}"
    return list(db.query(f"SELECT * FROM reports {where} ORDER BY url"))


@pytest.mark.parametrize("site", CASES)
def test_site_yields_exactly_the_expected_reports(serve_site, tmp_path, site):
    server, spec, config, result = run_site(serve_site, tmp_path, site)

    assert result.status == "completed", result.error
    got = {
        (r["url"].removeprefix(server.url), r["title"], r["year"], r["published_on"])
        for r in report_rows(config.database)
    }
    want = {(r["path"], r["title"], r["year"], r["published_on"]) for r in spec["reports"]}
    assert got == want
    assert all(r["agency"] == spec["agency"] for r in report_rows(config.database))
    textless = open_db(config.database).execute(
        "SELECT count(*) FROM report_versions WHERE text IS NULL OR text_sha256 IS NULL"
    )
    assert textless.fetchone()[0] == 0, "every version's text is read by the end of the cycle"
    for path in spec.get("never_requested", []):
        assert path not in server.paths, f"{path} must never be requested"


@pytest.mark.parametrize("site", CASES)
def test_every_response_is_archived_verifiably_and_once(serve_site, tmp_path, site):
    server, _spec, config, first = run_site(serve_site, tmp_path, site)
    db = open_db(config.database)
    fetched = db.execute("SELECT count(*) FROM fetches WHERE cycle_id = ?", [first.id]).fetchone()
    assert fetched[0] == len(server.requests), "one fetches row per HTTP exchange"
    blob_count = db.execute("SELECT count(*) FROM blobs").fetchone()[0]
    assert list(blobs.verify(db)) == []

    second = cycle.run(config)

    assert db.execute("SELECT count(*) FROM blobs").fetchone()[0] == blob_count
    assert len(report_rows(config.database, second.id)) == len(report_rows(config.database))
    assert [o.new_reports for o in second.outcomes] == [0]


def test_offsite_links_are_never_requested(serve_site, tmp_path):
    spec = expected("plain_gbk_nextpage")
    _server, _spec, config, _result = run_site(serve_site, tmp_path, "plain_gbk_nextpage")
    db = open_db(config.database)
    urls = [row[0] for row in db.execute("SELECT url FROM fetches")]
    for offsite in spec["offsite_links"]:
        assert offsite not in urls
    assert all(url.startswith("http://127.0.0.1:") for url in urls)


def test_a_crawl_opens_no_code_execution_server(serve_site, tmp_path):
    """Scrapy 2.19 starts, by default, an HTTP server on localhost that runs Python code sent
    to it (RemoteControl). A scheduled archiver's crawl opens none, as it opens no telnet
    console."""
    _server, _spec, _config, result = run_site(serve_site, tmp_path, "trs_paginated")

    log = result.log_path.read_text("utf-8")
    assert result.status == "completed", result.error
    assert "Remote control" not in log and "remote_control" not in log
    assert "Telnet console" not in log


def test_a_failing_source_is_recorded_and_the_others_still_run(serve_site, tmp_path):
    server = serve_site("trs_paginated")
    spec = expected("trs_paginated")
    dead = serve_site(tmp_path / "empty")  # a real server, stopped: its port refuses connections
    dead_url = dead.url
    dead.stop()
    config = write_config(
        tmp_path,
        [
            {"id": "dead", "agency": "某局", "start_urls": [dead_url + "/gknb/"]},
            {
                "id": "alive",
                "agency": spec["agency"],
                "start_urls": [server.url + spec["start_path"]],
            },
        ],
    )

    result = cycle.run(config)

    outcomes = {o.source_id: o for o in result.outcomes}
    assert result.status == "completed"
    assert outcomes["dead"].status == "failed"
    assert "no list page could be fetched" in outcomes["dead"].message
    assert outcomes["alive"].status == "ok"
    assert outcomes["alive"].reports == len(spec["reports"])
    db = open_db(config.database)
    stored = db.execute("SELECT sources_failed, reports FROM cycles WHERE id = ?", [result.id])
    assert stored.fetchone() == (1, len(spec["reports"]))


@pytest.mark.parametrize("site", ["ucap_gknb", "trs_paginated", "hanweb_dataproxy"])
def test_report_pages_described_in_a_worker_process_give_the_same_reports(
    serve_site, tmp_path, monkeypatch, site
):
    """Large crawls describe report pages in a worker process; the answers must not change."""
    monkeypatch.setenv(describer.INLINE_ENV, "0")
    monkeypatch.setenv(describer.WORKERS_ENV, "1")
    server, spec, config, result = run_site(serve_site, tmp_path, site)
    assert result.status == "completed", result.error
    assert "described in 1 worker" in result.log_path.read_text("utf-8")
    got = {
        (r["url"].removeprefix(server.url), r["title"], r["year"], r["published_on"])
        for r in report_rows(config.database)
    }
    assert got == {(r["path"], r["title"], r["year"], r["published_on"]) for r in spec["reports"]}
    attachments = open_db(config.database).execute("SELECT count(*) FROM attachments").fetchone()
    assert attachments[0] == len(spec.get("attachments", []))


def test_sources_crawled_in_batches_give_the_same_reports_as_one_crawl(serve_site, tmp_path):
    """`batch_sources` bounds a crawl process's memory; it must not change what is found."""
    sites = ["plain_gbk_nextpage", "trs_paginated"]
    servers = {site: serve_site(site) for site in sites}
    config = write_config(
        tmp_path,
        [{"id": site.replace("_", "-"), "agency": expected(site)["agency"],
          "start_urls": [servers[site].url + expected(site)["start_path"]]} for site in sites],
        crawl={"batch_sources": 1},
    )  # fmt: skip
    lines: list[str] = []
    result = cycle.run(config, progress=lines.append)

    assert result.status == "completed", result.error
    assert [line for line in lines if "crawl batch" in line] == [
        f"… cycle {result.id}: crawl batch 1/2, 1 sources",
        f"… cycle {result.id}: crawl batch 2/2, 1 sources",
    ]
    assert result.log_path.read_text("utf-8").count("Spider opened") == 2
    db = open_db(config.database)
    for site in sites:
        got = {
            (row["url"].removeprefix(servers[site].url), row["title"], row["year"])
            for row in db.query(
                "SELECT * FROM reports WHERE source_id = ?", [site.replace("_", "-")]
            )
        }
        assert got == {(r["path"], r["title"], r["year"]) for r in expected(site)["reports"]}
    assert {o.status for o in result.outcomes} == {"ok"}


def _source(source_id: str, *urls: str) -> Source:
    return Source(id=source_id, agency=source_id, start_urls=urls)


def test_batches_never_split_one_hosts_sources():
    """A shared portal's columns are one crawl: one robots.txt, one per-host limit."""
    a0, a1 = _source("a0", "http://a.gov.cn/x/"), _source("a1", "http://a.gov.cn/y/")
    a2, b0 = _source("a2", "http://a.gov.cn/z/"), _source("b0", "http://b.gov.cn/")

    assert cycle.batches([a0, a1, a2, b0], 2) == [[a0, a1, a2], [b0]]


def test_batches_keep_sources_that_share_any_host_together():
    """c0 crawls hosts a and c: a's sources and c's sources are then one group."""
    a0, a1 = _source("a0", "http://a.gov.cn/x/"), _source("a1", "http://a.gov.cn/y/")
    c0 = _source("c0", "http://c.gov.cn/", "http://a.gov.cn/c/")
    c1, d = _source("c1", "http://c.gov.cn/list/"), _source("d", "http://d.gov.cn/")
    e, f = _source("e", "http://e.gov.cn/"), _source("f", "http://f.gov.cn/")

    groups = cycle.batches([d, c1, a0, e, c0, a1, f], 2)

    assert sorted(s.id for s in groups[0]) == ["a0", "a1", "c0", "c1"]
    assert [[s.id for s in group] for group in groups[1:]] == [["d", "e"], ["f"]]
    assert sorted(s.id for group in groups for s in group) == [
        "a0",
        "a1",
        "c0",
        "c1",
        "d",
        "e",
        "f",
    ]


def test_a_meta_refresh_is_followed_and_a_bodiless_answer_passes_untouched():
    """Meta refresh is asked only of answers with a body: a 304 cannot hold one, and decoding
    its empty body was a cost paid on every request of an unchanged night."""
    middleware = BodiedMetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("http://gov.example/gknb/index_3.html")
    refresh = b'<html><head><meta http-equiv="refresh" content="0;url=./"></head></html>'
    page = HtmlResponse(request.url, body=refresh, request=request)
    followed = middleware.process_response(request, page)
    assert isinstance(followed, Request) and followed.url == "http://gov.example/gknb/"

    not_modified = HtmlResponse(request.url, status=304, body=b"", request=request)
    assert middleware.process_response(request, not_modified) is not_modified
