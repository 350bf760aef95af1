"""Events the archive's own evidence supports, proven with real cycles on changing fixture sites.

Each test drives the sequence that used to produce a false statement (issue 13): a report
replaced by a "not found" stub that was never removed, an on-time report re-judged late after
an edit, a revert raising no `changed` event, and a re-post taken for a move.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from archive import alerts, register
from archive.db import open_db
from gongkai import cycle
from tests.helpers import write_config
from tests.test_incremental import quiet_source_id
from tests.test_incremental import report as plain_report
from tests.test_incremental import write_site as write_paged_site
from tests.test_register import add_cycle, add_report, sources
from tests.test_watch import BASE, body_of, events_of, watched_column, write_site

STUB = (
    '<html><head><meta charset="utf-8"><title>页面不存在</title></head>'
    "<body><h1>页面不存在</h1><p>您访问的页面不存在或已被删除。</p></body></html>"
)


def test_a_report_replaced_in_place_by_a_not_found_stub_is_removed_on_the_second_check(
    serve_site, tmp_path
):
    site, server, config = watched_column(serve_site, tmp_path)
    cycle.run(config)
    db = open_db(config.database)
    report_etag = db.execute(
        "SELECT etag FROM fetches WHERE url LIKE '%/2019.html' AND status = 200"
    ).fetchone()[0]

    # The agency unlinks its 2019 report and its URL now serves a soft-404 stub (status 200).
    write_site(site, {p: y for p, y in BASE.items() if y != 2019})
    (site / "gknb" / "2019.html").write_text(STUB, "utf-8")

    second = cycle.run(config)
    assert events_of(config.database, second.id) == [], "one soft-404 is not yet a removal"
    gone = db.execute("SELECT gone_count FROM reports WHERE url LIKE '%/2019.html'").fetchone()
    assert gone == (1,)

    before = len(server.requests)
    third = cycle.run(config)
    asked = [r for r in server.requests[before:] if r.path == "/gknb/2019.html"]
    assert [r.headers.get("If-None-Match") for r in asked] == [report_etag], (
        "re-verified against the report's own body, not the stub's"
    )
    assert events_of(config.database, third.id) == [("removed", "2019.html", 0)]
    assert db.execute("SELECT status FROM reports WHERE url LIKE '%/2019.html'").fetchone() == (
        "removed",
    )
    stub_sightings = db.execute(
        "SELECT count(*) FROM sightings WHERE url LIKE '%/2019.html' AND how = 'not_modified'"
        " AND cycle_id > ?",
        [second.id - 1],
    ).fetchone()[0]
    assert stub_sightings == 0, "a 304 to the stub's validators never confirms the report"

    fourth = cycle.run(config)
    assert events_of(config.database, fourth.id) == [], "a removal is reported once"


# ---------------------------------------------------------------------------------------------

AGENCY = "东江市审计局"
DATED = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{day} 09:00">
<title>{title}</title></head><body><h1>{title}</h1><p>发布日期：{day}</p>
<div class="TRS_Editor"><p>2025年，本机关主动公开政府信息{count}条。</p></div></body></html>"""


def write_dated_site(root: Path, day: str, count: int) -> None:
    """A column with one report for 2025, stating `day` as its publication date."""
    title = f"{AGENCY}2025年政府信息公开工作年度报告"
    (root / "gknb").mkdir(parents=True, exist_ok=True)
    (root / "gknb" / "index.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><ul><li><a href="/gknb/2025.html">'
        f"{title}</a><span>{day}</span></li></ul></body></html>",
        "utf-8",
    )
    page = DATED.format(title=title, day=day, count=count)
    (root / "gknb" / "2025.html").write_text(page, "utf-8")


def stamp(day: str) -> str:
    return f"{day}T02:30:00+00:00"


