"""TRS WCM (拓尔思): columns are directories paged as index.html, index_1.html, index_2.html …

The page count exists only in a script call, `createPageHTML(total, current, "index", "html")`
(or `var countPage = N`), so an HTML link extractor sees no pagination at all. Pages beyond the
announced total are stubs or redirects and are never requested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

from crawler.families import generic
from crawler.families.base import Entry
from crawler.page import Page

_CALL = re.compile(
    r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*"
    r"['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_VAR = re.compile(r"\bcountPage\s*=\s*(\d+)")
_ARTICLE = re.compile(r"/t(?:19|20)\d{6}_\d+\.s?html?$")
_MAX_PAGES = 500
PRIORITY = 100


def recognise(page: Page) -> bool:
    return (
        "createPageHTML" in page.text
        or ("TRS_" in page.text and bool(page.sel.css(".TRS_Editor, .TRS_UEDITOR")))
        or bool(_ARTICLE.search(page.url))
    )


def page_count(page: Page) -> tuple[int, str, str] | None:
    """(total pages, file prefix, extension) announced by the page's script, if any."""
    match = _CALL.search(page.text)
    if match:
        return int(match.group(1)), match.group(3), match.group(4)
    count = _COUNT_VAR.search(page.text)
    if count and "createPageHTML" in page.text:
        return int(count.group(1)), "index", "html"
    return None


def column_entries(page: Page) -> list[Entry]:
    """The t-date articles the page lists (TRS's own documents), else every entry."""
    entries = list(generic.list_entries(page))
    articles = [e for e in entries if _ARTICLE.search(e.url)]
    return list({e.url: e for e in articles}.values()) or entries


def stated_entries(page: Page) -> int | None:
    """TRS states pages, not records: from the first page, the fewest records that many pages
    of this page's size hold, (pages - 1) x size + 1; an explicit count (共N条) wins."""
    explicit = generic.stated_entries(page)
    call = _CALL.search(page.text)
    if explicit is not None or not call or int(call.group(2)) != 0:
        return explicit
    return generic.fewest(int(call.group(1)), len(column_entries(page)))


def next_pages(page: Page) -> Iterator[str]:
    announced = page_count(page)
    if announced:
        total, prefix, ext = announced
        for k in range(1, min(total, _MAX_PAGES)):
            yield urljoin(page.url, f"{prefix}_{k}.{ext}")
    yield from generic.next_pages(page)
