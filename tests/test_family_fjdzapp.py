"""Fujian's government-site platform (crawler/families/fjdzapp.py), "动静结合" lists.

The column page is the real 政府信息公开年报 column of 平潭综合实验区, unchanged
(tests/fixtures/pages/fjdzapp/_PROVENANCE.md): 10 entries in its HTML, 20 declared by its script.
The search API's answer beside it is written here in the documented shape (it says so). The
report and the letter of the same column are real pages too (tests/fixtures/pages/trs/).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from archive.db import open_db
from crawler.classify import classify
from crawler.families import ListRequest, detect, fjdzapp
from gongkai import cycle
from tests.helpers import expected, write_config
from tests.saved_pages import described, saved_page

HOST = "https://www.pingtan.gov.cn"
COLUMN = f"{HOST}/zwgk/zfxxgk/zfxxgknb/"
# The ground truth of shared/real-pages/README.md: (title year, date shown, href as written)
STATIC = [
    (2025, "2026-03-10", "./202603/t20260313_105587.htm"),
    (2024, "2025-03-10", "./202503/t20250310_97791.htm"),
    (2023, "2024-03-08", "./202403/t20240308_87885.htm"),
    (2022, "2023-02-20", "./202302/t20230220_80629.htm"),
    (2021, "2022-02-08", "./202202/t20220208_80613.htm"),
    (2020, "2021-03-05", "./202103/t20210305_80595.htm"),
    (2019, "2020-01-20", "./202001/t20200120_80576.htm"),
    (2018, "2019-01-10", "./201901/t20190110_80529.htm"),
    (2017, "2018-01-23", "./201801/t20180123_80506.htm"),
    (2016, "2017-01-18", "./201701/t20170118_80485.htm"),
]


def column():
    return saved_page("fjdzapp", "pingtan-zfxxgknb-list.html")


def answer():
    return saved_page("fjdzapp", "pingtan-search-page2.json")


def test_the_real_column_and_the_api_answer_are_this_family():
    assert detect(column()).name == "fjdzapp"
    assert detect(answer()).name == "fjdzapp"
    assert json.loads(answer().text)["_written_here"].startswith("Written here")


def test_the_static_entries_are_the_ten_of_the_html_with_their_shown_dates():
    entries = list(fjdzapp.list_entries(column()))

    assert [(e.text, e.date, e.url) for e in entries] == [
        (f"平潭综合实验区{year}年度政府信息公开工作年度报告", date, COLUMN + href[2:])
        for year, date, href in STATIC
    ]
    assert all(
        classify(e.text).year == year for e, (year, _, _) in zip(entries, STATIC, strict=True)
    )


def test_the_column_states_twenty_records_and_asks_the_api_for_the_second_page():
    page = column()

    assert fjdzapp.stated_entries(page) == 20
    assert list(fjdzapp.next_pages(page)) == [
        ListRequest(
            url=f"{HOST}/fjdzapp/search",
            method="POST",
            formdata={
                "channelid": "200210",  # SiteInfo.searchId, set in another script
                "classsql": "chnlid=1813",  # from `"" || "chnlid=1813"`
                "sortfield": "-docorderpri,-docreltime",
                "prepage": "10",
                "page": "2",
            },
        )
    ]


def test_a_column_that_states_more_pages_asks_for_each_and_static_pages_by_index():
    text = column().text.replace("recordCount: '20'", "recordCount: '45'")
    text = text.replace("maxStaticIndex: 1,", "maxStaticIndex: 2,")
    page = type(column()).parse(COLUMN, text.encode(), "text/html; charset=utf-8")

    targets = list(fjdzapp.next_pages(page))

    assert targets[0] == f"{COLUMN}index_1.htm"
    assert [t.formdata["page"] for t in targets[1:]] == ["3", "4", "5"]


def test_the_api_answer_gives_its_documents_by_docpuburl_or_chnldocurl_and_announces_nothing():
    page = answer()
    entries = list(fjdzapp.list_entries(page))

    assert len(entries) == 10
    assert entries[3].url == f"{COLUMN}201502/t20150212_80842.htm"  # chnldocurl only
    assert (entries[5].text, entries[5].date) == (
        "平潭综合实验区地方税务局2013年信息公开年度报告",
        "2014-02-25",
    )
    verdicts = [classify(e.text) for e in entries]
    assert [e.text for e, v in zip(entries, verdicts, strict=True) if not v.is_report] == [
        "关于2014年政府信息公开工作要点落实情况的函"
    ]
    assert list(fjdzapp.next_pages(page)) == []


def test_the_real_report_page_title_year_and_published_date():
    title, published_on, _evidence = described(
        saved_page("trs", "pingtan-difangshuiwu-2013-report.html")
    )
    assert title == "平潭综合实验区地方税务局2013年信息公开年度报告"
    assert classify(title).year == 2013
    assert published_on == "2014-02-25"


def test_the_real_letter_is_not_a_report():
    page = saved_page("trs", "pingtan-2014-gongzuoyaodian-han.html")
    fields = detect(page).report_fields(page)

    assert fields.meta_title == "关于2014年政府信息公开工作要点落实情况的函"
    assert "政府信息公开工作年度报告" in fields.text  # it quotes the phrase, and still is not one
    assert not classify(fields.meta_title).is_report
    assert described(page)[0] is None  # no candidate title is a report's


def test_a_crawl_reads_all_twenty_entries_through_the_search_api(serve_site, tmp_path):
    spec = expected("fjdzapp_pingtan")
    server = serve_site("fjdzapp_pingtan")
    config = write_config(
        tmp_path,
        [{"id": "pt", "agency": spec["agency"], "start_urls": [server.url + spec["start_path"]]}],
    )

    result = cycle.run(config)

    assert result.status == "completed"
    db = open_db(config.database)
    years = sorted(row[0] for row in db.execute("SELECT year FROM reports"))
    assert len(years) == 19 and years[0] == 2011 and years[-1] == 2025
    posts = [r for r in server.requests if r.method == "POST"]
    assert [dict(parse_qsl(r.body.decode())) for r in posts] == [
        {
            "channelid": "200210",
            "classsql": "chnlid=1813",
            "sortfield": "-docorderpri,-docreltime",
            "prepage": "10",
            "page": "2",
        }
    ]
    assert "/zwgk/zfxxgk/zfxxgknb/201412/t20141210_80787.htm" not in server.paths  # the letter