def test_an_on_time_report_redated_by_a_later_edit_stays_on_time(serve_site, tmp_path):
    site = tmp_path / "site"
    write_dated_site(site, "2026-01-20", 123)
    server = serve_site(site)
    source = {"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}
    config = write_config(tmp_path, [source], alerts={"urls": []})
    first = cycle.run(config)
    db = open_db(config.database)
    # As if we had watched the agency since January and first seen the report on 25 January,
    # before its deadline (2026-01-31).
    db.execute("UPDATE cycles SET started_at = ? WHERE id = ?", [stamp("2026-01-10"), first.id])
    db.execute("UPDATE reports SET first_seen_at = ?", [stamp("2026-01-25")])
    db.execute("UPDATE report_versions SET first_seen_at = ?", [stamp("2026-01-25")])
    db.conn.commit()

    # Months later a typo is fixed and the CMS re-dates the page.
    write_dated_site(site, "2026-11-20", 132)
    second = cycle.run(config)

    assert second.events == {"changed": 1}, "an edit, not a late publication"
    row = db["register"].get(("djsj", 2025))
    assert (row["status"], row["published_on"], row["evidence"], row["days_late"]) == (
        "on_time",
        "2026-01-20",
        "published_on",
        0,
    )
    assert db.execute("SELECT published_on FROM reports").fetchone() == ("2026-01-20",)
    stated = db.execute(
        "SELECT published_on, published_on_evidence FROM report_versions ORDER BY first_seen_at"
    ).fetchall()
    assert stated == [("2026-01-20", "label"), ("2026-11-20", "label")], (
        "every date a version stated is kept"
    )


def test_a_stated_date_later_than_our_first_sighting_is_not_the_publication_date():
    due, today, watched = date(2026, 1, 31), date(2026, 3, 1), date(2025, 12, 1)
    assert register.judge(due, today, watched, date(2026, 2, 10), date(2026, 1, 25)) == (
        "on_time",
        "first_seen",
        0,
    ), "seen on 25 January: public before the deadline, whatever the page says now"
    assert register.judge(due, today, watched, date(2026, 2, 10), date(2026, 2, 5)) == (
        "late",
        "first_seen",
        5,
    ), "late, but by no more than our own evidence shows"


def test_a_late_alert_states_the_date_its_verdict_rests_on(tmp_path):
    """Watched since December; first seen on 5 February, though the page says 20 February:
    five days late by our own sighting, and the alert says so."""
    db = open_db(tmp_path / "archive.db")
    config = write_config(tmp_path, sources(sjj={"since": 2025}), alerts={"urls": []})
    add_cycle(db, "2025-12-01", {"sjj": "ok"})
    today = add_cycle(db, "2026-02-05", {"sjj": "ok"})
    add_report(db, "sjj", 2025, "2026-02-20", "2026-02-05", today)

    assert register.update(db, config, today, date(2026, 2, 5)) == {"published_late": 1}
    row = db["register"].get(("sjj", 2025))
    assert (row["status"], row["evidence"], row["days_late"]) == ("late", "first_seen", 5)
    event_id = db.execute("SELECT id FROM events WHERE kind = 'published_late'").fetchone()[0]
    body = alerts.render(db, event_id)[1]
    assert "发布日期 Published: 2026-02-05" in body and "逾期 Days late: 5 天" in body, body


# ---------------------------------------------------------------------------------------------


def test_reverting_an_edit_and_making_it_again_are_each_a_change(serve_site, tmp_path):
    site, _server, config = watched_column(serve_site, tmp_path)
    cycle.run(config)
    text_a = "2020年第3段：本机关主动公开政府信息21条。"
    text_b = "2020年第3段：本机关主动公开政府信息12条。"
    edited = {"/gknb/2020.html": body_of(2020).replace("信息21条", "信息12条")}

    diffs = []
    for night, edits in enumerate([edited, None, edited], start=2):
        write_site(site, BASE, edits=edits)  # the same bytes as the first time
        result = cycle.run(config)
        assert events_of(config.database, result.id) == [("changed", "2020.html", 0)], night
        db = open_db(config.database)
        diffs.append(
            db.execute("SELECT detail FROM events WHERE cycle_id = ?", [result.id]).fetchone()[0]
        )

    for diff, (old, new) in zip(
        diffs, [(text_a, text_b), (text_b, text_a), (text_a, text_b)], strict=True
    ):
        assert f"-{old}" in diff and f"+{new}" in diff, diff
    db = open_db(config.database)
    versions = db.execute(
        "SELECT count(*) FROM report_versions v JOIN reports r ON r.id = v.report_id"
        " WHERE r.url LIKE '%/2020.html'"
    ).fetchone()[0]
    assert versions == 2, "a body served again is not a new version"
    served = db.execute(
        "SELECT count(*) FROM served_versions s JOIN reports r ON r.id = s.report_id"
        " WHERE r.url LIKE '%/2020.html'"
    ).fetchone()[0]
    assert served == 4, "but it is served again: A, B, A, B"


# ---------------------------------------------------------------------------------------------


def test_a_repost_while_the_original_is_still_listed_deeper_is_new_not_a_move(serve_site, tmp_path):
    years = [2022, 2021, 2020, 2019, 2018, 2017]
    site = tmp_path / "site"
    write_paged_site(site, years)  # three list pages; 2018 is on the third
    server = serve_site(site)
    source = {"id": quiet_source_id(1000), "agency": "北河县水务局",
              "start_urls": [server.url + "/gknb/"]}  # fmt: skip
    config = write_config(tmp_path, [source], crawl={"recheck_days": 7, "full_walk_days": 1000})
    cycle.run(config)

    # A corrected re-post of the 2018 report, same title, appears on page 1; the original
    # stays linked on page 3, which tonight's incremental walk does not reach.
    first_page = site / "gknb" / "index.html"
    title = "北河县水务局2018年政府信息公开工作年度报告"
    first_page.write_text(
        first_page.read_text("utf-8").replace(
            "<ul>", f'<ul><li><a href="/gknb/2018-fix.html">{title}</a></li>'
        ),
        "utf-8",
    )
    (site / "gknb" / "2018-fix.html").write_text(
        plain_report(2018).replace("正文2018", "正文2018（更正）"), "utf-8"
    )
    before = len(server.requests)
    second = cycle.run(config)
    assert "/gknb/index_2.html" not in [r.path for r in server.requests[before:]]
    assert events_of(config.database, second.id) == [("new", "2018-fix.html", 0)]
    db = open_db(config.database)
    urls = [row[0].rsplit("/", 1)[-1] for row in db.execute("SELECT url FROM reports")]
    assert "2018.html" in urls and "2018-fix.html" in urls, "the original keeps its URL"
    assert db.execute("SELECT count(*) FROM reports WHERE moved_from IS NOT NULL").fetchone() == (
        0,
    )

    config = write_config(tmp_path, [source], crawl={"recheck_days": 7, "full_walk_days": 1})
    before = len(server.requests)
    third = cycle.run(config)
    assert "/gknb/index_2.html" in [r.path for r in server.requests[before:]], "a full walk"
    assert events_of(config.database, third.id) == [], "the original was never new"
    assert db.execute("SELECT count(*) FROM reports").fetchone() == (7,)


def test_a_repost_whose_original_answers_404_on_an_incremental_night_is_a_move(
    serve_site, tmp_path
):
    site = tmp_path / "site"
    write_paged_site(site, [2022, 2021, 2020, 2019, 2018, 2017])
    server = serve_site(site)
    source = {"id": quiet_source_id(1000), "agency": "北河县水务局",
              "start_urls": [server.url + "/gknb/"]}  # fmt: skip
    config = write_config(tmp_path, [source], crawl={"recheck_days": 1, "full_walk_days": 1000})
    cycle.run(config)

    # The 2018 report moves to a new URL, announced on page 1; its old URL now answers 404
    # (page 3, which still links it, is not walked tonight).
    first_page = site / "gknb" / "index.html"
    title = "北河县水务局2018年政府信息公开工作年度报告"
    first_page.write_text(
        first_page.read_text("utf-8").replace(
            "<ul>", f'<ul><li><a href="/gknb/2018-fix.html">{title}</a></li>'
        ),
        "utf-8",
    )
    (site / "gknb" / "2018.html").rename(site / "gknb" / "2018-fix.html")
    second = cycle.run(config)

    assert events_of(config.database, second.id) == [("moved", "2018-fix.html", 0)]
    db = open_db(config.database)
    row = db.execute("SELECT moved_from, gone_count, status FROM reports WHERE year = 2018")
    assert [(old.rsplit("/", 1)[-1], gone, status) for old, gone, status in row] == [
        ("2018.html", 0, "active")
    ], "one report, moved; a 404 after a partial walk is no removal evidence"


def test_a_report_unlisted_and_404_from_the_next_night_on_is_removed_after_the_second_night(
    serve_site, tmp_path
):
    """Issue 14 item 4, the measured sequence: the first 404 comes on an incremental night
    (the list page is a 304), the second with the complete walk it brings forward. Two
    consecutive failed checks with the report gone from the list: removed on that night."""
    site = tmp_path / "site"
    write_paged_site(site, [2022, 2021, 2020, 2019, 2018, 2017])
    server = serve_site(site)
    source = {"id": quiet_source_id(1000), "agency": "北河县水务局",
              "start_urls": [server.url + "/gknb/"]}  # fmt: skip
    config = write_config(tmp_path, [source], crawl={"recheck_days": 1, "full_walk_days": 1000})
    cycle.run(config)

    # The 2017 report is dropped from the last list page and its URL answers 404 from now on.
    (site / "gknb" / "2017.html").unlink()
    last = site / "gknb" / "index_2.html"
    last.write_text(re.sub(r"<li><a href=\"/gknb/2017.html\">.*?</li>", "",
                           last.read_text("utf-8")), "utf-8")  # fmt: skip
    db = open_db(config.database)
    status = "SELECT status FROM reports WHERE year = 2017"

    before = len(server.requests)
    night2 = cycle.run(config)
    walked = [r.path for r in server.requests[before:] if "index" in r.path or r.path == "/gknb/"]
    assert walked == ["/gknb/"], "an incremental night: the first list page answered 304"
    assert events_of(config.database, night2.id) == [], "one failed check is not a removal"
    assert db.execute(status).fetchone() == ("active",)

    before = len(server.requests)
    night3 = cycle.run(config)
    walked = [r.path for r in server.requests[before:] if "index" in r.path or r.path == "/gknb/"]
    assert walked == ["/gknb/", "/gknb/index_1.html", "/gknb/index_2.html"], "a complete walk"
    assert events_of(config.database, night3.id) == [("removed", "2017.html", 0)], (
        "404 twice, the report gone from the list both times: removed on the second night"
    )
    assert db.execute(status).fetchone() == ("removed",)

    night4 = cycle.run(config)
    assert events_of(config.database, night4.id) == [], "a removal is reported once"
    assert db.execute(status).fetchone() == ("removed",)
