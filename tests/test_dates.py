"""Publish dates: one date string, labelled dates in page text, URL dates, and the pick order.

Label and URL shapes are the ones in domain notes §2 and §5 "Dates"; the clock is fixed with
``today`` so plausibility checks do not depend on when the tests run.
"""

import datetime as dt

import pytest

from crawler.dates import labelled_date, parse_date, pick_published_on, url_date
from crawler.report_page import describe_body

TODAY = dt.date(2026, 10, 2)
D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-02-04", D(2015, 2, 4)),
        ("2015/2/4", D(2015, 2, 4)),
        ("2015.02.04", D(2015, 2, 4)),
        ("2015年2月4日", D(2015, 2, 4)),
        ("2015 年 2 月 4 日", D(2015, 2, 4)),
        ("二〇一五年二月四日", D(2015, 2, 4)),
        ("二○一二年十二月三十一日", D(2012, 12, 31)),
        ("二〇二六年一月二十三日", D(2026, 1, 23)),
        ("二〇一九年十月十日", D(2019, 10, 10)),
        ("2015-02-04 01:35", D(2015, 2, 4)),
        ("2021-09-29 10:05:00", D(2021, 9, 29)),
        ("2022-04-17T14:46:00+08:00", D(2022, 4, 17)),
        ("20150204", D(2015, 2, 4)),
        ("20150204 0135", D(2015, 2, 4)),
        ("  [2015-02-04]  ", D(2015, 2, 4)),
        ("(2010年3月10日)", D(2010, 3, 10)),
        ("2026-10-03", D(2026, 10, 3)),  # tomorrow: clocks differ by a time zone
        # The 〇 as agencies type it: ASCII 0, full-width ０, the letter O (both widths), ◯.
        ("二0二三年一月十五日", D(2023, 1, 15)),
        ("二０二三年一月十五日", D(2023, 1, 15)),
        ("二Ｏ二三年一月十五日", D(2023, 1, 15)),
        ("二O二三年一月十五日", D(2023, 1, 15)),
        ("二◯二三年一月十五日", D(2023, 1, 15)),
        ("二零二三年一月十五日", D(2023, 1, 15)),
        # 元月 is January; Chinese and Arabic numerals mixed in one date.
        ("二〇二三年元月十五日", D(2023, 1, 15)),
        ("2023年元月15日", D(2023, 1, 15)),
        ("2023年一月十五日", D(2023, 1, 15)),
        ("二〇二三年元月", None),
        # Not full, not valid, or not plausible.
        ("2015-02-30", None),
        ("2015年13月1日", None),
        ("2017年3月", None),
        ("2015-02", None),
        ("2017年3月\n12项", None),
        ("1989-12-31", None),
        ("2026-10-04", None),
        ("二〇一五年二月三十日", None),
        ("", None),
        (None, None),
        ("发布日期", None),
        ("123-45-67", None),
    ],
)
def test_parse_date(text: str | None, expected: dt.date | None) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_parse_date_defaults_today_to_the_real_clock() -> None:
    assert parse_date("2015-02-04") == D(2015, 2, 4)
    assert parse_date("2999-01-01") is None


