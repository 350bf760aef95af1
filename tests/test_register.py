"""The register: deadlines as data, each agency-year's status, and the overdue / late alerts.

Rules are pure functions tested with explicit dates; the register is computed over real SQLite
archives built row by row; the alerts are proven end to end with real cycles against a fixture
site and a real webhook receiver; the CLI runs against the demo sites.
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from archive import alerts, register
from archive.config import ConfigError, LocalRule, parse
from archive.db import open_db
from gongkai import cycle
from gongkai.cli import cli
from tests import reference_queries as reference
from tests.helpers import write_config
from tests.test_demo import free_port_pair
from tests.test_identity import PORT, write_port_column
from tests.test_owed_work import TABLES
from tests.test_watch import BASE, body_of
from tests.test_watch import write_site as watch_site

D = date.fromisoformat


# ---------------------------------------------------------------------------------------------
# Deadline rules


@pytest.mark.parametrize(
    ("year", "kind", "due", "basis"),
    [
        (2014, "department", "2015-03-31", "2008 条例 第三十一条"),
        (2014, "government", "2015-03-31", "2008 条例 第三十一条"),
        (2018, "department", "2019-03-31", "2008 条例 第三十一条"),
        (2018, "government", "2019-03-31", "2008 条例 第三十一条"),
        (2019, "department", "2020-01-31", "2019 条例 第四十九条"),
        (2019, "government", "2020-03-31", "2019 条例 第四十九条"),
        (2024, "department", "2025-01-31", "2019 条例 第四十九条"),
        (2024, "government", "2025-03-31", "2019 条例 第四十九条"),
    ],
)
def test_national_deadlines_by_report_year_and_kind(year, kind, due, basis):
    assert register.deadline(year, kind) == register.Deadline(D(due), basis)


def test_the_national_rules_are_read_from_the_shipped_data_file():
    rules = register.national_rules()
    assert register.DEADLINES.name == "deadlines.toml" and register.DEADLINES.exists()
    assert {(r.first_year, r.last_year, r.kind, r.due) for r in rules} == {
        (2008, 2018, "all", "03-31"),
        (2019, None, "department", "01-31"),
        (2019, None, "government", "03-31"),
    }
    with pytest.raises(ValueError, match="no deadline rule covers report year 2007"):
        register.deadline(2007, "department")


def test_a_provincial_rule_overrides_the_national_date_for_its_agencies_and_years():
    local = (
        LocalRule(place="湖南", due="03-10"),
        LocalRule(place="岳阳", due="02-28", kind="department", last_year=2018),
        LocalRule(place="岳阳", due="02-20", kind="government", last_year=2018),
    )
    yueyang = "岳阳市生态环境局"
    assert register.deadline(2017, "department", yueyang, local) == register.Deadline(
        D("2018-02-28"), "local rule: 岳阳"
    ), "the longest matching place wins over 湖南"
    assert register.deadline(2017, "government", "岳阳市人民政府", local).due_on == D("2018-02-20")
    assert register.deadline(2017, "department", "湖南省财政厅", local).due_on == D("2018-03-10")
    assert register.deadline(2019, "department", yueyang, local).due_on == D("2020-01-31"), (
        "岳阳's rules end with report year 2018"
    )
    assert register.deadline(2019, "department", "湖南省财政厅", local).due_on == D("2020-03-10")
    assert register.deadline(2017, "department", "广州海关", local).due_on == D("2018-03-31")
    assert register.deadline(2024, "department", yueyang, local, source_due="01-15") == (
        register.Deadline(D("2025-01-15"), "source due")
    ), "a source's own date wins over everything"


@pytest.mark.parametrize(
    ("agency", "kind"),
    [
        ("深圳市人民政府", "government"),
        ("北京市朝阳区人民政府", "government"),
        ("广东省人民政府办公厅", "government"),
        ("沭阳县人民政府办公室", "government"),
        ("深圳市人民政府口岸办公室", "department"),
        ("广州海关", "department"),
        ("沭阳县发展和改革局", "department"),
    ],
)
def test_the_kind_is_guessed_from_the_agency_name(agency, kind):
    assert register.guess_kind(agency) == kind


def test_judging_one_agency_year():
    due = D("2026-01-31")  # the 2025 report of a department
    watched = D("2025-12-01")
    assert register.judge(due, D("2026-03-01"), watched, D("2026-02-10"), D("2026-02-11")) == (
        "late",
        "published_on",
        10,
    )
    assert register.judge(due, D("2026-03-01"), watched, D("2026-01-31"), D("2026-02-11")) == (
        "on_time",
        "published_on",
        0,
    ), "published on the deadline day is on time, whenever we saw it"
    assert register.judge(due, D("2026-02-01"), watched) == ("overdue", None, 1)
    assert register.judge(due, D("2026-01-31"), watched) == ("not_due", None, None)
    assert register.judge(due, D("2026-11-23"), D("2026-02-01")) == (
        "missing_before_tracking",
        None,
        None,
    )
    assert register.judge(due, D("2026-11-23"), None) == ("missing_before_tracking", None, None)
    undated_late = register.judge(due, D("2026-03-01"), watched, None, D("2026-02-03"))
    assert undated_late == ("late", "first_seen", 3)
    assert register.judge(due, D("2026-03-01"), watched, None, D("2026-01-20")) == (
        "on_time",
        "first_seen",
        0,
    )
    assert register.judge(due, D("2026-11-23"), D("2026-11-23"), None, D("2026-11-23")) == (
        "undated",
        None,
        None,
    ), "seen only after a deadline that passed before tracking: cannot tell"


# ---------------------------------------------------------------------------------------------
# Config


def config_of(tmp_path: Path, source: dict | None = None, **sections) -> object:
    base = {"id": "a", "agency": "东江市审计局", "start_urls": ["http://127.0.0.1:9/gknb/"]}
    return parse({**sections, "sources": [{**base, **(source or {})}]}, tmp_path / "t.toml")


def test_register_config_keys_are_read_and_checked(tmp_path):
    config = config_of(
        tmp_path,
        {"kind": "government", "since": 2016, "due": "02-20"},
        register={"local_rules": [{"place": "岳阳", "kind": "department", "due": "02-28"}]},
    )
    source = config.sources[0]
    assert (source.kind, source.since, source.due) == ("government", 2016, "02-20")
    assert config.register.local_rules == (LocalRule("岳阳", "02-28", "department"),)
    assert "overdue" in config.alerts.on and "published_late" in config.alerts.on
    assert register.kind_of(config_of(tmp_path).sources[0]) == ("department", True)

    bad = [
        ({"kind": "ministry"}, {}, "source 'a': key 'kind' takes values from department, gov"),
        ({"due": "13-01"}, {}, "source 'a': key 'due' must be a month-day \"MM-DD\""),
        ({"due": "02-29"}, {}, "key 'due' must be a month-day"),
        ({"since": 2005}, {}, "key 'since' must be at least 2008"),
        ({}, {"local_rules": [{"place": "岳阳"}]}, "[register]: key 'local_rules' entry #1: 'due'"),
        ({}, {"local_rules": [{"place": "", "due": "02-28"}]}, "entry #1: 'place' must be"),
        ({}, {"local_rules": [{"place": "岳", "due": "02-28", "to": 2018, "from": 2019}]}, "after"),
        ({}, {"local_rules": [{"place": "岳", "due": "02-28", "kind": "x"}]}, "'kind' takes"),
        ({}, {"local_rules": [{"place": "岳", "due": "02-28", "till": 1}]}, "unknown key 'till'"),
        ({}, {"local_rules": ["岳阳 02-28"]}, "must be a list of tables"),
    ]
    for source_keys, section, message in bad:
        with pytest.raises(ConfigError) as error:
            config_of(tmp_path, source_keys, register=section)
        assert message in str(error.value) and str(tmp_path / "t.toml") in str(error.value)


# ---------------------------------------------------------------------------------------------
# The register over an archive


def stamp(day: str) -> str:
    """02:30 UTC on `day`: the same day in Asia/Shanghai."""
    return f"{day}T02:30:00+00:00"


def add_cycle(db: Database, day: str, statuses: dict[str, str]) -> int:
    cycle_id = db["cycles"].insert({"started_at": stamp(day), "status": "completed"}).last_pk
    for source_id, status in statuses.items():
        db["cycle_sources"].insert(
            {"cycle_id": cycle_id, "source_id": source_id, "agency": "?", "status": status}
        )
    return cycle_id


def add_report(
    db: Database,
    source_id: str,
    year: int,
    published: str | None,
    seen: str,
    cycle_id: int,
    page: str = "",
) -> int:
    return (
        db["reports"]
        .insert(
            {
                "source_id": source_id,
                "agency": AGENCIES[source_id],
                "title": f"{AGENCIES[source_id]}{year}年政府信息公开工作年度报告",
                "year": year,
                "published_on": published,
                "url": f"http://127.0.0.1:9/{source_id}/{page or year}.html",
                "first_seen_at": stamp(seen),
                "last_seen_at": stamp(seen),
                "first_seen_cycle": cycle_id,
                "last_seen_cycle": cycle_id,
                "status": "active",
            }
        )
        .last_pk
    )


AGENCIES = {"sjj": "东江市审计局", "zf": "东江市人民政府", "hb": "东江市生态环境局"}


def sources(**extra: dict) -> list[dict]:
    return [
        {"id": sid, "agency": agency, "start_urls": [f"http://127.0.0.1:9/{sid}/"], **extra[sid]}
        for sid, agency in AGENCIES.items()
        if sid in extra
    ]


def rows_by_key(rows: list[dict]) -> dict[tuple[str, int], tuple]:
    return {
        (r["source_id"], r["year"]): (r["status"], r["due_on"], r["days_late"], r["evidence"])
        for r in rows
    }


def test_the_register_of_an_archive_on_a_given_day(tmp_path):
    config = write_config(tmp_path, sources(sjj={"since": 2023}, zf={"since": 2025}, hb={}))
    db = open_db(config.database)
    first = add_cycle(db, "2025-12-01", {"sjj": "ok", "zf": "ok", "hb": "ok"})
    add_report(db, "sjj", 2023, "2024-01-20", "2025-12-01", first)
    add_report(db, "sjj", 2025, "2026-02-10", "2026-02-11", first)
    add_report(db, "sjj", 2025, None, "2026-02-20", first, "copy")  # later: not chosen

    rows = register.compute(db, config, D("2026-03-01"))

    assert rows_by_key(rows) == {
        ("sjj", 2023): ("on_time", "2024-01-31", 0, "published_on"),
        ("sjj", 2024): ("missing_before_tracking", "2025-01-31", None, None),
        ("sjj", 2025): ("late", "2026-01-31", 10, "published_on"),
        ("zf", 2025): ("not_due", "2026-03-31", None, None),
        ("hb", 2025): ("overdue", "2026-01-31", 29, None),
    }
    late = next(r for r in rows if r["status"] == "late")
    assert (late["published_on"], late["first_seen_on"], late["kind"]) == (
        "2026-02-10",
        "2026-02-11",
        "department",
    )
    assert next(r for r in rows if r["source_id"] == "zf")["kind"] == "government"
    assert register.compute(db, config, D("2026-04-01"))[3]["status"] == "overdue"


def test_years_start_at_the_earliest_report_found_and_use_local_rules(tmp_path):
    config = write_config(tmp_path, sources(hb={"due": "01-15"}, zf={}))
    db = open_db(config.database)
    first = add_cycle(db, "2026-01-01", {"hb": "ok", "zf": "ok"})
    add_report(db, "hb", 2022, "2023-01-10", "2026-01-01", first)
    add_report(db, "hb", 2025, "2026-01-20", "2026-01-21", first)

    rows = rows_by_key(register.compute(db, config, D("2026-11-23")))

    assert rows == {
        ("hb", 2022): ("on_time", "2023-01-15", 0, "published_on"),
        ("hb", 2023): ("missing_before_tracking", "2024-01-15", None, None),
        ("hb", 2024): ("missing_before_tracking", "2025-01-15", None, None),
        ("hb", 2025): ("late", "2026-01-15", 5, "published_on"),
        ("zf", 2025): ("overdue", "2026-03-31", 237, None),
    }


def events_of(db: Database, kind: str | None = None) -> list[tuple]:
    return db.execute(
        "SELECT cycle_id, kind, source_id, year, report_id, baseline FROM events"
        + (" WHERE kind = ?" if kind else "")
        + " ORDER BY id",
        [kind] if kind else [],
    ).fetchall()


def test_overdue_is_recorded_once_and_a_late_report_flips_it_with_one_more_event(tmp_path):
    config = write_config(tmp_path, sources(sjj={"since": 2025}), alerts={"urls": ["json://x"]})
    db = open_db(config.database)

    def cycle_on(day: str, status: str = "ok") -> int:
        cycle_id = add_cycle(db, day, {"sjj": status})
        register.update(db, config, cycle_id, D(day))
        return cycle_id

    cycle_on("2026-01-10")  # the baseline: 2025 is not due yet
    assert events_of(db) == []
    failing = cycle_on("2026-02-01", status="failed")
    assert events_of(db) == [], "no overdue alert while the source's crawl fails"
    assert db["register"].get(("sjj", 2025))["status"] == "overdue"

    overdue = cycle_on("2026-02-02")
    assert overdue == failing + 1
    for day in ("2026-02-03", "2026-02-05", "2026-02-09"):
        cycle_on(day)
    assert events_of(db) == [(overdue, "overdue", "sjj", 2025, None, 0)]
    assert db["register"].get(("sjj", 2025))["days_late"] == 9

    found = add_cycle(db, "2026-02-11", {"sjj": "ok"})
    report_id = add_report(db, "sjj", 2025, "2026-02-10", "2026-02-11", found)
    assert register.update(db, config, found, D("2026-02-11")) == {"published_late": 1}
    for day in ("2026-02-12", "2026-03-01"):
        cycle_on(day)

    assert events_of(db) == [
        (overdue, "overdue", "sjj", 2025, None, 0),
        (found, "published_late", "sjj", 2025, report_id, 0),
    ]
    row = db["register"].get(("sjj", 2025))
    assert (row["status"], row["days_late"], row["evidence"], row["report_id"]) == (
        "late",
        10,
        "published_on",
        report_id,
    )
    assert alerts.enqueue(db, config.alerts, overdue) == 1
    assert alerts.enqueue(db, config.alerts, found) == 1

    title, body = alerts.render(db, events_of_ids(db)[0])
    assert title == "年度报告逾期未公开 Report overdue: 东江市审计局 2025年度"
    assert "截止日期 Due: 2026-01-31 (2019 条例 第四十九条; department)" in body
    assert "已逾期 Overdue by: 2 天 days" in body, "as it stood when detected"
    assert "栏目 Column: http://127.0.0.1:9/sjj/" in body
    title, body = alerts.render(db, events_of_ids(db)[1])
    assert title == "年度报告逾期公开 Report published late: 东江市审计局 2025年度"
    assert "发布日期 Published: 2026-02-10 (依据 evidence: 页面发布日期" in body
    assert (
        "逾期 Days late: 10 天 days" in body
        and "链接 URL: http://127.0.0.1:9/sjj/2025.html" in body
    )
    assert "Gongkai event #" in body


def events_of_ids(db: Database) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM events ORDER BY id")]


def test_the_database_refuses_a_second_overdue_event_for_an_agency_year(tmp_path):
    db = open_db(tmp_path / "a.db")
    cycle_id = add_cycle(db, "2026-02-02", {"sjj": "ok"})
    row = {"source_id": "sjj", "kind": "overdue", "year": 2025, "cycle_id": cycle_id}
    row |= {"detected_at": stamp("2026-02-02"), "summary": "x", "baseline": 0}
    db["events"].insert(row)
    with pytest.raises(Exception, match="UNIQUE"):
        db["events"].insert(row)
    db["events"].insert({**row, "year": 2024})
    db["events"].insert({**row, "kind": "new"})
    db["events"].insert({**row, "kind": "new"})


def test_an_on_time_report_and_years_before_tracking_never_raise_anything(tmp_path):
    config = write_config(tmp_path, sources(sjj={"since": 2020}, hb={}))
    db = open_db(config.database)
    first = add_cycle(db, "2026-01-10", {"sjj": "ok", "hb": "ok"})
    add_report(db, "sjj", 2021, "2022-06-01", "2026-01-10", first)  # late, before tracking
    add_report(db, "hb", 2024, None, "2026-01-10", first)  # undated, before tracking
    assert register.update(db, config, first, D("2026-01-10")) == {}
    second = add_cycle(db, "2026-01-29", {"sjj": "ok", "hb": "ok"})
    add_report(db, "hb", 2025, "2026-01-28", "2026-01-29", second)
    add_report(db, "sjj", 2025, None, "2026-01-29", second)  # undated, seen in time
    for day in ("2026-01-29", "2026-02-15"):
        assert (
            register.update(db, config, add_cycle(db, day, {"sjj": "ok", "hb": "ok"}), D(day)) == {}
        )
    statuses = {(r["source_id"], r["year"]): r["status"] for r in db["register"].rows}
    assert statuses[("sjj", 2021)] == "late" and statuses[("hb", 2024)] == "undated"
    assert statuses[("sjj", 2022)] == "missing_before_tracking"
    assert statuses[("hb", 2025)] == "on_time" and statuses[("sjj", 2025)] == "on_time"
    assert events_of(db) == []


def test_overdue_alerts_can_be_switched_off_and_are_still_recorded(tmp_path):
    config = write_config(
        tmp_path, sources(hb={}), alerts={"urls": ["json://x"], "on": ["new", "changed"]}
    )
    db = open_db(config.database)
    add_cycle(db, "2026-01-10", {"hb": "ok"})
    later = add_cycle(db, "2026-02-10", {"hb": "ok"})
    assert register.update(db, config, later, D("2026-02-10")) == {"overdue": 1}
    assert alerts.enqueue(db, config.alerts, later) == 0


# ---------------------------------------------------------------------------------------------
# Datasette canned queries


def test_the_canned_queries_run_on_a_real_archive(tmp_path):
    config = write_config(tmp_path, sources(sjj={"since": 2023}, zf={"since": 2024}, hb={}))
    db = open_db(config.database)
    first = add_cycle(db, "2025-01-05", {"sjj": "ok", "zf": "ok", "hb": "ok"})
    add_report(db, "sjj", 2023, "2024-01-20", "2025-01-05", first)
    add_report(db, "sjj", 2024, "2025-02-04", "2025-02-05", first)
    add_report(db, "zf", 2024, "2025-03-30", "2025-03-31", first)
    add_report(db, "hb", 2024, "2025-01-30", "2025-01-31", first)
    register.update(db, config, first, D("2026-11-23"))

    assert set(register.REGISTER_QUERIES) == {"matrix", "overdue_now", "late_rates"}
    assert all(
        set(q) == {"title", "description", "sql"} for q in register.REGISTER_QUERIES.values()
    )

    def query(name: str) -> list[dict]:
        return list(db.query(register.REGISTER_QUERIES[name]["sql"]))

    matrix = {r["source_id"]: r for r in query("matrix")}
    assert matrix["sjj"]["years"] == "2023 ok | 2024 late+4 | 2025 OVERDUE"
    assert matrix["zf"]["years"] == "2024 ok | 2025 OVERDUE"
    assert matrix["hb"]["years"] == "2024 ok | 2025 OVERDUE"
    assert [r["agency"] for r in query("matrix")] == sorted(AGENCIES.values())
    assert (matrix["sjj"]["on_time"], matrix["sjj"]["late"], matrix["sjj"]["overdue"]) == (1, 1, 1)

    overdue = query("overdue_now")
    assert [(r["source_id"], r["year"], r["days_overdue"]) for r in overdue] == [
        ("sjj", 2025, 296),  # 东江市审计局 sorts before 东江市生态环境局
        ("hb", 2025, 296),
        ("zf", 2025, 237),
    ]

    rates = {r["year"]: r for r in query("late_rates")}
    assert list(rates) == [2025, 2024, 2023]
    assert (rates[2024]["on_time"], rates[2024]["late"], rates[2024]["late_pct"]) == (2, 1, 33.3)
    assert rates[2024]["avg_days_late"] == 4.0
    assert (rates[2025]["overdue"], rates[2025]["late_pct"], rates[2025]["not_on_time_pct"]) == (
        3,
        None,
        100.0,
    )


# ---------------------------------------------------------------------------------------------
# End to end: real cycles, a fixture site, a real webhook receiver

AGENCY = "东江市审计局"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date} 09:00">
<title>{title}</title></head><body><h1>{title}</h1><p>发布日期：{date}</p>
<div class="TRS_Editor"><p>{year}年，本机关主动公开政府信息{year}条。</p></div></body></html>"""


