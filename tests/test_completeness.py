"""Completeness (issue 14 item 1): a column's stated record count beside the entries reached.

End-to-end on the Fujian fixture site (its column page is the real 平潭 page, which states
`recordCount: '20'` and shows 10 entries) and on copies of it whose search API answers fewer
records than the page states: the cycle records both numbers per source, `check` prints them,
`source_status` shows them, and a shortfall on complete walks raises one `source_incomplete`
event when it starts, not one per night. Incremental nights, which stop early by design, are
not judged. The other families' fixture sites state their counts too (post_count, totalRecord,
TRS page counts).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.db import open_db
from crawler.families import generic
from crawler.page import Page
from gongkai import cycle
from gongkai.cli import cli
from tests.helpers import SITES, expected, write_config

SITE = "fjdzapp_pingtan"
ANSWER = Path("fjdzapp") / "search-page2.json"


def short_site(tmp_path: Path, keep: int) -> Path:
    """The Fujian site whose API answers only `keep` of the 10 records after the static ones."""
    site = tmp_path / "site"
    shutil.copytree(SITES / SITE, site)
    answer = json.loads((site / ANSWER).read_text("utf-8"))
    answer["data"] = answer["data"][:keep]
    (site / ANSWER).write_text(json.dumps(answer, ensure_ascii=False), "utf-8")
    return site


def config_for(tmp_path: Path, server, crawl: dict | None = None):
    spec = expected(SITE)
    source = {"id": "pt", "agency": spec["agency"], "start_urls": [server.url + spec["start_path"]]}
    return write_config(tmp_path, [source], crawl=crawl)


def outcome_row(config, cycle_id: int) -> tuple:
    return (
        open_db(config.database)
        .execute(
            "SELECT stated_entries, reached_entries, incomplete FROM cycle_sources "
            "WHERE cycle_id = ? AND source_id = 'pt'",
            [cycle_id],
        )
        .fetchone()
    )


def incomplete_events(config) -> list[tuple]:
    db = open_db(config.database)
    return db.execute(
        "SELECT cycle_id, summary, detail FROM events WHERE kind = 'source_incomplete'"
    ).fetchall()


def test_a_whole_column_records_its_stated_and_reached_entries(serve_site, tmp_path):
    config = config_for(tmp_path, serve_site(SITE))

    result = cycle.run(config)

    [outcome] = result.outcomes
    assert (outcome.stated_entries, outcome.reached_entries, outcome.incomplete) == (20, 20, 0)
    assert outcome_row(config, result.id) == (20, 20, 0)
    status = open_db(config.database).execute(
        "SELECT stated_entries, reached_entries, incomplete FROM source_status"
    )
    assert status.fetchone() == (20, 20, 0)
    assert incomplete_events(config) == []


def test_a_short_column_raises_one_event_when_the_shortfall_starts(serve_site, tmp_path):
    config = config_for(tmp_path, serve_site(short_site(tmp_path, keep=7)))

    first, second = cycle.run(config), cycle.run(config)

    assert outcome_row(config, first.id) == (20, 17, 1)
    assert outcome_row(config, second.id) == (20, 17, 1)
    events = incomplete_events(config)
    assert len(events) == 1, "one event when it starts, not one per night"
    assert events[0][0] == first.id
    assert "states 20 entries, the crawl reached 17" in events[0][1]
    assert first.events.get("source_incomplete") == 1 and "source_incomplete" not in second.events
    status = open_db(config.database).execute(
        "SELECT last_status, stated_entries, reached_entries, incomplete FROM source_status"
    )
    assert status.fetchone() == ("ok", 20, 17, 1)
    outbox = open_db(config.database).execute(
        "SELECT count(*) FROM events WHERE kind = 'source_incomplete' AND baseline = 0"
    )
    assert outbox.fetchone()[0] == 1  # an alertable event (source_incomplete is on by default)


def test_an_incremental_night_is_not_judged(serve_site, tmp_path):
    config = config_for(tmp_path, serve_site(short_site(tmp_path, keep=7)), {"full_walk_days": 30})

    first, second = cycle.run(config), cycle.run(config)

    assert outcome_row(config, first.id) == (20, 17, 1)  # a source's first walk is whole
    _stated, _reached, incomplete = outcome_row(config, second.id)
    assert incomplete is None, "a walk that stops at known reports proves nothing"
    assert len(incomplete_events(config)) == 1


def test_check_prints_the_stated_and_reached_entries(serve_site, tmp_path):
    config = config_for(tmp_path, serve_site(short_site(tmp_path, keep=7)))

    result = CliRunner().invoke(cli, ["--config", str(config.path), "check", "pt"])

    assert result.exit_code == 0, result.output
    assert "entries: the column states 20, the crawl reached 17 — 3 short" in result.output
    assert "fjdzapp" in result.output
    assert "关于2014年政府信息公开工作要点落实情况的函  — rejected: 要点" in result.output


def test_check_of_the_whole_column_lists_the_letter_it_skipped(serve_site, tmp_path):
    config = config_for(tmp_path, serve_site(SITE))

    result = CliRunner().invoke(cli, ["--config", str(config.path), "check", "pt"])

    assert result.exit_code == 0, result.output
    stated = expected(SITE)["stated_entries"]
    assert f"entries: the column states {stated}, the crawl reached {stated}\n" in result.output
    assert "reports found (19):" in result.output
    assert "entries skipped (1):" in result.output and "工作要点落实情况的函" in result.output


@pytest.mark.parametrize(
    ("site", "stated"),
    [("gkmlpt_api", 13), ("hanweb_dataproxy", 20), ("trs_paginated", 13), ("ucap_gknb", 9)],
)
def test_every_family_that_states_a_count_is_measured(serve_site, tmp_path, site, stated):
    # gkmlpt: classify.post_count; hanweb: totalRecord; TRS: createPageHTML's 3 pages of 6
    # entries state at least (3 - 1) x 6 + 1 = 13; ucap: 共3页 of 4 rows, at least 9
    spec = expected(site)
    server = serve_site(site)
    config = write_config(
        tmp_path,
        [{"id": "s", "agency": spec["agency"], "start_urls": [server.url + spec["start_path"]]}],
        crawl=spec.get("crawl"),
    )

    [outcome] = cycle.run(config).outcomes

    assert outcome.stated_entries == stated
    assert outcome.reached_entries >= stated and outcome.incomplete == 0


@pytest.mark.parametrize(
    ("html", "stated"),
    [
        ("<p>首页 上一页 下一页 尾页 共45条记录</p>", 45),
        ("<p>共 45 条 第1/3页</p>", 45),
        ("<script>var totalRecord = 33;</script>", 33),
        ("<p>本年度主动公开政府信息共421条，其中</p>", None),  # a report's sentence, no pager
        ("<p>首页 下一页</p>", None),
    ],
)
def test_a_plain_list_page_states_its_count_in_its_pager_or_script(html, stated):
    assert (
        generic.stated_entries(Page.parse("http://x.gov.cn/gknb/", html.encode(), None)) == stated
    )
