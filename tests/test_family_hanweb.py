"""Hanweb jcms / jpage (crawler/families/hanweb.py) against saved pages parsed with their URLs."""

from __future__ import annotations

from crawler.dates import pick_published_on
from crawler.families import ListRequest, detect, hanweb
from crawler.page import Page
from tests.saved_pages import PAGES, saved_page

QINGXI = "http://www.qingxi.gov.cn"
PROXY = "/module/web/jpage/dataproxy.jsp"


def jiangsu() -> Page:
    # built from the structure described in domain.md §2.2 (Jiangsu col33718 fixture)
    return saved_page("hanweb", "jiangsu_col33718.html")


def qingxi_column() -> Page:
    # built from the structure described in domain.md §2.2 (Jiangsu col33718 fixture; path and
    # sourceContentType=3 as in a 江西 spider, code-index id 5270493678); a fictional county
    return saved_page("hanweb", "qingxi_col1229012.html")


def qingxi_proxy() -> Page:
    # built from the structure described in domain.md §2.2 (dates split over lines, jiangsu.py)
    return saved_page("hanweb", "qingxi_dataproxy_11.xml")


def qingxi_article() -> Page:
    # built from the structure described in domain.md §2.0 and §2.2 (jcms article template)
    return saved_page("hanweb", "qingxi_art_4510276.html")


def test_column_pages_proxy_answers_and_articles_are_recognised_as_hanweb():
    for page in (jiangsu(), qingxi_column(), qingxi_proxy(), qingxi_article()):
        assert hanweb.recognise(page)
        assert detect(page).name == "hanweb"


def test_a_plain_html_list_is_not_hanweb():
    body = b"<ul><li><a href='a.html'>x</a><span>2024-01-02</span></li></ul>"
    page = Page.parse("http://example.gov.cn/xxgk/ndbg/", body, None)
    assert not hanweb.recognise(page)


def test_inline_records_are_read_from_the_cdata_inside_the_xml_script():
    entries = list(hanweb.list_entries(jiangsu()))

    assert [(e.url, e.text, e.date) for e in entries[:2]] == [
        (
            "https://www.jiangsu.gov.cn/art/2026/9/11/art_33718_11828204.html",
            "连云港跨里海班列运输提质提速",
            "2026-09-11",
        ),
        (
            "https://www.jiangsu.gov.cn/art/2025/12/15/art_33718_11693505.html",
            "徐州以产业集群培育赋能中小企业高质量发展",
            "2025-12-15",
        ),
    ]
    # the page's own HTML links follow (menus), never the nextgroup's data proxy link
    assert [e.text for e in entries[2:]] == ["地方动态", "政务公开"]
    assert not any(PROXY in e.url for e in entries)


def test_entries_take_the_full_title_attribute_and_the_date_wherever_the_span_sits():
    entries = list(hanweb.list_entries(qingxi_column()))
    records = [e for e in entries if "/art/" in e.url]

    assert len(records) == 10
    assert records[0].text == "青溪县人民政府2025年政府信息公开工作年度报告"
    assert records[0].date == "2026-01-23"
    # truncated in the link text, whole in its title attribute
    assert records[1].text == "青溪县人民政府2025年政府信息公开工作年度报告（图片版）"
    assert records[1].date == "2026-01-23"  # date span before the link
    assert records[3].url == f"{QINGXI}/art/2025/1/24/art_1229012_4510276.html"
    assert records[-1].date == "2020-01-21"


def test_only_the_columns_own_unit_is_read_not_a_sidebar_unit_of_another_column():
    entries = list(hanweb.list_entries(qingxi_column()))
    assert not any("art_1229015_" in e.url for e in entries)
    requests = [r for r in hanweb.next_pages(qingxi_column()) if isinstance(r, ListRequest)]
    assert {r.formdata["columnid"] for r in requests} == {"1229012"}


