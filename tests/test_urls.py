"""Canonical URLs: tracking tokens go, everything the site wrote to select a document stays.

Older Chinese sites link attachments as `down.asp?filename=<GBK bytes, percent-escaped>` and
articles as `art.asp?123`; the URL requested must be the site's own, byte for byte.
"""

from __future__ import annotations

from w3lib.url import safe_url_string

from crawler.page import Page
from crawler.urls import canonical

GBK_PUBLIC = "http://xx.gov.cn/down.asp?filename=%B9%AB%BF%AA.pdf"  # 公开.pdf in GBK
GBK_REPORT = "http://xx.gov.cn/down.asp?filename=%B1%A8%B8%E6.pdf"  # 报告.pdf in GBK


def test_percent_escaped_gbk_query_keeps_the_sites_bytes():
    assert canonical(GBK_PUBLIC) == GBK_PUBLIC
    assert canonical(GBK_REPORT) == GBK_REPORT
    assert canonical(GBK_PUBLIC) != canonical(GBK_REPORT)


def test_a_query_without_names_or_with_repeated_and_odd_pieces_is_kept_as_written():
    assert canonical("http://xx.gov.cn/art.asp?123") == "http://xx.gov.cn/art.asp?123"
    assert canonical("http://xx.gov.cn/a.jsp?b=2&a=1&a=0") == "http://xx.gov.cn/a.jsp?b=2&a=1&a=0"
    assert (
        canonical("http://xx.gov.cn/a.do?q=a%2Fb&r=x%20y")
        == "http://xx.gov.cn/a.do?q=a%2Fb&r=x%20y"
    )
    assert canonical("http://xx.gov.cn/a.do?path=/x/y:z") == "http://xx.gov.cn/a.do?path=/x/y:z"


def test_only_tracking_and_session_parameters_are_dropped():
    url = "HTTP://XX.gov.cn/c/a.html;jsessionid=ABC?id=7&utm_source=wx&spm=1.2&page=2&_=1699#top"
    assert canonical(url) == "http://xx.gov.cn/c/a.html?id=7&page=2"
    assert canonical("http://xx.gov.cn/a.html?utm_medium=x") == "http://xx.gov.cn/a.html"


def test_raw_chinese_in_a_query_is_encoded_in_the_pages_encoding_as_browsers_do():
    assert canonical("http://xx.gov.cn/down.asp?filename=公开.pdf", "gb18030") == GBK_PUBLIC
    assert canonical("http://xx.gov.cn/s?q=报告") == "http://xx.gov.cn/s?q=%E6%8A%A5%E5%91%8A"


def test_the_canonical_url_is_what_scrapy_sends():
    """Scrapy escapes a request's URL again (w3lib's safe_url_string): it must not change it."""
    for url in (
        GBK_PUBLIC,
        "http://xx.gov.cn/a?x='1'|2&y=a b&z=\"q\"",
        "http://xx.gov.cn/s?q=报告",
    ):
        assert safe_url_string(canonical(url)) == canonical(url)


def test_links_on_a_gbk_page_resolve_to_the_sites_bytes():
    body = (
        '<html><head><meta charset="gbk"></head><body>'
        '<a href="down.asp?filename=%B9%AB%BF%AA.pdf">公开</a>'
        '<a href="down.asp?filename=报告.pdf">报告</a>'
        '<a href="/art.asp?123">文章</a></body></html>'
    ).encode("gbk")
    page = Page.parse("http://xx.gov.cn/list.asp", body, "text/html")
    assert [link.url for link in page.links()] == [
        GBK_PUBLIC,
        GBK_REPORT,
        "http://xx.gov.cn/art.asp?123",
    ]
