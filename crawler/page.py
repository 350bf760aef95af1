"""A fetched HTML page, decoded once, with the few lookups every family needs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin

from parsel import Selector

from archive.encoding import decode_html
from crawler.urls import canonical

_INVISIBLE = ("script", "style", "noscript")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    node: Selector


@dataclass
class Page:
    url: str
    text: str
    sel: Selector

    @classmethod
    def parse(cls, url: str, body: bytes, content_type: str | None) -> Page:
        text, _codec = decode_html(body, content_type)
        # type="html" always: parsel would make a JSON body (gkmlpt's API) a JSON selector, on
        # which every family's recognise() that looks at markup raises instead of answering no.
        return cls(url=url, text=text, sel=Selector(text=text or "<html></html>", type="html"))

    @cached_property
    def base(self) -> str:
        href = self.sel.css("base::attr(href)").get()
        return urljoin(self.url, href.strip()) if href else self.url

    def meta(self, name: str) -> str | None:
        """Content of <meta name=…> (case-insensitive name), stripped; None if absent or empty."""
        lower = name.lower()
        for node in self.sel.xpath("//meta[@name]"):
            if (node.attrib.get("name") or "").strip().lower() == lower:
                value = (node.attrib.get("content") or "").strip()
                return value or None
        return None

    def absolute(self, href: str) -> str | None:
        """Absolute URL without fragment, or None for javascript:/mailto:/empty links."""
        href = (href or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            return None
        url = urljoin(self.base, href)
        return canonical(url) if url.startswith(("http://", "https://")) else None

    def links(self) -> Iterator[Link]:
        """Every <a href> with its text: the visible text, or the title attribute if fuller."""
        return iter(self._links)

    @cached_property
    def _links(self) -> list[Link]:
        # Computed once per page: several families' recognise() and the attachment finder all
        # walk the links, and resolving them was most of the CPU a report page cost (profiled).
        found = []
        for node in self.sel.css("a[href]"):
            url = self.absolute(node.attrib.get("href", ""))
            if url is None:
                continue
            visible = " ".join("".join(node.xpath(".//text()").getall()).split())
            title = " ".join((node.attrib.get("title") or "").split())
            found.append(Link(url=url, text=_fuller(visible, title), node=node))
        return found

    def visible_text(self) -> str:
        """Text of the body without scripts and styles, one line per block."""
        return self._visible_text

    @cached_property
    def _visible_text(self) -> str:
        # Raw lxml text nodes: wrapping each in a parsel Selector cost more than the parse.
        parts = (
            text
            for text in self.sel.root.xpath("//body//text()")
            if getattr(text.getparent(), "tag", None) not in _INVISIBLE
        )
        lines = (" ".join(p.split()) for p in parts)
        return "\n".join(line for line in lines if line)


def _fuller(visible: str, title: str) -> str:
    """Lists truncate long titles ("…工作年..."); the title attribute keeps them whole."""
    stem = visible.rstrip(".…· ")
    if title and (len(title) > len(visible) or (stem and title.startswith(stem))):
        return title
    return visible
