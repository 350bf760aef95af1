"""Shenzhen NFCMS: recognised from its script vars or post_ links; report fields and 附件."""

# Saved pages: seed 004's column and article (domain notes §2.4, copied from the demo's szka
# site); post_12675915 is the city's own column URL (§2.4) with an illustrative 附件 block.

from __future__ import annotations

import re

from crawler.families import detect, nfcms
from crawler.families.base import Entry
from crawler.page import Page
from tests.saved_pages import described, saved_page

COLUMN = "http://ka.sz.gov.cn/xxgk/qt/ndbg/"
_SCRIPT = re.compile(rb"<script[^>]*>.*?</script>", re.DOTALL)


def without_scripts(page: Page, url: str | None = None) -> Page:
    """The same page as a template without the NFCMS_* script block would serve it."""
    body = _SCRIPT.sub(b"", page.text.encode("utf-8"))
    return Page.parse(url or page.url, body, "text/html; charset=utf-8")


def test_recognises_columns_and_articles_by_their_script_vars():
    assert nfcms.recognise(saved_page("nfcms", "ndbg_index.html"))
    assert nfcms.recognise(saved_page("nfcms", "post_2295602.html"))


def test_recognises_a_column_by_its_post_links_and_an_article_by_its_url():
    column = without_scripts(saved_page("nfcms", "ndbg_index.html"))
    mobile = without_scripts(
        saved_page("nfcms", "post_2295602.html"), COLUMN + "content/mpost_2295602.html"
    )

    assert "NFCMS_SITE_ID" not in column.text
    assert nfcms.recognise(column)
    assert nfcms.recognise(mobile)


def test_gkmlpt_articles_and_other_hosts_post_links_are_not_nfcms():
    gkmlpt = Page.parse(
        "http://www.sz.gov.cn/gkmlpt/content/10/10123/post_10123456.html",
        b"<html><body><h1>x</h1></body></html>",
        "text/html",
    )
    elsewhere = Page.parse(
        "http://www.example.gov.cn/zwgk/index.html",
        '<a href="http://ka.sz.gov.cn/xxgk/qt/ndbg/content/post_1.html">深圳</a>'.encode(),
        "text/html; charset=utf-8",
    )

    assert not nfcms.recognise(gkmlpt)
    assert not nfcms.recognise(elsewhere)


def test_list_entries_have_full_titles_and_row_dates():
    page = saved_page("nfcms", "ndbg_index.html")

    entries = {e.url: e for e in detect(page).list_entries(page)}

    report = entries[COLUMN + "content/post_2295662.html"]
    # cut to "…工作年..." in the list; the title attribute is whole
    assert report.text == "深圳市人民政府口岸办公室2018年政府信息公开工作年度报告"
    assert report.date == "2019-03-12"
    assert entries[COLUMN + "content/post_6987112.html"].date == "2020-01-17"


def test_next_pages_follow_the_pager_and_stay_in_the_column():
    page = saved_page("nfcms", "ndbg_index.html")

    assert set(detect(page).next_pages(page)) == {COLUMN + "index_2.html"}


def test_seed_004_title_and_publish_date():
    page = saved_page("nfcms", "post_2295602.html")

    assert described(page) == ("市口岸办2014年政府信息公开工作年度报告", "2015-02-04", "label")
    assert nfcms.report_fields(page).attachments == ()  # "附件：" with nothing after it


def test_attachments_come_from_the_fujian_block_the_body_and_the_attachment_store():
    page = saved_page("nfcms", "post_12675915.html")

    fields = nfcms.report_fields(page)

    store = "https://www.sz.gov.cn/attachment/1/1524/"
    assert fields.attachments == (
        Entry(store + "1524871/12675915.pdf", "深圳市2024年政府信息公开工作年度报告.pdf"),
        Entry(store + "1524873/12675915.xlsx", "深圳市2024年政府信息公开工作年度报告统计表.xlsx"),
        Entry(store + "1524880/12675915.png", "12675915.png"),  # an image of a table, linked
    )
    assert fields.meta_title == "深圳市2024年政府信息公开工作年度报告"
    assert fields.meta_pubdate == "2025-03-28 17:30"
    assert described(page)[1:] == ("2025-03-28", "label")
