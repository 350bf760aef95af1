"""The main text of a report page: what a reader would call "the report", nothing else.

Change detection compares this text, not raw bytes: visit counters (浏览次数), "今天是…" clocks,
session tokens and re-rendered navigation change the bytes of a page every night without
anyone editing the report. A pure function of the archived bytes, so it can be re-run over the
whole archive when it improves.
"""

from __future__ import annotations

import hashlib
import re

import lxml.html
from lxml import etree

from archive.encoding import decode_html, xml_safe

# Body containers of the CMS families, most specific first (domain notes §2).
_BODY_XPATHS = (
    "//*[contains(@class, 'TRS_Editor') or contains(@class, 'TRS_UEDITOR')]",
    "//*[contains(@class, 'trs_editor_view')]",
    "//ucapcontent",
    "//*[contains(@class, 'news_cont_d_wrap')]",
    "//*[contains(@class, 'easysite-news-peruse')]",
    "//*[@id='zoom' or @id='UCAP-CONTENT' or @id='zoomcon']",
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
    text, _codec = decode_html(body, content_type)
    try:
        root = lxml.html.fromstring(xml_safe(text)) if text.strip() else None
    except (etree.ParserError, ValueError):
        return ""
    return main_text(root) if root is not None else ""


def main_text(root: lxml.html.HtmlElement) -> str:
    """Main text of a parsed page, one line per block. Drops the navigation, scripts and forms
    from `root` itself: give it a copy when the tree is wanted afterwards."""
    for node in root.xpath(_DROP):
        node.drop_tree()
    lines = (_clean(line) for line in _main(root).itertext())
    return "\n".join(line for line in lines if line)


def _main(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    for xpath in _BODY_XPATHS:
        found = root.xpath(xpath)
        if found:
            return max(found, key=lambda node: len(node.text_content()))
    body = root.find("body")
    return body if body is not None else root


def _clean(line: str) -> str:
    return " ".join(_VOLATILE.sub("", line).split())