@pytest.mark.parametrize(
    ("page_text", "expected"),
    [
        # Seed 004's header line.
        ("来源:市口岸办 发布日期:2015-02-04 01:35\n\n  根据《条例》…", D(2015, 2, 4)),
        ("发布时间:2021-11-02 09:08 来源:中国政府网", D(2021, 11, 2)),
        ("发布日期:2023-05-15 10:44来源:", D(2023, 5, 15)),
        ("索引号：1234 公开日期 2024-01-17 发布机构：沭阳县发展和改革局", D(2024, 1, 17)),
        ("发表时间：2019-03-28", D(2019, 3, 28)),
        ("发布日期：2015年02月04日", D(2015, 2, 4)),
        ("发布日期：二〇一五年二月四日", D(2015, 2, 4)),
        ("发布于 2020-01-31", D(2020, 1, 31)),
        ("发布：2020-01-31", D(2020, 1, 31)),
        # Full-width colon, spaced-out label, date on the next line.
        ("发布日期：2015-02-04", D(2015, 2, 4)),
        ("发 布 日 期：2015-02-04", D(2015, 2, 4)),
        ("发\u3000布\u3000时\u3000间\xa0:\xa02015-02-04", D(2015, 2, 4)),
        ("公开日期：\n\n  2024-01-17\n", D(2024, 1, 17)),
        (
            "发布日期\n\t\n2021-09-29",  # a metadata table flattened to text
            D(2021, 9, 29),
        ),
        # Signed/archived dates come first on the page but are never the publish date.
        ("成文日期: 2021-09-26 发布日期: 2021-09-29", D(2021, 9, 29)),
        ("成文日期：2021-09-26\n发文日期：2021-09-27\n公开日期：2021-09-29", D(2021, 9, 29)),
        ("归档时间:2023-06-15 发布时间:2023-06-01", D(2023, 6, 1)),
        # The first labelled date wins over later ones.
        ("发布日期：2020-01-31 … 发布日期：2020-02-15", D(2020, 1, 31)),
        # An invalid labelled date is skipped, the next label is used.
        ("发布日期：2015-02-30 公开日期：2015-03-02", D(2015, 3, 2)),
        # Tier 2: bare 时间 / 日期.
        ("时间:2021-09-29 10:05:00", D(2021, 9, 29)),
        ("日期：2018-02-28 浏览次数：12", D(2018, 2, 28)),
        ("成文日期: 2021-09-26 时间: 2021-09-29", D(2021, 9, 29)),
        # Tier 1 beats an earlier tier-2 date.
        ("时间:2021-09-01 发布日期:2021-09-29", D(2021, 9, 29)),
        # Never the signed / archived / print / generation dates.
        ("成文日期: 2021-09-26", None),
        ("归档时间:2023-06-15", None),
        ("发文日期 2018-02-28", None),
        ("生成日期：2020-01-01", None),
        ("打印日期：2020-01-01", None),
        ("成 文 日 期：2021-09-26", None),
        # A label with no date right after it, and in-body dates without a label.
        ("发布机构：市口岸办 起止时间为2014年1月1日至12月31日", None),
        ("2014年,我办在市委市政府领导下 2015-02-04", None),
        ("发布日期：2017年3月", None),
        ("发布日期：详见附件 2015-02-04", None),
        ("发布日期：二0二三年一月十五日 统计时间：2022年12月31日", D(2023, 1, 15)),
        ("发布日期：二〇二三年元月十五日", D(2023, 1, 15)),
        # Never a statistics cut-off or a reporting period: they lie inside the report's year.
        ("统计时间：2022年12月31日", None),
        ("截至时间：2022-12-31", None),
        ("数据截至日期：2022-12-31", None),
        ("", None),
        (None, None),
    ],
)
def test_labelled_date(page_text: str | None, expected: dt.date | None) -> None:
    assert labelled_date(page_text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.gov.cn/zhengce/201502/t20150204_123.html", D(2015, 2, 4)),
        (
            "https://www.mohrss.gov.cn/xxgk2020/fdzdgknr/zfxxgkndbg/202201/t20220128_1_1.html",
            D(2022, 1, 28),
        ),
        ("https://gjj.xiangyang.gov.cn/zwgk/gknb/202503/t20250321_3781562.shtml", D(2025, 3, 21)),
        ("http://www.js.gov.cn/art/2015/2/4/art_1_2.html", D(2015, 2, 4)),
        ("http://www.zj.gov.cn/art/2021/12/31/art_1229_5.html", D(2021, 12, 31)),
        (
            "http://www.chinapeace.gov.cn/chinapeace/c100007/2015-02/04/content_123.shtml",
            D(2015, 2, 4),
        ),
        ("http://www.safe.gov.cn/safe/2015/0204/123.html", D(2015, 2, 4)),
        ("http://www.nea.gov.cn/20150204/abcdef12/c.html", D(2015, 2, 4)),
        ("http://www.forestry.gov.cn/main/20150204/123.html", D(2015, 2, 4)),
        (
            "http://www.sc.gov.cn/10462/2015/2/4/0a1b2c3d4e5f60718293a4b5c6d7e8f9.shtml",
            D(2015, 2, 4),
        ),
        ("http://hebei.gov.cn/columns/1a2b/201502/04/3c4d.html", D(2015, 2, 4)),
        # Month-only, invalid, implausible, or no date at all.
        ("http://www.gov.cn/zhengce/201502/", None),
        ("http://www.gov.cn/zhengce/201502/index_3.html", None),
        ("http://www.gov.cn/zhengce/201502/t20150230_1.html", None),
        ("http://www.gov.cn/zhengce/t20990101_1.html", None),
        ("http://ka.sz.gov.cn/xxgk/qt/ndbg/content/post_2295602.html", None),
        (
            "http://guangzhou.customs.gov.cn/guangzhou_customs/381558/381575/391204/index.html",
            None,
        ),
        ("http://20150204.example.gov.cn/a.html", None),  # the host is not the path
        ("", None),
    ],
)
def test_url_date(url: str, expected: dt.date | None) -> None:
    assert url_date(url, today=TODAY) == expected


