"""Guangdong gkmlpt (crawler/families/gkmlpt.py) against saved pages loaded with their URLs.

The pages are built from the structure described in domain.md §2.3 (whly.gd.gov.cn
annualreport#2629 and its API with sid=175, code-index id 20879211009; API fields from the
china-governance scratchpad); post ids, titles' dates and the category tree are invented.
"""

from __future__ import annotations

from crawler.dates import pick_published_on
from crawler.families import detect, gkmlpt
from crawler.page import Page
from tests.saved_pages import PAGES, saved_page

HOST = "http://whly.gd.gov.cn"
API = f"{HOST}/gkmlpt/api/all/2629"
JSON = "application/json;charset=UTF-8"


SHELL = PAGES / "gkmlpt" / "whly_annualreport.html"


def shell(url: str | None = None) -> Page:
    """The saved shell as Scrapy hands it over (response.url has lost #2629), or at `url`."""
    if url is None:
        return saved_page("gkmlpt", SHELL.name)
    return Page.parse(url, SHELL.read_bytes(), "text/html; charset=utf-8")


def api_page(number: int) -> Page:
    return saved_page("gkmlpt", f"whly_api_2629_page{number}.json")


def content_page() -> Page:
    return saved_page("gkmlpt", "whly_post_3712345.html")


def test_the_shell_the_api_and_content_pages_are_gkmlpt():
    for page in (shell(), api_page(1), api_page(3), content_page()):
        assert gkmlpt.recognise(page)
        assert detect(page).name == "gkmlpt"


def test_a_config_shell_outside_gkmlpt_is_recognised_by_its_config():
    body = SHELL.read_bytes()
    assert gkmlpt.recognise(Page.parse("http://whly.gd.gov.cn/xxgk/", body, None))
    assert not gkmlpt.recognise(Page.parse("http://whly.gd.gov.cn/xxgk/", b"<p>SID</p>", None))


def test_the_shell_lists_nothing_and_leads_to_the_annual_report_category_found_by_name():
    page = shell()

    assert list(gkmlpt.list_entries(page)) == []
    assert list(gkmlpt.next_pages(page)) == [f"{API}?page=1&sid=175"]


def test_a_fragment_that_survives_in_the_url_names_the_category():
    page = shell(f"{HOST}/gkmlpt/annualreport#2631")
    assert list(gkmlpt.next_pages(page)) == [f"{HOST}/gkmlpt/api/all/2631?page=1&sid=175"]


def test_tree_names_choose_the_disclosure_report_not_the_website_form_or_the_explainers():
    names = {node["id"]: node["name"] for node in gkmlpt.tree(shell().text)}
    assert names[2629] == "政府信息公开年报"
    assert gkmlpt.annual_report_category(shell())["id"] == 2629
    for name in ("政府网站工作年度报表", "年报图解", "机构职能"):
        assert gkmlpt._report_name_score(name) == 0
    assert gkmlpt._report_name_score("政府信息公开工作年度报告") == 2
    assert gkmlpt._report_name_score("年度报告") == 1


def test_a_category_that_jumps_elsewhere_sends_the_crawl_there():
    body = SHELL.read_text("utf-8")
    jumping = body.replace(
        '"id": 2629, "name": "政府信息公开年报", "parent": 0, "jump_url": ""',
        '"id": 2629, "name": "政府信息公开年报", "parent": 0, "jump_url": "/zwgk/ndbg/"',
    )
    page = Page.parse(f"{HOST}/gkmlpt/annualreport", jumping.encode(), None)
    assert [t.url for t in gkmlpt.next_pages(page)] == [f"{HOST}/zwgk/ndbg/"]


def test_api_articles_become_entries_on_http_with_unescaped_titles_and_publish_dates():
    entries = list(gkmlpt.list_entries(api_page(1)))

    assert [(e.url, e.text, e.date) for e in entries] == [
        (
            f"{HOST}/gkmlpt/content/3/3712/post_3712345.html",
            "广东省文化和旅游厅2021年政府信息公开工作年度报告",
            "2022-01-26",
        ),
        (
            "https://mp.weixin.qq.com/s/Xk3pQ7vLm2aYw9RtZs0bNq",  # another host keeps its scheme
            "图解：广东省文化和旅游厅2021年政府信息公开工作年度报告",
            "2022-01-27",
        ),
        (
            f"{HOST}/gkmlpt/content/3/3297/post_3297710.html",
            "广东省文化和旅游厅2020年政府信息公开工作年度报告",  # arrived %uXXXX-escaped
            "2021-01-29",
        ),
        (
            f"{HOST}/gkmlpt/content/3/3188/post_3188021.html",
            "广东省文化和旅游厅2019年政府信息公开工作年度报告",
            "2020-01-22",  # display_publish_time 0: create_time, not the earlier `date`
        ),
    ]