def write_site(root: Path, reports: dict[int, str]) -> None:
    """A one-page column listing reports {year: published date}."""
    if root.exists():
        shutil.rmtree(root)
    (root / "gknb").mkdir(parents=True)
    items = ""
    for year, day in reports.items():
        title = f"{AGENCY}{year}年政府信息公开工作年度报告"
        items += f'<li><a href="/gknb/{year}.html">{title}</a><span>{day}</span></li>'
        page = PAGE.format(title=title, date=day, year=year)
        (root / "gknb" / f"{year}.html").write_text(page, "utf-8")
    (root / "gknb" / "index.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul></body></html>', "utf-8"
    )


def test_overdue_and_late_alerts_arrive_once_each_through_a_webhook(serve_site, tmp_path, webhook):
    site = tmp_path / "site"
    write_site(site, {2024: "2025-01-20"})
    server = serve_site(site)
    hook = webhook()
    config = write_config(
        tmp_path,
        [{"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"], "since": 2024}],
        alerts={"urls": [hook.url]},
    )

    first = cycle.run(config)
    db = open_db(config.database)
    assert hook.posts == [] and first.events == {"new": 1}, "the baseline alerts nothing"
    assert db["register"].get(("djsj", 2025))["status"] == "missing_before_tracking", (
        "first watched today: the 2025 deadline (2026-01-31) passed before tracking began"
    )

    # As if this archive had been watching the agency since January 2026: its first cycle
    # ran before the 2025 report's deadline, so the deadline passed while we watched.
    db.execute("UPDATE cycles SET started_at = ? WHERE id = ?", [stamp("2026-01-10"), first.id])
    db.conn.commit()

    second = cycle.run(config)
    assert second.events == {"overdue": 1}
    assert [p["title"] for p in hook.posts] == [
        f"年度报告逾期未公开 Report overdue: {AGENCY} 2025年度"
    ]
    assert "截止日期 Due: 2026-01-31" in hook.posts[0]["message"]
    assert f"栏目 Column: {server.url}/gknb/" in hook.posts[0]["message"]

    third = cycle.run(config)
    assert third.events == {} and len(hook.posts) == 1, "overdue is alerted once"

    write_site(site, {2025: "2026-02-10", 2024: "2025-01-20"})
    fourth = cycle.run(config)
    assert fourth.events == {"new": 1, "published_late": 1}
    late = [p for p in hook.posts if "published late" in p["title"]]
    assert [p["title"] for p in late] == [
        f"年度报告逾期公开 Report published late: {AGENCY} 2025年度"
    ]
    assert "逾期 Days late: 10 天 days" in late[0]["message"]
    assert f"链接 URL: {server.url}/gknb/2025.html" in late[0]["message"]
    assert len(hook.posts) == 3, "overdue, then the new report and its late publication"

    fifth = cycle.run(config)
    assert fifth.events == {} and len(hook.posts) == 3, "each alert arrives once"
    row = db["register"].get(("djsj", 2025))
    assert (row["status"], row["days_late"], row["evidence"]) == ("late", 10, "published_on")