TRS_URL = "http://www.gov.cn/zhengce/202002/t20200203_1.html"


@pytest.mark.parametrize(
    ("page_text", "meta", "listed", "url", "expected"),
    [
        (
            "发布日期：2020-01-31",
            "2020-02-01 10:00",
            "2020-02-02",
            TRS_URL,
            (D(2020, 1, 31), "label"),
        ),
        (
            "成文日期：2020-01-20",
            "2020-02-01 10:00",
            "2020-02-02",
            TRS_URL,
            (D(2020, 2, 1), "meta"),
        ),
        (None, "", "[2020-02-02]", TRS_URL, (D(2020, 2, 2), "list")),
        (None, "2020-02-30", "2020年2月", TRS_URL, (D(2020, 2, 3), "url")),
        ("正文", None, None, "http://example.gov.cn/a/index.html", (None, None)),
    ],
)
def test_pick_published_on_order(
    page_text: str | None,
    meta: str | None,
    listed: str | None,
    url: str,
    expected: tuple[dt.date | None, str | None],
) -> None:
    assert pick_published_on(page_text, meta, listed, url, today=TODAY) == expected


def test_pick_published_on_rejects_future_dates_everywhere() -> None:
    future = "发布日期：2027-01-01"
    picked = pick_published_on(future, "2027-01-01", "2027-01-01", TRS_URL, today=TODAY)
    assert picked == (D(2020, 2, 3), "url")


@pytest.mark.parametrize(
    ("page_text", "meta", "listed", "expected"),
    [
        # A publication label whose date cannot be read: no other label may stand in for it.
        ("发布日期：二〇二三年十三月五日\n统计时间：2022年12月31日", None, None,
         (None, "unreadable_label")),
        ("发布时间：2023年1月 时间：2022-12-31", None, None, (None, "unreadable_label")),
        # Publication evidence of another kind still dates it.
        ("发布日期：二〇二三年十三月五日 统计时间：2022-12-31", "2023-01-16", None,
         (D(2023, 1, 16), "meta")),
        ("发布日期：二〇二三年十三月五日 统计时间：2022-12-31", None, "2023-01-17",
         (D(2023, 1, 17), "list")),
        # A publication label read: the statistics date is ignored anyway.
        ("统计时间：2022年12月31日 发布日期：二0二三年一月十五日", None, None,
         (D(2023, 1, 15), "label")),
        # 发布/公开 in prose is not a label with an unreadable date.
        ("主动公开时间节点前 时间：2023-01-18", None, None, (D(2023, 1, 18), "label")),
    ],
)  # fmt: skip
def test_an_unreadable_publication_label_leaves_the_report_undated_with_a_note(
    page_text: str, meta: str | None, listed: str | None, expected: tuple
) -> None:
    url = "http://example.gov.cn/a/index.html"
    assert pick_published_on(page_text, meta, listed, url, today=TODAY) == expected


def test_a_report_page_with_an_unreadable_publication_label_is_recorded_undated_with_a_note():
    """What the crawler records for the sighting (and so the report): no date, and why."""
    page = (
        "<html><head><meta charset='gbk'></head><body><h1>某县2022年政府信息公开工作年度报告</h1>"
        "<p>发布日期：二〇二三年十三月五日</p><p>统计时间：2022年12月31日</p></body></html>"
    ).encode("gbk")
    found, _files = describe_body("http://example.gov.cn/a/1.html", page, "text/html", None)
    assert found["year"] == 2022
    assert (found["published_on"], found["published_on_evidence"]) == (None, "unreadable_label")
