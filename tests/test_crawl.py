"""End-to-end: real cycles (a Scrapy child process) against fixture sites on 127.0.0.1.

Each folder in tests/sites/ with an expected.json is one case: the cycle must record exactly
its expected reports, never request what it must not, and archive verifiable bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cycle
from archive import blobs
from archive.db import open_db
from crawler import describer
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
