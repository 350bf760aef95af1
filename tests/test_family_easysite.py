"""Customs EasySite: conList rows, hashed page names <prefix>-<k>.html, the describe date line."""

# Saved pages: seed 000's 计划总结 column and article (domain notes §2.5, copied from the demo's
# gzhg site, GBK); 海口海关's column 605745 page 2 and a 2019 report, rebuilt in the same markup.

from __future__ import annotations

import datetime as dt

from crawler.families import easysite
from crawler.families.base import Entry
from crawler.page import Page
from tests.saved_pages import described, saved_page

GZ = "http://guangzhou.customs.gov.cn/guangzhou_customs/381558/381575/"
HK = "http://haikou.customs.gov.cn/haikou_customs/605737/605745/"


def test_recognises_the_site_path_the_host_and_the_markup():
    for name in ("381575_index.html", "391204_index.html", "605745_58527f05-2.html"):
        assert easysite.recognise(saved_page("easysite", name)), name
    bare = b"<html><body><p>x</p></body></html>"
    assert easysite.recognise(Page.parse(GZ + "index.html", bare, "text/html"))
    assert easysite.recognise(Page.parse("http://www.customs.gov.cn/customs/302249/", bare, None))
    markup = b'<html><body><ul class="conList_ul2"><li>x</li></ul></body></html>'
    assert easysite.recognise(Page.parse("http://127.0.0.1:8000/381575/", markup, None))
    assert not easysite.recognise(Page.parse("http://www.example.gov.cn/customs.html", bare, None))


def test_list_entries_are_the_rows_with_their_title_attribute_and_span_date():
    page = saved_page("easysite", "381575_index.html")

    entries = list(easysite.list_entries(page))

    assert [(e.url.removeprefix(GZ), e.text, e.date) for e in entries] == [
        ("871306/index.html", "广州海关二〇一七年政府信息公开工作年度报告", "2018-03-28"),
        ("632455/index.html", "2016年海关政府信息公开年报图解", "2017-03-29"),
        ("632418/index.html", "广州海关2016年海关政府信息公开年度报告", "2017-03-29"),
        ("415632/index.html", "广州海关政府信息公开指南", "2016-06-12"),
    ]  # no navigation, breadcrumb or pager links


def test_a_page_without_rows_is_read_as_any_list():
    menu = '<div class="nav"><a href="381575/index.html">计划总结</a></div>'
    home = Page.parse(
        "http://guangzhou.customs.gov.cn/guangzhou_customs/381558/index.html",
        f"<html><body>{menu}</body></html>".encode(),
        "text/html; charset=utf-8",
    )

    assert [e.url for e in easysite.list_entries(home)] == [GZ + "index.html"]


def test_next_pages_from_the_announced_total_skip_page_one():
    page = saved_page("easysite", "381575_index.html")  # 共2页 1/2, easysiteGoPage('58527f05', 2)
    assert easysite.next_pages(page) == [GZ + "58527f05-2.html"]

    longer = page.text.replace("共2页 1/2", "共4页 1/4").encode("gb18030")
    more = Page.parse(page.url, longer, "text/html; charset=gb18030")
    assert easysite.next_pages(more) == [GZ + f"58527f05-{k}.html" for k in (2, 3, 4)]


def test_next_pages_without_a_total_follow_next_and_numbers_but_not_page_one():
    page = saved_page("easysite", "605745_58527f05-2.html")  # 首页 上一页 1 [2] 3 下一页

    assert easysite.next_pages(page) == [HK + "58527f05-3.html"]
    assert easysite.hashed_prefix(page) == "58527f05"
    assert easysite.page_count(page) is None


def test_seed_000_title_and_date_come_from_its_metas():
    page = saved_page("easysite", "391204_index.html")

    assert described(page) == ("广州海关2015年海关政府信息公开年度报告", "2016-03-30", "meta")
    assert easysite.report_fields(page).attachments == ()


def test_the_bare_describe_date_beats_related_items_and_the_signature():
    page = saved_page("easysite", "2911304_index.html")  # no ArticleTitle, no PubDate

    fields = easysite.report_fields(page)

    assert described(page) == ("海口海关2019年政府信息公开工作年度报告", "2020-01-20", "label")
    assert "发布时间：2019-01-28" in fields.text  # the 相关信息 box: not this report's date
    assert fields.attachments == (
        Entry(HK + "2911304/2020012016480391.pdf", "海口海关2019年政府信息公开工作年度报告.pdf"),
        Entry(HK + "2911304/2020012016481207.xlsx", "收到和处理政府信息公开申请情况统计表.xlsx"),
    )


def test_shown_date_reads_bare_and_labelled_lines_but_not_other_labels():
    assert easysite.shown_date("2016-03-30 10:12") == dt.date(2016, 3, 30)
    assert easysite.shown_date("发布时间：2017-03-29 16:05 来源：广州海关") == dt.date(2017, 3, 29)
    assert easysite.shown_date("成文日期：2017-03-01") is None
    assert easysite.shown_date(None) is None
