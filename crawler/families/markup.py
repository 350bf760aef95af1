"""Small readers the family modules share: a node's text, list rows, download links.

Not a family (no PRIORITY): the loader in `crawler.families` skips it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from posixpath import basename
from urllib.parse import unquote, urlsplit

from parsel import Selector, SelectorList

from crawler.families import generic
from crawler.families.base import Entry
from crawler.page import Page


def text_of(nodes: Selector | SelectorList) -> str | None:
    """The text of a node (or a list's first node), whitespace collapsed; None when empty.

    Word-pasted pages split one word across several <span>/<font> tags, so the pieces are
    joined without spaces before whitespace is collapsed.
    """
    if isinstance(nodes, SelectorList):
        if not nodes:
            return None
        nodes = nodes[0]
    return " ".join("".join(nodes.xpath(".//text()").getall()).split()) or None


def entries_within(page: Page, ancestor: str) -> list[Entry]:
    """List entries whose link sits inside an element matching the XPath step `ancestor`.

    Example: ``entries_within(page, "ul[contains(@class, 'listContent')]")``. The entry's date
    is the one printed in its own row, as in the generic family.
    """
    return [
        Entry(url=link.url, text=link.text, date=generic.entry_date(link.element))
        for link in page.links()
        if link.text and link.node.xpath(f"ancestor::{ancestor}")
    ]


def is_file(url: str) -> bool:
    """A link to a PDF, Word, spreadsheet or archive file (the generic family's file types)."""
    return bool(generic.FILE.search(urlsplit(url).path))


def links_in(page: Page, xpath: str, *, files_only: bool) -> Iterator[Entry]:
    """Links under the nodes `xpath` selects: all of them, or only those to downloadable files."""
    for scope in page.sel.xpath(xpath):
        for node in scope.xpath("descendant-or-self::a[@href]"):
            url = page.absolute(node.attrib.get("href", ""))
            if url is None or (files_only and not is_file(url)):
                continue
            yield Entry(url=url, text=text_of(node) or node.attrib.get("title") or _file_name(url))


def unique(*groups: Iterable[Entry]) -> tuple[Entry, ...]:
    """Entries of all groups in order, each URL once (the first text wins)."""
    seen: dict[str, Entry] = {}
    for group in groups:
        for entry in group:
            seen.setdefault(entry.url, entry)
    return tuple(seen.values())


def other_pages(page: Page, *groups: Iterable[str]) -> list[str]:
    """Page URLs of all groups in order, each once, without the page itself."""
    urls = dict.fromkeys(url for group in groups for url in group)
    return [url for url in urls if url != page.url]


def _file_name(url: str) -> str:
    return unquote(basename(urlsplit(url).path))
