"""The main text of a report page: what a reader would call "the report", nothing else.

Change detection compares this text, not raw bytes: visit counters (浏览次数), "今天是…" clocks,
session tokens and re-rendered navigation change the bytes of a page every night without
anyone editing the report. A pure function of the archived bytes, so it can be re-run over the
whole archive when it improves.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from archive.encoding import decode_html, xml_safe

# Body containers of the CMS families, most specific first (domain notes §2). The [@class]
# and [@id] tests first: libxml2 then skips the many elements without one before the string
# tests (same nodes, in the same order; a third of the cost of reading a TRS page's text).
_BODY_XPATHS = (
    "//*[@class][contains(@class, 'TRS_Editor') or contains(@class, 'TRS_UEDITOR')]",
    "//*[@class][contains(@class, 'trs_editor_view')]",
    "//ucapcontent",
    "//*[@class][contains(@class, 'news_cont_d_wrap')]",
    "//*[@class][contains(@class, 'easysite-news-peruse')]",
    "//*[@id][@id='zoom' or @id='UCAP-CONTENT' or @id='zoomcon']",
    "//article",
)
_DROP = "//script | //style | //noscript | //nav | //header | //footer | //select | //form"
_VOLATILE = re.compile(
    r"(浏览次数|访问次数|阅读次数|点击数|点击率|访问量|浏览量|阅读量)\s*[:：]?\s*\d*"
    r"|今天是.{0,30}?(星期.|周.)"
    r"|打印本页|关闭窗口|【打印】|【关闭】|\[打印\]|\[关闭\]"
)
_HTML_TYPES = ("html", "xml", "text/plain")


def text_digest(text: str | None) -> str | None:
    """SHA-256 of extracted text: equal digests mean no edit, whatever the bytes did."""
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None


def is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return any(t in content_type.lower() for t in _HTML_TYPES)
    return body.lstrip()[:1] == b"<"


def report_text(body: bytes, content_type: str | None) -> str | None:
    """Main text of an HTML report, one line per block; None for non-HTML bodies."""
    if not is_html(content_type, body):
        return None
    root = parse(decode_html(body, content_type)[0])
    return main_text(root) if root is not None else ""


# A character reference that may name a control character (&#1;, &#x0b;): loose on purpose,
# it only decides whether the parsed tree is walked.
_CONTROL_REF = re.compile(r"&#(?:[xX]0*[0-9a-fA-F]{1,2}|0*[0-9]{1,2});")


def parse(html: str) -> lxml.html.HtmlElement | None:
    """The page's tree, holding no character XML cannot hold; None when empty or unparseable.

    lxml refuses such a character whenever a tree is changed (drop_tree, a new tail), so none
    may reach the tree: `xml_safe` removes those written as such (Word-pasted pages), and a
    tree built from a character reference to one (`&#1;`) is cleaned node by node."""
    return parse_document(html).root


@dataclass(frozen=True)
class Parsed:
    """`parse`'s tree, and whether it is libxml2's plain document for the text as given."""

    root: lxml.html.HtmlElement | None
    # No character removed or repaired, no resource limit hit (lxml's default parser stops at
    # a depth of 256 or a 10 MB text node), no misplaced <html>, <head> or <body> start tag
    # (libxml2 then ignores as many of their end tags, so a final </html> may close nothing),
    # and the document's own root rather than a fragment lxml.html made of it: another reader
    # of the same text (the crawler's description) may use this tree instead of parsing the
    # page again.
    plain: bool


def parse_document(html: str) -> Parsed:
    """`parse`, telling whether its tree is the page's plain document (`Parsed.plain`)."""
    safe = xml_safe(html)
    parser = lxml.html.HTMLParser()  # lxml.html's own parser's settings; its own error log
    try:
        root = lxml.html.fromstring(safe, parser=parser) if html.strip() else None
    except (etree.ParserError, ValueError):
        return Parsed(None, False)
    if root is None:
        return Parsed(None, False)
    plain = safe is html and bool(_FULL_HTML(html))
    if _CONTROL_REF.search(html):
        plain = False
        for node in root.iter():
            if node.text:
                node.text = xml_safe(node.text)
            if node.tail:
                node.tail = xml_safe(node.tail)
    if plain and parser.error_log.filter_types(_NOT_PLAIN):
        plain = False
    return Parsed(root, plain)


# What lxml.html.fromstring takes for a whole document: it returns such a tree as parsed, and
# makes a fragment of anything else (renaming <body>, merging heads).
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.I).match
_NOT_PLAIN = (etree.ErrorTypes.ERR_RESOURCE_LIMIT, etree.ErrorTypes.HTML_STRUCURE_ERROR)


def main_text(root: lxml.html.HtmlElement) -> str:
    """Main text of a parsed page, one line per block. Drops the navigation, scripts and forms
    from `root` itself: give it a copy when the tree is wanted afterwards.

    Each text node is one line, volatile bits removed and its whitespace collapsed, empty ones
    dropped — done on the joined nodes (NUL never occurs in a parsed tree) rather than per
    node in Python, and the nodes read by a compiled XPath (`itertext` makes a Python proxy of
    every element on the way): the same lines, at a third of the cost (profiled)."""
    for node in _DROP_NODES(root):
        node.drop_tree()
    nodes = _TEXT_NODES(_main(root))
    joined = "\x00".join(nodes)
    if _VOLATILE.search(joined):  # no match in the whole means none in any one node
        joined = "\x00".join(_VOLATILE.sub("", node) for node in nodes)
    lines = " ".join(joined.split()).split("\x00")
    return "\n".join(line for line in (line.strip(" ") for line in lines) if line)


_DROP_NODES = etree.XPath(_DROP)
_TEXT_NODES = etree.XPath("descendant::text()", smart_strings=False)
_BODY_FINDERS = tuple(etree.XPath(xpath) for xpath in _BODY_XPATHS)


def _main(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    for finder in _BODY_FINDERS:
        found = finder(root)
        if found:
            return max(found, key=lambda node: len(node.text_content()))
    body = root.find("body")
    return body if body is not None else root
