"""Every input form → one shape: rows of label cells followed by value cells.

A table row is split at its trailing run of value-like cells (numbers, placeholders, blanks):
what precedes it are labels, blanks among them dropped. Merged cells appear once, in the row
where they start (a rowspan group label such as "（三）不予公开" sits in its first sub-row; the
parsers carry it forward as state). Flattened text — one label or number per line, or a PDF's
"label n n n" lines — is rebuilt into the same rows: a run of label lines, then a run of values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

from archive.extract.labels import tidy
from archive.extract.values import is_blank, is_unit, is_value
from archive.text import parse


@dataclass(frozen=True)
class Row:
    labels: tuple[str, ...]  # label cells or lines, as printed (whitespace tidied)
    values: tuple[str, ...]  # value cells as printed; "" for a blank cell
    bounded: bool = True  # a real table row; False when rebuilt from flattened text


def table_row(cells: Iterable[str]) -> Row:
    """Split one table row's cells into labels and the trailing value cells."""
    cells = [tidy(cell) for cell in cells]
    cut = len(cells)
    while cut and is_value(cells[cut - 1]):
        cut -= 1
    labels = tuple(cell for cell in cells[:cut] if not is_blank(cell))
    return Row(labels, tuple(cells[cut:]))


# ---- HTML -------------------------------------------------------------------------------------

_DROP = "//script | //style | //noscript | //select"
_BLOCKS = frozenset(
    {"p", "div", "br", "tr", "td", "th", "li", "table", "section", "article", "blockquote"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt"}
)


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """The page's tree without scripts and styles; None when there is nothing to parse."""
    return without_scripts(parse(html))


def without_scripts(root: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement | None:
    """`root` (`text.parse`'s tree) as `parse_html` gives it: scripts and styles dropped."""
    if root is not None:
        for node in root.xpath(_DROP):
            node.drop_tree()
    return root


def html_rows(root: lxml.html.HtmlElement) -> list[Row]:
    """Rows of every innermost <table> in document order (outer layout tables are skipped)."""
    rows = []
    for table in root.iter("table"):
        if table.find(".//table") is not None:
            continue
        for tr in _table_rows(table):
            # lxml's own child filter, not an XPath per row: an XPath string is compiled
            # again at every call, and a report has ~100 rows (profiled: a quarter of reading
            # a page's tables). Same cells, in the same (document) order.
            cells = list(tr.iterchildren("td", "th"))
            if cells:
                rows.append(table_row(_cell_text(cell) for cell in cells))
    return rows


# A cell's text, as "".join(cell.itertext()) gives it, read by libxml2: `itertext` makes a
# Python proxy of every element inside the cell.
_cell_text = etree.XPath("string()", smart_strings=False)


def _table_rows(table: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """`./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr`, in document order."""
    for child in table.iterchildren("tr", "thead", "tbody", "tfoot"):
        if child.tag == "tr":
            yield child
        else:
            yield from child.iterchildren("tr")


def html_text(root: lxml.html.HtmlElement) -> str:
    """The page's text with a line break after every block, for the flattened-text parser."""
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag.lower() in _BLOCKS:
            node.tail = "\n" + (node.tail or "")
    return root.text_content()


# ---- flattened text ---------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页.*|\d+\s*/\s*\d+)$")


def text_rows(text: str) -> list[Row]:
    """Rows rebuilt from lines: a run of label lines followed by a run of value lines."""
    rows, labels, values = [], [], []
    for is_number, token in _tokens(text):
        if not is_number and values:
            rows.append(Row(tuple(labels), tuple(values), bounded=False))
            labels, values = [], []
        (values if is_number else labels).append(token)
    if labels or values:
        rows.append(Row(tuple(labels), tuple(values), bounded=False))
    return rows


def _tokens(text: str) -> Iterator[tuple[bool, str]]:
    """(is_number, token) for each line: its label, an own-token unit, then trailing numbers."""
    for raw in text.splitlines():
        line = tidy(raw)
        if not line or _PAGE_NUMBER.match(line):
            continue
        parts = line.split(" ")
        cut = len(parts)
        while cut and is_value(parts[cut - 1]):
            cut -= 1
        head = parts[:cut]
        if len(head) > 1 and is_unit(head[-1]):
            yield False, " ".join(head[:-1])
            head = head[-1:]
        if head:
            yield False, " ".join(head)
        yield from ((True, part) for part in parts[cut:])
