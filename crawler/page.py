"""A fetched HTML page, decoded once, with the few lookups every family needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector

from archive.encoding import decode_html
from archive.text import Parsed
from crawler.urls import canonical

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#")
_NODE_BREAK = re.compile(r" ?\x00[ \x00]*")
# Compiled once: the filter runs in libxml2 instead of a Python test per text node. The
# descendant axis rather than "//body//text()" (descendant-or-self::node()/child::…, a step
# per node): the same nodes, in the same order, at three quarters of the cost.
_VISIBLE_TEXT = etree.XPath(
    "/descendant::body/descendant::text()"
    "[not(parent::script or parent::style or parent::noscript)]",
    smart_strings=False,  # plain strings: a "smart" one builds a proxy of its parent element
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    element: etree._Element

    @property
    def node(self) -> Selector:
        """The <a> as a parsel Selector, made only for the few callers that need XPath on it."""
        return Selector(root=self.element, type="html")

    @cached_property
    def host(self) -> str:
        return self.url.split("/", 3)[2]  # canonical URLs are always scheme://host/path…

    @cached_property
    def path(self) -> str:
        rest = self.url.split("/", 3)
        return "/" + rest[3].split("?", 1)[0] if len(rest) > 3 else "/"


@dataclass
class Page:
    url: str
    text: str
    sel: Selector
    # The codec the page was decoded with: raw non-ASCII in a link's query is sent in it, as a
    # browser does (a GBK page's `?name=报告` asks for the GBK bytes).
    encoding: str = "utf-8"

    @classmethod
    def parse(cls, url: str, body: bytes, content_type: str | None) -> Page:
        text, codec = decode_html(body, content_type)
        # type="html" always: parsel would make a JSON body (gkmlpt's API) a JSON selector, on
        # which every family's recognise() that looks at markup raises instead of answering no.
        selector = Selector(text=text or "<html></html>", type="html")
        return cls(url=url, text=text, sel=selector, encoding=codec)

    @classmethod
    def adopt(cls, url: str, text: str, codec: str, parsed: Parsed) -> Page | None:
        """The page `parse` would give, on a tree the archive's reader parsed from the same
        text (`archive.text.parse_document`), so that a new report page is parsed once for
        describing and reading; None when parsel's tree could differ from it.

        parsel parses the text stripped (Python's whitespace, NULs) with the huge-tree option:
        the same document when the reader's tree is libxml2's plain one (`Parsed.plain`:
        nothing removed or repaired, no resource limit hit, no misplaced <html> or <body>) and
        what is stripped is ASCII blanks, which libxml2 skips at the start and drops after a
        closing </html> (anywhere else they become text: an unclosed element's, or the
        comment's or script's that took the </html> in)."""
        root = parsed.root
        if root is None or not parsed.plain:
            return None
        lead = len(text) - len(text.lstrip())
        trail = len(text) - len(text.rstrip())
        if text[:lead].strip(_BLANKS) or text[len(text) - trail :].strip(_BLANKS):
            return None  # Unicode spaces: parsel strips them, libxml2 keeps them as text
        if trail:
            end = len(text) - trail
            if not _CLOSING.search(text, max(0, end - 200), end) or _swallowed(root):
                return None
        return cls(url=url, text=text, sel=Selector(root=root, type="html"), encoding=codec)

    @cached_property
    def base(self) -> str:
        href = self.sel.css("base::attr(href)").get()
        try:
            return urljoin(self.url, href.strip()) if href else self.url
        except ValueError:  # a malformed <base href>: links resolve against the page's URL
            return self.url

    def meta(self, name: str) -> str | None:
        """Content of <meta name=…> (case-insensitive name), stripped; None if absent or empty."""
        return self._metas.get(name.lower())

    @cached_property
    def _metas(self) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for node in self.sel.root.iter("meta"):
            name = (node.get("name") or "").strip().lower()
            if name and name not in found:  # the first one wins, as browsers and CMSs read it
                found[name] = (node.get("content") or "").strip() or None
        return found

    @cached_property
    def lowered(self) -> str:
        """The page's text lower-cased: a cheap test before an XPath over the whole tree."""
        return self.text.lower()

    def absolute(self, href: str) -> str | None:
        """Absolute URL without fragment, or None for javascript:/mailto:/empty links."""
        href = (href or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            return None
        if href.startswith(("http://", "https://")):
            url = href
        elif href.startswith("/") and not href.startswith("//") and "/." not in href:
            url = self._origin + href  # the common case, without urljoin's general parsing
        else:
            try:
                url = urljoin(self.base, href)
            except ValueError:  # "http://[::1" and the like: not a link anyone can follow
                return None
        if not url.startswith(("http://", "https://")):
            return None
        try:
            return _canonical(url, self.encoding)
        except ValueError:
            return None

    @cached_property
    def _origin(self) -> str:
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}"

    def links(self) -> Iterator[Link]:
        """Every <a href> with its text: the visible text, or the title attribute if fuller."""
        return iter(self._links)

    @cached_property
    def _links(self) -> list[Link]:
        # Computed once per page: several families' recognise() and the attachment finder all
        # walk the links, and resolving them was most of the CPU a report page cost (profiled).
        # lxml directly, not parsel: a Selector and an XPath call per link cost more than the
        # page's parse.
        found = []
        for element in self.sel.root.iter("a"):
            href = element.get("href")
            url = self.absolute(href) if href is not None else None
            if url is None:
                continue
            visible = " ".join("".join(element.itertext()).split())
            title = " ".join((element.get("title") or "").split())
            found.append(Link(url=url, text=_fuller(visible, title), element=element))
        return found

    def visible_text(self) -> str:
        """Text of the body without scripts and styles, one line per block."""
        return self._visible_text

    @cached_property
    def _visible_text(self) -> str:
        # Each text node becomes one line, its whitespace collapsed, empty ones dropped; done on
        # the joined string (NUL never occurs in parsed XML) instead of per node in Python.
        joined = " ".join("\x00".join(_VISIBLE_TEXT(self.sel.root)).split())
        return _NODE_BREAK.sub("\n", joined).strip("\n")


_BLANKS = " \t\n\r"


# The text ends with a closing </html> right after a tag's ">": not inside a start tag, whose
# unquoted attribute value or name would take it in (a quoted one runs to the end of the text,
# and the tag is dropped with what follows).
_CLOSING = re.compile(r">[ \t\n\r]*</html>\Z", re.IGNORECASE)


def _swallowed(root: etree._Element) -> bool:
    """Whether the text's last "</html>" is the content of an unclosed comment or script (or
    style, textarea…): that node is the last one in the tree, the end of its rightmost path
    (or the last node after the root), and would have taken the trailing whitespace too."""
    last = root
    while len(last):
        last = last[-1]
    following = list(root.itersiblings())
    after = following[-1] if following else None
    return any("</html" in (node.text or "").lower() for node in (last, after) if node is not None)


@lru_cache(maxsize=16384)
def _canonical(url: str, encoding: str) -> str:
    # A site's navigation repeats on every page: the same few hundred URLs, canonicalised once.
    return canonical(url, encoding)


def _fuller(visible: str, title: str) -> str:
    """Lists truncate long titles ("…工作年..."); the title attribute keeps them whole."""
    stem = visible.rstrip(".…· ")
    if title and (len(title) > len(visible) or (stem and title.startswith(stem))):
        return title
    return visible