def test_page_one_announces_the_remaining_pages_from_post_count_and_its_own_size():
    assert list(gkmlpt.next_pages(api_page(1))) == [f"{API}?page=2&sid=175"]


def test_later_pages_and_empty_pages_announce_nothing():
    assert list(gkmlpt.next_pages(api_page(2))) == []
    assert list(gkmlpt.next_pages(api_page(3))) == []
    assert list(gkmlpt.list_entries(api_page(3))) == []
    assert len(list(gkmlpt.list_entries(api_page(2)))) == 3


def test_page_zero_is_read_like_page_one():
    body = (PAGES / "gkmlpt" / "whly_api_2629_page1.json").read_bytes()
    page = Page.parse(f"{API}?page=0&sid=175", body, JSON)
    assert list(gkmlpt.next_pages(page)) == [f"{API}?page=2&sid=175"]


def test_a_broken_or_foreign_answer_lists_nothing():
    bodies = (b"<html><body>502 Bad Gateway</body></html>", b"[]", b'{"articles": null}')
    for body in (*bodies, b'{"articles": ["x", 3], "classify": {"post_count": 900}}'):
        page = Page.parse(f"{API}?page=1&sid=175", body, JSON)
        assert list(gkmlpt.list_entries(page)) == []
        assert list(gkmlpt.next_pages(page)) == []


def test_article_dates_read_epochs_in_china_time_and_skip_empty_fields():
    assert gkmlpt.article_date({"display_publish_time": 1643126400}) == "2022-01-26"  # 00:00 +8
    assert gkmlpt.article_date({"display_publish_time": 1643126400000}) == "2022-01-26"  # ms
    assert gkmlpt.article_date({"display_publish_time": "", "created_at": "2021-02-03"}) == (
        "2021-02-03"
    )
    assert gkmlpt.article_date({"display_publish_time": 0}) is None


def test_a_content_page_gives_its_name_first_and_the_publish_date_not_the_written_date():
    page = content_page()

    fields = gkmlpt.report_fields(page)

    assert fields.headings[0] == "广东省文化和旅游厅2021年政府信息公开工作年度报告"
    assert gkmlpt.table_value(page, "成文日期") == "2022-01-21"
    assert gkmlpt.table_value(page, "文号") is None
    published, evidence = pick_published_on(fields.text, fields.meta_pubdate, None, page.url)
    assert (published.isoformat(), evidence) == ("2022-01-26", "label")


def jumping_shell(url: str, jump_url: str) -> Page:
    body = SHELL.read_text("utf-8").replace(
        '"id": 2629, "name": "政府信息公开年报", "parent": 0, "jump_url": ""',
        f'"id": 2629, "name": "政府信息公开年报", "parent": 0, "jump_url": "{jump_url}"',
    )
    return Page.parse(url, body.encode(), "text/html; charset=utf-8")


def test_a_jump_back_to_the_page_being_read_falls_through_to_the_api():
    # issue 14 item 2: Scrapy's duplicate filter drops a request for the page itself, so
    # following such a jump would leave the column with nothing
    for jump in ("/gkmlpt/annualreport#2629", f"{HOST}/gkmlpt/annualreport", "./annualreport"):
        page = jumping_shell(f"{HOST}/gkmlpt/annualreport", jump)
        assert list(gkmlpt.next_pages(page)) == [f"{API}?page=1&sid=175"], jump


def test_a_jump_elsewhere_carries_the_api_as_its_fallback_for_an_already_visited_page():
    page = jumping_shell(f"{HOST}/gkmlpt/annualreport", "/gkmlpt/index#2629")
    [target] = gkmlpt.next_pages(page)
    assert target.url == f"{HOST}/gkmlpt/index"
    assert target.fallback == f"{API}?page=1&sid=175"