def test_the_column_page_announces_post_requests_for_the_records_after_the_inline_ones():
    requests = list(hanweb.next_pages(qingxi_column()))

    assert requests == [
        ListRequest(
            url=f"{QINGXI}{PROXY}?startrecord=11&endrecord=20&perpage=5",
            method="POST",
            formdata={
                "col": "1",
                "appid": "1",
                "webid": "4",
                "path": "http://www.qingxi.gov.cn/",
                "columnid": "1229012",
                "sourceContentType": "3",
                "unitid": "5512345",
                "webname": "青溪县人民政府",
                "permissiontype": "0",
            },
        )
    ]


def test_one_call_covers_three_pages_by_default_and_the_calls_stop_at_the_total():
    requests = [r for r in hanweb.next_pages(jiangsu()) if isinstance(r, ListRequest)]

    first = requests[0]
    assert first.url == f"https://www.jiangsu.gov.cn{PROXY}?startrecord=3&endrecord=59&perpage=19"
    assert first.formdata == {
        "col": "1",
        "appid": "1",
        "webid": "1",
        "path": "/",
        "columnid": "33718",
        "sourceContentType": "1",
        "unitid": "212860",
        "webname": "江苏省人民政府",
        "permissiontype": "0",
    }
    assert len(requests) == 86  # ceil((4895 - 2) / 57)
    assert requests[-1].url.endswith("?startrecord=4848&endrecord=4904&perpage=19")
    assert len({r.key for r in requests}) == len(requests)


def test_a_page_without_totals_or_with_an_opaque_nextgroup_stays_at_its_inline_records():
    body = (PAGES / "hanweb" / "qingxi_col1229012.html").read_text("utf-8")
    url = f"{QINGXI}/col/col1229012/index.html"
    no_totals = Page.parse(url, body.replace("totalRecord:14,", "").encode(), None)
    opaque = body.replace(
        "page=1&appid=1&webid=4&path=http%3A%2F%2Fwww.qingxi.gov.cn%2F&columnid=1229012",
        "k=SjBGNU0yRXpZVFF4TkRVMk5qYzRPVEJo",
    )  # an opaque token in place of the fields (the real encrypted shape is not recorded)
    encrypted = Page.parse(url, opaque.encode(), None)

    for page in (no_totals, encrypted):
        assert not [r for r in hanweb.next_pages(page) if isinstance(r, ListRequest)]
        assert len([e for e in hanweb.list_entries(page) if "/art/" in e.url]) == 10


def test_a_proxy_answer_lists_its_records_with_dates_split_over_lines_and_announces_nothing():
    page = qingxi_proxy()

    entries = list(hanweb.list_entries(page))

    assert [(e.url.removeprefix(QINGXI), e.text, e.date) for e in entries] == [
        (
            "/art/2019/3/22/art_1229012_3871190.html",
            "青溪县人民政府2018年政府信息公开工作年度报告",
            "2019-03-22",
        ),
        (
            "/art/2019/3/26/art_1229012_3872004.html",
            "青溪县人民政府2018年法治政府建设年度报告",
            "2019-03-26",
        ),
        (
            "/art/2018/3/27/art_1229012_3760315.html",
            "青溪县人民政府2017年政府信息公开工作年度报告",
            "2018-03-27",
        ),
        (
            "/art/2017/3/30/art_1229012_3651177.html",
            "青溪县人民政府2016年政府信息公开工作年度报告",
            "2017-03-30",
        ),
    ]
    assert list(hanweb.next_pages(page)) == []


def test_record_dates_ignore_line_breaks_and_years_in_the_title():
    assert hanweb.record_date("2026-\n01-\n23") == "2026-01-23"
    assert hanweb.record_date("  2019 - 3 - 5 ") == "2019-03-05"
    assert hanweb.record_date("2021年政府信息公开") is None


def test_an_article_gives_its_metas_title_spot_and_labelled_date():
    page = qingxi_article()

    fields = hanweb.report_fields(page)

    assert fields.meta_title == "青溪县人民政府2024年政府信息公开工作年度报告"
    assert fields.meta_pubdate == "2025-01-24 15:38"
    assert fields.headings[0] == "青溪县人民政府2024年政府信息公开工作年度报告"
    assert "发布日期：2025-01-24" in fields.text
    published, evidence = pick_published_on(fields.text, fields.meta_pubdate, None, page.url)
    assert (published.isoformat(), evidence) == ("2025-01-24", "label")
