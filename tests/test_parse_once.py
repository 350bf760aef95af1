"""One parse per page: the describing worker parses a new report page once for describing and
reading it, and must describe and read it exactly as the two separate parses did — parsel's
for the description, lxml.html's for the text and tables — whatever the page's markup."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from lxml import etree

from archive import crawl_extraction
from archive.encoding import decode_html
from archive.text import parse_document
from crawler.describer import describe_and_read
from crawler.families import Entry
from crawler.page import Page
from crawler.report_page import describe_body

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(
    p
    for p in [*FIXTURES.glob("pages/*/*"), *FIXTURES.glob("stats/*.html")]
    if p.suffix in (".html", ".shtml") and not p.name.startswith("_")
)
# Endings on which the two parsers' trees differ: parsel strips the text (Unicode spaces
# included) before parsing, and whitespace after a </html> that closes nothing, or that an
# unclosed comment, script or tag took in, lands in lxml.html's tree.
ENDINGS = [
    "",
    "\n",
    "\u3000\n",
    "\n\xa0",
    "<!-- unclosed </html>\n",
    "<script>var a = 1; </html>\n",
    "<textarea></html>\n",
    "<br a=</html>\n",
    "<div><body></div></body></html>\n",
    "<p>last words",
    "<p>last words\n",
    "</x </html>\n",
    "&#1;</html>\n",
]


def separately(url: str, body: bytes, entry: Entry | None) -> tuple:
    """What the worker answered before: described, then read, each parsing the page itself."""
    found, files = describe_body(url, body, "text/html", entry, None)
    sha256 = hashlib.sha256(body).hexdigest()
    return found, files, crawl_extraction.read(url, body, "text/html", found["year"], sha256)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_one_parse_describes_and_reads_a_page_as_two_did(path: Path) -> None:
    raw = path.read_bytes()
    entry = Entry("https://example.gov.cn/r.html", "2023年政府信息公开工作年度报告", "2024-01-05")
    for ending in ENDINGS:
        body = raw.rstrip() + ending.encode()
        url = f"https://example.gov.cn/{path.parent.name}/{path.name}"
        sha256 = hashlib.sha256(body).hexdigest()
        once = describe_and_read(url, body, "text/html", entry, None, (url, sha256))
        assert once == separately(url, body, entry), ending


def test_the_shared_tree_is_parsels_wherever_it_is_taken() -> None:
    """The description reads its tree through parsel: where the reader's tree is taken instead
    (`Page.adopt`), it must be the tree parsel builds, node for node; and report pages as
    served, ending in a newline, are taken (else nothing is saved)."""
    served = 0
    for path in PAGES:
        raw = path.read_bytes()
        for ending in ENDINGS:
            text, codec = decode_html(raw.rstrip() + ending.encode(), "text/html")
            page = Page.adopt("https://example.gov.cn/r.html", text, codec, parse_document(text))
            if page is None:
                continue
            served += ending == "\n"
            parsel_page = Page.parse("https://example.gov.cn/r.html", text.encode(), "text/html")
            assert tree(page) == tree(parsel_page), (path.name, ending)
    assert served >= 0.9 * len(PAGES)  # one starts with a comment: lxml.html makes a fragment


def tree(page: Page) -> str:
    return etree.tostring(page.sel.root.getroottree(), encoding="unicode")