# ---------------------------------------------------------------------------------------------
# The command line on the demo archive


def test_register_prints_the_demo_archives_matrix(tmp_path):
    port = str(free_port_pair())
    done = subprocess.run(
        [sys.executable, "-m", "sitefixtures.run_demo", "--port", port, "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr
    config = str(tmp_path / "demo.toml")
    runner = CliRunner()

    result = runner.invoke(cli, ["--config", config, "register", "--today", "2026-11-23"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("source  2014"))
    assert header.split()[1:-1] == [str(y) for y in range(2014, 2026)]
    matrix = lines[lines.index(header) + 1 :]
    szka = next(line for line in matrix if line.startswith("szka "))
    gzhg = next(line for line in matrix if line.startswith("gzhg "))
    assert szka.split() == ["szka", *["ok"] * 6, *["-"] * 6, "深圳市人民政府口岸办公室"]
    assert gzhg.split() == ["gzhg", *["ok"] * 4, *["-"] * 8, "广州海关"]
    assert "register as of 2026-11-23 (Asia/Shanghai): 24 agency-years" in result.output
    for sid in ("szka", "gzhg"):
        assert f"note: source {sid} (" in result.output
        assert "kind guessed as 'department'" in result.output
    row_2019 = next(line for line in lines if line.startswith("szka ") and " 2019 " in line)
    assert row_2019.split()[:8] == [
        "szka", "department", "2019", "2020-01-31", "on_time", "2020-01-17", "0", "published_on",
    ]  # fmt: skip

    as_csv = runner.invoke(
        cli,
        ["--config", config, "register", "--today", "2026-11-23", "--csv", "--status", "on_time"],
    )
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert sorted((r["source_id"], int(r["year"])) for r in rows) == sorted(
        [("szka", y) for y in range(2014, 2020)] + [("gzhg", y) for y in range(2014, 2018)]
    )
    assert {r["published_on"] for r in rows if r["year"] == "2015"} == {"2016-03-14", "2016-03-30"}

    one_year = runner.invoke(
        cli, ["--config", config, "register", "--today", "2026-11-23", "--year", "2018"]
    )
    assert "2 agency-years" in one_year.output
    assert "2019-03-31  on_time" in one_year.output and "missing_before_tracking" in one_year.output
    overdue = runner.invoke(
        cli, ["--config", config, "register", "--today", "2026-11-23", "--status", "overdue"]
    )
    assert overdue.exit_code == 0 and ": 0 agency-years" in overdue.output


def test_register_help_and_errors(tmp_path):
    runner = CliRunner()
    text = runner.invoke(cli, ["register", "--help"]).output
    assert "Example:" in text and "scheduler.py --config archive.toml register" in text
    config = write_config(tmp_path, sources(hb={}))
    missing = runner.invoke(cli, ["--config", str(config.path), "register"])
    assert missing.exit_code == 1 and "no archive yet" in missing.output
    open_db(config.database).close()
    unknown = runner.invoke(cli, ["--config", str(config.path), "register", "--source", "zz"])
    assert unknown.exit_code == 1 and "no source with id 'zz'" in unknown.output


# ---------------------------------------------------------------------------------------------
# coverage_summary: the canned `coverage` and `indicator` give what the full queries gave


def test_coverage_and_indicator_match_the_full_queries_as_cycles_edit_remove_and_repost(
    serve_site, tmp_path
):
    """Real cycles over two columns: the port office's (its own reports and the city's
    reposted one) and the audit office's; then the audit office edits its 2020 report, takes
    its 2019 one down and posts a 2023 one with statistics tables, and the port office's
    former name leaves the config (its 2018 report becomes a repost). After every cycle, and
    after a hand edit of `reports`, the summary-backed queries equal the full ones."""
    port_site, audit_site = tmp_path / "port", tmp_path / "audit"
    write_port_column(port_site)
    watch_site(audit_site, BASE)
    port = {"id": "szka", "agency": PORT, "start_urls": [serve_site(port_site).url + "/gknb/"]}
    audit = {"id": "djsj", "agency": AGENCY, "start_urls": [serve_site(audit_site).url + "/gknb/"]}
    config = write_config(tmp_path, [{**port, "aliases": ["深圳市口岸管理局"]}, audit])
    cycle.run(config)
    reference.assert_same(config.database)

    edited = body_of(2020).replace("21条", "12条")
    posted = {path: year for path, year in BASE.items() if year != 2019} | {"/gknb/2023.html": 2023}
    watch_site(audit_site, posted, edits={"/gknb/2020.html": edited, "/gknb/2023.html": TABLES})
    config = write_config(tmp_path, [port, audit])
    for _ in range(2):  # the second confirms the removal
        cycle.run(config)
        reference.assert_same(config.database)

    db = open_db(config.database)
    assert db.execute("SELECT year FROM reports WHERE status = 'removed'").fetchall() == [(2019,)]
    assert db.execute("SELECT year FROM reports WHERE repost = 1 ORDER BY year").fetchall() == [
        (2018,),
        (2020,),
    ]
    assert db.execute(
        "SELECT count(*) FROM report_versions v JOIN reports r ON r.id = v.report_id "
        "WHERE r.source_id = 'djsj' AND r.year = 2020"
    ).fetchone() == (2,)
    assert db.execute("SELECT count(DISTINCT indicator) FROM report_stats").fetchone()[0] > 5

    # A user's own SQLite client moves a report to another year, and back: the triggers follow.
    db.execute("UPDATE reports SET year = 2017 WHERE source_id = 'djsj' AND year = 2021")
    db.conn.commit()
    reference.assert_same(config.database)
    db.execute("UPDATE reports SET year = 2021 WHERE source_id = 'djsj' AND year = 2017")
    db.conn.commit()
    reference.assert_same(config.database)


def test_an_archive_made_before_the_summary_gets_it_filled_when_upgraded(tmp_path):
    """Migration 0016 fills `coverage_summary` from the reports an archive already holds."""
    from archive.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="0016_coverage_summary")
    reports = [
        ("sjj", 2019, "2020-01-20"),
        ("sjj", 2021, None),
        ("zf", 2020, "2021-03-01"),
        ("zf", 2020, "2021-03-02"),
    ]
    for source_id, year, published in reports:
        add_report(db, source_id, year, published, "2025-01-05", 1, page=f"{year}-{published}")
    db.execute("UPDATE reports SET status = 'removed' WHERE year = 2019")
    db.execute("UPDATE reports SET repost = 1, issuer = '某省' WHERE year = 2021")
    db.conn.commit()
    db.close()

    open_db(tmp_path / "old.db").close()

    reference.assert_same(tmp_path / "old.db")
    with sqlite3.connect(tmp_path / "old.db") as conn:
        cells = conn.execute("SELECT source_id, year, cell, reposts FROM coverage_summary")
        assert sorted(cells.fetchall()) == [
            ("sjj", 2019, "2020-01-20 (removed)", None),
            ("sjj", 2021, None, "2021: 某省"),
            ("zf", 2020, "2021-03-01 ×2", None),
        ]
