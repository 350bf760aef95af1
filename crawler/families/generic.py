"""The fallback family: any HTML list of links, paginated by visible links.

Pagination is followed only inside the column: links labelled 下一页/下页/›, numbered page
links and ?page=N variants whose URL stays in the list page's own directory. That keeps a
crawl from wandering into the rest of the site through navigation menus.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from posixpath import dirname
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from crawler.families.base import Entry, ReportFields
from crawler.page import Link, Page

_NEXT_LABELS = {"下一页", "下页", "后页", "下一頁", "›", "»", ">", ">>", "next", "尾页", "末页"}
_PAGE_NUMBER = re.compile(r"^\[?\d{1,3}\]?$")
_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
FILE = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|zip|rar|7z|ofd|rtf)$", re.IGNORECASE)
# A download script naming the file in its query: down.asp?filename=%B9%AB%BF%AA.pdf&id=3
_QUERY_FILE = re.compile(r"=[^&=]*\.(pdf|docx?|wps|xlsx?|et|zip|rar|7z|ofd|rtf)(?:&|$)", re.I)
_CONTAINERS = ("li", "tr", "dd", "dt", "p", "div")  # not td: the date sits in a sibling cell
# How many records a list page says its column holds: 共45条 in its pager (a 页 nearby: a
# sentence of a report, 主动公开信息共421条, is no pager), or its script's recordCount /
# totalRecord (TRS and jpage pagers).
_STATED_TEXT = re.compile(r"(?=.{0,40}页)共\s*(\d{1,6})\s*条|页.{0,40}?共\s*(\d{1,6})\s*条", re.S)
_STATED_SCRIPT = re.compile(r"\b(?:recordCount|totalRecord|totalCount)\s*[:=]\s*['\"]?(\d{1,6})\b")


PRIORITY = 1000  # the fallback: tried last


def recognise(page: Page) -> bool:
    return True


def list_entries(page: Page) -> Iterator[Entry]:
    for link in page.links():
        if link.text:
            yield Entry(url=link.url, text=link.text, date=entry_date(link.element))


def stated_entries(page: Page) -> int | None:
    """The record count the page states (共N条, recordCount, totalRecord), if any."""
    match = _STATED_TEXT.search(page.visible_text())
    if match:
        return int(match.group(1) or match.group(2))
    match = _STATED_SCRIPT.search(page.text)
    return int(match.group(1)) if match else None


def fewest(pages: int, size: int) -> int | None:
    """A pager that states only its page count: pages of `size` hold at least this many
    records (the last page may hold one), exactly `size` when there is one page."""
    if pages < 1 or size < 1:
        return None
    return size if pages == 1 else (pages - 1) * size + 1


def entry_date(node: Selector | etree._Element) -> str | None:
    """The date printed in the entry's own row: its nearest li/tr/dd/dt/p/div ancestor.

    Only that one row is read: looking further up would take a neighbouring entry's date.
    """
    element = node.root if isinstance(node, Selector) else node
    for container in element.iterancestors():  # lxml, not parsel: this runs for every entry
        if container.tag in _CONTAINERS:
            text = " ".join(container.itertext())
            match = _DATE.search(text) if len(text) <= 400 else None
            return match.group(0) if match else None
    return None


def next_pages(page: Page) -> Iterator[str]:
    for link in page.links():
        label = link.text.strip().lower()
        is_pager = label in _NEXT_LABELS or "下一页" in label or _PAGE_NUMBER.match(label)
        if is_pager and in_column(page.url, link.url):
            yield link.url


def in_column(list_url: str, url: str) -> bool:
    """Same host and the same directory as the list page (query strings may differ)."""
    a, b = urlsplit(list_url), urlsplit(url)
    return a.netloc == b.netloc and _directory(a.path) == _directory(b.path) and url != list_url


def _directory(path: str) -> str:
    return path if path.endswith("/") else dirname(path) + "/"


def report_fields(page: Page) -> ReportFields:
    headings = page.sel.xpath("//ucaptitle | //h1 | //h2 | //h3 | //*[contains(@class, 'title')]")
    texts = (" ".join("".join(h.css("::text").getall()).split()) for h in headings)
    return ReportFields(
        meta_title=page.meta("ArticleTitle"),
        headings=tuple(t for t in texts if t),
        meta_pubdate=page.meta("PubDate"),
        text=page.visible_text(),
        attachments=tuple(attachments(page)),
        meta_source=page.meta("ContentSource"),
    )


def attachments(page: Page) -> Iterator[Entry]:
    """Links to files (PDF, Word, spreadsheets, archives) on the page's own host: by the path's
    extension, or by the file a download script's query names (older sites link them so)."""
    host = urlsplit(page.url).netloc
    seen = set()
    for link in page.links():
        if link.host == host and _is_file_link(link) and link.url not in seen:
            seen.add(link.url)
            yield Entry(url=link.url, text=link.text)


def _is_file_link(link: Link) -> bool:
    if FILE.search(link.path):
        return True
    _, query = link.url.partition("?")[::2]
    return bool(query) and bool(_QUERY_FILE.search(query))
