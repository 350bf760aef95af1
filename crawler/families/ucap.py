"""Kaipu/开普 ucap sites of Jiangsu 宿迁 (宿迁市, 沭阳县 …): `/<dept>/gknb/YYYYMM/<32-hex>.shtml`.

Domain notes §2.6. A column `/<dept>/gknb/` lists `ul.listContent li` rows (link + span date) in
`xxgk_list.shtml`, then `xxgk_list_2.shtml`, `xxgk_list_3.shtml` … (page 1 has no number). An
article opens with a metadata table — 名称 / 索引号 / 分类 / 发布机构 / 公开日期 / 文号 / 关键词 /
文件下载 / 时效 — whose 公开日期 is wrapped in Kaipu's own `<publishtime>` tag; the title is in
`<ucaptitle>` and the Word-pasted body in `<ucapcontent>` inside `#zoomcon`. The 文件下载 row
links the report's .doc/.pdf when there is one, beside the HTML body.

The publish date is the `<publishtime>` text, and it is put first in `text` as
"公开日期：<date>": the label-first rule of `crawler.dates` then takes it before any other
labelled date on the page (a related-items box, a date in the body) and records it as the
label the agency shows, which it is. 成文日期 is never a publish label, wherever it appears.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from crawler.families import generic, trs
from crawler.families.base import Entry, ReportFields
from crawler.families.markup import entries_within, links_in, other_pages, text_of, unique
from crawler.page import Page

PRIORITY = 60  # before TRS (100), whose createPageHTML numbering (index_1 = page 2) is wrong here
_TAG_NAMES = ("ucaptitle", "ucapcontent", "publishtime")
_TAGS = " | ".join(f"//{name}" for name in _TAG_NAMES)
_ARTICLE = re.compile(r"/\d{6}/[0-9a-f]{32}\.shtml$")
_LIST_FILE = re.compile(r"/xxgk_list(?:_\d+)?\.shtml$")
_LIST_ROW = "ul[contains(concat(' ', normalize-space(@class), ' '), ' listContent ')]"
_TOTAL = re.compile(r"共\s*(\d+)\s*页")
_DOWNLOADS = "//td[normalize-space() = '文件下载']/following-sibling::td[1]"
_BODY = "//ucapcontent | //*[@id = 'zoomcon']"
_MAX_PAGES = 500


def recognise(page: Page) -> bool:
    """Kaipu's own tags, or a Kaipu article/list URL, or links to Kaipu articles on this host."""
    if any(tag in page.lowered for tag in _TAG_NAMES) and page.sel.xpath(_TAGS):
        return True
    path = urlsplit(page.url).path
    if _ARTICLE.search(path) or _LIST_FILE.search(path):
        return True
    if ".shtml" not in page.text:  # no Kaipu article link can be on the page
        return False
    host = urlsplit(page.url).netloc
    return any(link.host == host and _ARTICLE.search(link.path) for link in page.links())


def list_entries(page: Page) -> Iterator[Entry]:
    """The column's rows; a page without them (a 信息公开 home) is read as any HTML list."""
    rows = entries_within(page, _LIST_ROW)
    yield from rows or generic.list_entries(page)


def next_pages(page: Page) -> list[str]:
    """xxgk_list_2 … xxgk_list_N when the pager gives N, and the pager's own in-column links.

    The visible links are kept to the column's directory by the generic family: 沭阳's
    xxgk_list_N pages are known to link into other departments' catalogues.
    """
    total = page_count(page)
    numbered = []
    if total and _LIST_FILE.search(urlsplit(page.url).path):
        numbered = [
            urljoin(page.url, f"xxgk_list_{k}.shtml") for k in range(2, min(total, _MAX_PAGES) + 1)
        ]
    return other_pages(page, numbered, generic.next_pages(page))


def stated_entries(page: Page) -> int | None:
    """An explicit count (共N条), else from the first list page the fewest records its 共N页
    pages of this page's size hold."""
    explicit = generic.stated_entries(page)
    numbered = re.search(r"/xxgk_list_(\d+)\.shtml$", urlsplit(page.url).path)
    total, rows = page_count(page), entries_within(page, _LIST_ROW)
    if explicit is not None or not total or not rows or (numbered and int(numbered.group(1)) > 1):
        return explicit
    return generic.fewest(total, len(rows))


def page_count(page: Page) -> int | None:
    """Total pages from the pager's "共N页", or the count in a createPageHTML(…) call."""
    match = _TOTAL.search(page.visible_text())
    if match:
        return int(match.group(1))
    announced = trs.page_count(page)
    return announced[0] if announced else None


def report_fields(page: Page) -> ReportFields:
    fields = generic.report_fields(page)
    title = text_of(page.sel.xpath("//ucaptitle")) or page.meta("ArticleTitle")
    named = metadata(page, "名称")
    published = text_of(page.sel.xpath("//publishtime"))
    return ReportFields(
        meta_title=title or named,
        headings=tuple(h for h in (title, named) if h) + fields.headings,
        meta_pubdate=fields.meta_pubdate,
        meta_source=fields.meta_source,
        text=f"公开日期：{published}\n{fields.text}" if published else fields.text,
        attachments=unique(
            links_in(page, _DOWNLOADS, files_only=False),
            links_in(page, _BODY, files_only=True),
        ),
    )


def metadata(page: Page, label: str) -> str | None:
    """The value cell beside a label cell of the metadata table (名称, 索引号, 发布机构 …)."""
    return text_of(page.sel.xpath(f"//td[normalize-space() = '{label}']/following-sibling::td[1]"))
