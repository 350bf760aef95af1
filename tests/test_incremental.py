"""Near-free nightly recrawls: an unchanged column costs one conditional list request, and a
changed one is walked only until a page holds nothing new — with the default rotation, not the
exhaustive settings the other tests use."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from archive import plan
from archive.db import open_db
from gongkai import cycle
from tests.helpers import write_config

AGENCY = "北河县水务局"


YEARS = [2022, 2021, 2020, 2019, 2018, 2017]


def quiet_source_id(full_walk_days: int) -> str:
    """A source id whose full walk is not due today, so tonight is an incremental night."""
    return next(
        f"bhsw{n}"
        for n in range(500)
        if not plan.full_walk_due(f"bhsw{n}", date.today(), full_walk_days)
    )


def serve_column(serve_site, tmp_path: Path, recheck_days: int, full_walk_days: int):
    """The three-page column of YEARS, served, and a config with one quiet source for it."""
    site = tmp_path / "site"
    write_site(site, YEARS)
    server = serve_site(site)
    source = {"id": quiet_source_id(full_walk_days), "agency": AGENCY,
              "start_urls": [server.url + "/gknb/"]}  # fmt: skip
    crawl = {"recheck_days": recheck_days, "full_walk_days": full_walk_days}
    return site, server, write_config(tmp_path, [source], crawl=crawl)


def report(year: int) -> str:
    title = f"{AGENCY}{year}年政府信息公开工作年度报告"
    return (
        f'<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}"></head>'
        f"<body><h1>{title}</h1><p>发布日期：{year + 1}-01-20</p><p>正文{year}</p></body></html>"
    )


def write_site(root: Path, years: list[int]) -> None:
    """Three list pages of two reports each, newest first, linked by 下一页."""
    (root / "gknb").mkdir(parents=True, exist_ok=True)
    pages = [years[i : i + 2] for i in range(0, len(years), 2)]
    for n, page_years in enumerate(pages):
        items = "".join(
            f'<li><a href="/gknb/{y}.html">{AGENCY}{y}年政府信息公开工作年度报告</a></li>'
            for y in page_years
        )
        more = f'<a href="/gknb/index_{n + 1}.html">下一页</a>' if n + 1 < len(pages) else ""
        name = "index.html" if n == 0 else f"index_{n}.html"
        (root / "gknb" / name).write_text(
            f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul>{more}</body></html>',
            "utf-8",
        )
    for y in years:
        (root / "gknb" / f"{y}.html").write_text(report(y), "utf-8")


def list_requests(server, since: int) -> list[str]:
    return [r.path for r in server.requests[since:] if "/index" in r.path or r.path == "/gknb/"]


def test_an_unchanged_column_costs_one_request_and_a_new_report_stops_the_walk(
    serve_site, tmp_path
):
    site, server, config = serve_column(serve_site, tmp_path, recheck_days=7, full_walk_days=7)
    first = cycle.run(config)
    assert first.outcomes[0].reports == 6

    source_id = config.sources[0].id
    known = plan.known_reports(open_db(config.database), source_id, date.today(), 7)
    due = sorted(f"/gknb/{Path(k.url).name}" for k in known.values() if k.due)
    before = len(server.requests)
    second = cycle.run(config)
    asked = server.requests[before:]
    lists = [r for r in asked if r.path == "/gknb/"]
    assert len(list_requests(server, before)) == 1 and "If-None-Match" in lists[0].headers
    rechecked = sorted(r.path for r in asked if r.path.startswith("/gknb/20"))
    assert rechecked == due, "tonight's due reports are re-verified though the list was a 304"
    assert all("If-None-Match" in r.headers for r in asked if r.path in due)
    assert second.outcomes[0].status == "ok" and second.outcomes[0].reports == 6
    assert second.events == {}

    write_site(site, [2023, *YEARS])
    before = len(server.requests)
    third = cycle.run(config)
    assert third.events == {"new": 1}
    assert list_requests(server, before) == ["/gknb/", "/gknb/index_1.html"], (
        "page 1 changed; page 2 holds only known reports; page 3 is not asked"
    )
    db = open_db(config.database)
    statuses = [row[0] for row in db.execute("SELECT status FROM reports")]
    assert statuses.count("active") == 7, "not walking the rest is not evidence of removal"


def test_a_deleted_deep_report_brings_the_full_walk_forward_and_is_removed_within_days(
    serve_site, tmp_path
):
    """The scheduled full walk is weeks away; a 404 on re-verification must not wait for it."""
    site, server, config = serve_column(serve_site, tmp_path, recheck_days=1, full_walk_days=1000)
    source_id = config.sources[0].id
    cycle.run(config)
    db = open_db(config.database)
    assert not plan.removal_pending(db, source_id)

    # The agency deletes its 2017 report: the page and its entry on the last list page.
    (site / "gknb" / "2017.html").unlink()
    last = site / "gknb" / "index_2.html"
    entry = f'<li><a href="/gknb/2017.html">{AGENCY}2017年政府信息公开工作年度报告</a></li>'
    last.write_text(last.read_text("utf-8").replace(entry, ""), "utf-8")
    assert "2017" not in last.read_text("utf-8")

    before = len(server.requests)
    second = cycle.run(config)
    assert list_requests(server, before) == ["/gknb/"], "page 1 unchanged: an incremental night"
    assert second.events == {}, "a 404 after a partial walk is not yet evidence"
    assert plan.removal_pending(db, source_id)

    before = len(server.requests)
    third = cycle.run(config)
    walked = list_requests(server, before)
    assert walked == ["/gknb/", "/gknb/index_1.html", "/gknb/index_2.html"], "walked whole"
    assert third.events == {"removed": 1}, "the second failed check, after a complete walk"
    status = db.execute("SELECT status FROM reports WHERE year = 2017").fetchone()[0]
    assert status == "removed"
    assert not plan.removal_pending(db, source_id), "once confirmed, no more forced walks"
    before = len(server.requests)
    cycle.run(config)
    assert list_requests(server, before) == ["/gknb/"], "an incremental night again"
