"""Customs EasySite: `http://<district>.customs.gov.cn/<district>_customs/<site>/<col>/…`.

Domain notes §2.5 (seed 000: guangzhou.customs.gov.cn/guangzhou_customs/381558/381575/391204/).
Lists are `[class^="conList_ul"] li` rows — `a[title]` with the full title and a `span` date —
and page k of a column is a hashed name `<prefix>-<k>.html` (e.g. 58527f05-2.html) beside the
column's index.html, which is page 1. The pager (`.easysite-page-wrap`) may announce the total
("共2页"); otherwise only 下一页 leads on. Articles show "YYYY-MM-DD HH:mm" in
`.easysite-news-describe`, often without a label, and the body in `.easysite-news-peruse`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import urljoin, urlsplit

from crawler.dates import labelled_date, parse_date
from crawler.families import generic
from crawler.families.base import Entry, ReportFields
from crawler.families.markup import entries_within, links_in, other_pages, text_of, unique
from crawler.page import Page

PRIORITY = 70  # before TRS (100) and generic; its signs are specific to customs sites
_SITE_PATH = re.compile(r"^/[a-z]+_customs/")
_MARKUP = "//*[contains(@class, 'easysite-') or starts-with(@class, 'conList_ul')]"
_LIST_ROW = "*[starts-with(@class, 'conList_ul')]"
_PAGER = "//*[contains(@class, 'easysite-page')]"
_TOTAL = re.compile(r"共\s*(\d+)\s*页")
_HASHED = re.compile(r"(?:^|/)([0-9a-f]{6,})-(\d+)\.html?$")
_GO_PAGE = re.compile(r"easysiteGoPage\(\s*['\"]([0-9a-f]{6,})['\"]")
_DESCRIBE = "//*[contains(@class, 'easysite-news-describe')]"
_BODY = "//*[contains(@class, 'easysite-news-peruse')]"
_ATTACHMENT_BLOCK = "//*[contains(@class, 'attach') or contains(@class, 'fujian')]"
_ANY_LABEL = re.compile(r"日期|时间")
_MAX_PAGES = 500


def recognise(page: Page) -> bool:
    parts = urlsplit(page.url)
    return (
        (parts.hostname or "").endswith("customs.gov.cn")
        or bool(_SITE_PATH.match(parts.path))
        or (
            ("easysite-" in page.text or "conList_ul" in page.text)
            and bool(page.sel.xpath(_MARKUP))
        )
    )


def list_entries(page: Page) -> Iterator[Entry]:
    """The column's rows; a page without them (a 信息公开 home) is read as any HTML list."""
    rows = entries_within(page, _LIST_ROW)
    yield from rows or generic.list_entries(page)


def next_pages(page: Page) -> list[str]:
    """Pages 2…N when the pager gives the total; else its 下一页 and numbered links.

    Page 1 is the column's index.html, so `<prefix>-1.html` (the same list again) is skipped.
    """
    total, prefix = page_count(page), hashed_prefix(page)
    if total and prefix:
        pages = [
            urljoin(page.url, f"{prefix}-{k}.html") for k in range(2, min(total, _MAX_PAGES) + 1)
        ]
    else:
        pages = [url for url in generic.next_pages(page) if not _is_first_page(url)]
    return other_pages(page, pages)


def _is_first_page(url: str) -> bool:
    hashed = _HASHED.search(urlsplit(url).path)
    return bool(hashed) and hashed.group(2) == "1"


def stated_entries(page: Page) -> int | None:
    """An explicit count (共N条), else from the first page (index.html, or <prefix>-1.html)
    the fewest records its 共N页 pages of this page's size hold."""
    explicit = generic.stated_entries(page)
    hashed = _HASHED.search(urlsplit(page.url).path)
    total, rows = page_count(page), entries_within(page, _LIST_ROW)
    if explicit is not None or not total or not rows or (hashed and int(hashed.group(2)) > 1):
        return explicit
    return generic.fewest(total, len(rows))


def page_count(page: Page) -> int | None:
    """The total the pager announces ("共2页 1/2"), if it does."""
    pager = " ".join(page.sel.xpath(_PAGER).xpath(".//text()").getall())
    match = _TOTAL.search(pager)
    return int(match.group(1)) if match else None


def hashed_prefix(page: Page) -> str | None:
    """The column's page-name prefix: from easysiteGoPage('…'), a pager link, or the URL."""
    call = _GO_PAGE.search(page.text)
    if call:
        return call.group(1)
    hrefs = page.sel.xpath(_PAGER).xpath(".//a/@href").getall()
    for path in (*hrefs, urlsplit(page.url).path):
        match = _HASHED.search(path.strip())
        if match:
            return match.group(1)
    return None


def report_fields(page: Page) -> ReportFields:
    """The date shown under the title goes first in `text`, labelled, so nothing else beats it.

    `.easysite-news-describe` often holds a bare "2016-03-30 10:12" that the label rule of
    `crawler.dates` would not see, while a 上一篇/下一篇 box elsewhere may carry labelled dates.
    """
    fields = generic.report_fields(page)
    shown = shown_date(text_of(page.sel.xpath(_DESCRIBE)))
    title = page.meta("ArticleTitle") or text_of(
        page.sel.xpath("//*[contains(@class, 'easysite-news-title')]")
    )
    return ReportFields(
        meta_title=title,
        headings=fields.headings,
        meta_pubdate=fields.meta_pubdate,
        meta_source=fields.meta_source,
        text=f"发布时间：{shown.isoformat()}\n{fields.text}" if shown else fields.text,
        attachments=unique(
            links_in(page, _ATTACHMENT_BLOCK, files_only=False),
            links_in(page, _BODY, files_only=True),
        ),
    )


def shown_date(describe: str | None) -> date | None:
    """The publish date in the article's date line: after a publish label, or bare and alone.

    A labelled line that names only other dates (成文日期：…) gives None, not its first date.
    """
    if not describe:
        return None
    labelled = labelled_date(describe)
    if labelled or _ANY_LABEL.search(describe):
        return labelled
    return parse_date(describe)
