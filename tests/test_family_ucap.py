"""Kaipu/ucap (宿迁): listContent rows, xxgk_list_N pages, <ucaptitle>, <publishtime>, 文件下载."""

# Saved pages: 沭阳县发改局's 2023 report at its real URL, rebuilt on the real template (domain
# notes §2.6, KIROGOVCOMPARE's copy; body shortened), its gknb list (URL by analogy with 沭阳's
# xxgk_list columns), and 宿迁's 2014 report whose 文件下载 row links a .doc (§2.6, §5).

from __future__ import annotations

from crawler.families import detect, ucap
from crawler.families.base import Entry
from crawler.page import Page
from tests.saved_pages import described, saved_page

SY = "http://www.shuyang.gov.cn/sygfj/gknb/"
SQ = "https://suqian.gov.cn/cnsq/gknb/201503/"
LIST = "sygfj_gknb_xxgk_list.shtml"
REPORT_2023 = "2ecfb31a335f4d689220a3a23e24a986.shtml"
REPORT_2014 = "0f235d56ca894d5d9a95a53676d05733.shtml"
TITLE_2023 = "沭阳县发展和改革局2023年政府信息公开年度报告"


def reparsed(page: Page, url: str, old: str = "", new: str = "") -> Page:
    """The same page at another URL, or with one piece of markup changed."""
    return Page.parse(url, page.text.replace(old, new).encode("utf-8"), "text/html; charset=utf-8")


def test_recognises_kaipu_tags_and_urls():
    assert ucap.recognise(saved_page("ucap", REPORT_2023))
    assert ucap.recognise(saved_page("ucap", LIST))
    bare = b"<html><body><p>x</p></body></html>"
    assert ucap.recognise(Page.parse(SY + "202401/" + REPORT_2023, bare, "text/html"))
    assert not ucap.recognise(Page.parse(SY + "index.html", bare, "text/html"))


def test_recognises_a_column_by_its_links_to_kaipu_articles():
    column = reparsed(saved_page("ucap", LIST), SY)  # the directory URL, not xxgk_list.shtml

    assert ucap.recognise(column)


def test_list_entries_are_the_listcontent_rows():
    page = saved_page("ucap", LIST)

    entries = list(ucap.list_entries(page))

    assert [(e.url.removeprefix(SY), e.text, e.date) for e in entries] == [
        (
            "202401/7b54d2c08e5f4e0d9d6c3f1a2b7e9c41.shtml",
            "沭阳县发展和改革局2023年政府网站工作年度报表",
            "2024-01-19",
        ),
        ("202401/" + REPORT_2023, TITLE_2023, "2024-01-17"),
        (
            "202301/5d1f8a0c3e9b4c7a8f2e6d4b1a0c9e37.shtml",
            "沭阳县发展和改革局2022年政府信息公开年度报告",
            "2023-01-16",
        ),
        (
            "202201/c3a9e7f10b2d4e6f8a1c5b7d9e0f2a46.shtml",
            "沭阳县发展和改革局2021年政府信息公开年度报告",  # "…年度..." in the list, title attr
            "2022-01-21",
        ),
    ]  # not the 信息公开 menu beside the list


def test_next_pages_count_from_one_without_a_number_for_page_one():
    page = saved_page("ucap", LIST)  # 共2页, 下一页 and 尾页 → xxgk_list_2.shtml
    assert ucap.next_pages(page) == [SY + "xxgk_list_2.shtml"]

    longer = reparsed(page, page.url, "共2页", "共4页")
    assert ucap.next_pages(longer) == [SY + f"xxgk_list_{k}.shtml" for k in (2, 3, 4)]


def test_a_createpagehtml_count_is_numbered_the_kaipu_way_not_the_trs_way():
    script = "<script>createPageHTML('page_div', 3, 1, 'xxgk_list', 'shtml');</script>"
    page = Page.parse(SY + "xxgk_list.shtml", f"<html><body>{script}</body></html>".encode(), None)

    assert detect(page).name == "ucap"  # TRS would ask for xxgk_list_1 and never for page 3
    assert ucap.next_pages(page) == [SY + "xxgk_list_2.shtml", SY + "xxgk_list_3.shtml"]


def test_other_list_names_get_only_their_visible_pager_links():
    page = reparsed(saved_page("ucap", LIST), SY + "index.shtml")

    assert ucap.next_pages(page) == [SY + "xxgk_list_2.shtml"]  # the links, no numbering


def test_title_from_ucaptitle_and_date_from_publishtime():
    page = saved_page("ucap", REPORT_2023)  # <title> says "…-沭阳县发改局"; no ArticleTitle

    fields = ucap.report_fields(page)

    assert described(page) == (TITLE_2023, "2024-01-17", "label")
    assert fields.text.startswith("公开日期：2024-01-17\n")
    assert fields.attachments == ()  # an empty 文件下载 row


def test_the_publishtime_wins_over_chengwen_related_items_and_signature():
    page = saved_page("ucap", REPORT_2014)  # 成文日期 2015-03-16, 相关信息 2016-03-25

    assert described(page) == ("宿迁市政府办公室2014年政府信息公开年度报告", "2015-03-20", "label")


def test_the_doc_in_the_download_row_is_the_reports_attachment():
    page = saved_page("ucap", REPORT_2014)

    assert ucap.report_fields(page).attachments == (
        Entry(
            SQ + "0f235d56ca894d5d9a95a53676d05733/files/8a8f84e34c1b43f1b0e2d5c6a7f9e012.doc",
            "宿迁市政府办公室2014年政府信息公开年度报告.doc",
        ),
    )


def test_without_ucaptitle_the_name_row_gives_the_title():
    page = saved_page("ucap", REPORT_2023)
    plain = reparsed(page, page.url, f"<ucaptitle>{TITLE_2023}", "<b>")
    plain = reparsed(plain, page.url, "</ucaptitle>", "</b>")

    assert ucap.metadata(plain, "索引号") == "014314799/2024-00002"
    assert ucap.report_fields(plain).meta_title == TITLE_2023
