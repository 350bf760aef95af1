"""The statistics tables of a report → rows keyed by documented indicators (docs/indicators.md).

Three regimes (domain notes §1.3, §1.5, §1.6): the 2014 《政府信息公开情况统计表》 (统计指标 ·
单位 · 统计数), the 2019 试行 format (report years 2019–2020) and the 2021 format (2021→). The
regime is decided by the labels present: a 统计指标 header means 2014; otherwise the cells only
one of the two later templates prints (本年制发件数, 本年新制作数量, a single （六）其他处理 row
or its 1./2./3. sub-rows …) are counted, and the report year breaks a tie.

Pure functions of the archived bytes or text: re-run them over the archive when they improve.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from lxml.html import HtmlElement

from archive.extract import legacy, standard, templates
from archive.extract.documents import docx_rows, pdf_rows
from archive.extract.model import StatRow, Stats
from archive.extract.tables import Row, html_rows, html_text, parse_html, text_rows

__all__ = [
    "StatRow", "Stats", "from_docx", "from_html", "from_pdf", "from_text", "from_tree",
    "indicators",
]  # fmt: skip


def from_html(html: str, year: int | None = None) -> Stats:
    """Tables in an HTML page; the page's text when no table yields statistics."""
    return from_tree(parse_html(html), year)


def from_tree(root: HtmlElement | None, year: int | None = None) -> Stats:
    """Tables of a page parsed by `tables.parse_html`, for a caller that reads the page's text
    from the same tree afterwards: `root` is left as it was (the fallback to the page's text,
    which marks block ends in the tails, reads a copy: only pages without tables pay for it)."""
    if root is None:
        return Stats(None, ())
    stats = from_rows(html_rows(root), year)
    return stats if stats.rows else from_text(html_text(copy.deepcopy(root)), year)


def from_text(text: str, year: int | None = None) -> Stats:
    """Flattened text: each label and number on its own line, or PDF lines "label n n n"."""
    return from_rows(text_rows(text), year)


def from_docx(data: bytes, year: int | None = None) -> Stats:
    """Tables of a DOCX attachment; its paragraphs' text when no table yields statistics."""
    rows, text = docx_rows(data)
    stats = from_rows(rows, year)
    return stats if stats.rows else from_text(text, year)


def from_pdf(data: bytes, year: int | None = None) -> Stats:
    """Tables pdfplumber finds in a PDF; the PDF's text when no table yields statistics."""
    rows, text = pdf_rows(data)
    stats = from_rows(rows, year)
    return stats if stats.rows else from_text(text, year)


def from_rows(rows: Iterable[Row], year: int | None = None) -> Stats:
    rows = list(rows)
    found = legacy.parse_rows(rows)
    if found:
        return Stats("2014", tuple(found))
    found = standard.parse_rows(rows)
    return Stats(regime(found, year) if found else None, tuple(found))


def regime(rows: Iterable[StatRow], year: int | None = None) -> str:
    """ "2019" or "2021": whichever template's own cells are more numerous; the year on a tie."""
    only = {key: regimes for key, regimes in templates.indicators().items() if len(regimes) == 1}
    votes = {"2019": 0, "2021": 0}
    for row in rows:
        for name in only.get(row.indicator, ()):
            votes[name] += 1
    if votes["2019"] != votes["2021"]:
        return max(votes, key=votes.__getitem__)
    return "2019" if year is not None and year <= 2020 else "2021"


def indicators() -> dict[str, set[str]]:
    """Every documented indicator key → the regimes ("2014", "2019", "2021") that print it."""
    keys = templates.indicators()
    keys.update({key: {"2014"} for key in legacy.indicators()})
    return keys
