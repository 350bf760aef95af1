"""Tables 2–4 of the 2019 and 2021 report formats → StatRows.

One pass over the rows of the whole document with a little state: which table we are in (switched
by its header labels, so one big table, four small ones or flattened text all work), Table 2's
current column labels, Table 3's current rowspan group (（三）不予公开 …), whether Table 4's single
row of 15 cells has been read. Blank cells in Tables 3 and 4 stay None: blank is not zero (real
2019-format reports leave whole 总计 columns empty); the checks decide what a blank may mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from archive.extract import templates as t
from archive.extract.labels import best, is_continuation, last_numbered, normalise, pieces, tidy
from archive.extract.model import StatRow
from archive.extract.tables import Row
from archive.extract.values import is_blank, parse, unit_in_label

DISCLOSURE, REQUESTS, REVIEW = "active_disclosure", "requests", "review_litigation"
_ROWS = [(label.aliases, label) for label in t.DISCLOSURE_ROWS]
_COLUMNS = [(label.aliases, label) for label in t.DISCLOSURE_COLUMNS]
_KNOWN_COLUMNS = {label.key for label in t.DISCLOSURE_COLUMNS}
T = TypeVar("T")


def parse_rows(rows: Iterable[Row]) -> list[StatRow]:
    parser = _Parser()
    for row in rows:
        parser.feed(row)
    return parser.out


def section_of(label: str) -> str | None:
    """The table a header label opens, if it is one."""
    if label.startswith("第二十条第") or label == "信息内容":
        return DISCLOSURE
    if "勾稽关系" in label or label.startswith(("申请人情况", "本年新收政府信息公开申请")):
        return REQUESTS
    if label == "自然人":
        return REQUESTS
    return REVIEW if label == "行政复议" else None


def resolve(tokens: list[str], match: Callable[[str], T | None]) -> tuple[T | None, str]:
    """The template label of a row from its label cells (last one, or a split one re-joined)."""
    tokens = list(tokens)
    while len(tokens) > 1 and is_continuation(tokens[-1]):
        tokens[-2:] = [tokens[-2] + tokens[-1]]
    if not tokens:
        return None, ""
    last = tokens[-1]
    found = match(normalise(last))
    if found is None and len(tokens) > 1 and match(normalise(tokens[-2])) is None:
        joined = tokens[-2] + last  # Word paste split one label over two cells
        if (found := match(normalise(joined))) is not None:
            last = joined
    return found, last


def fit(values: tuple[str, ...], count: int, bounded: bool) -> tuple[str, ...]:
    """The `count` value cells of a row: a table row's last ones, a text row's first ones."""
    return values[-count:] if bounded else values[:count]


@lru_cache(maxsize=1 << 14)
def match_request(label: str, group: str | None) -> t.RequestLabel | None:
    """Table 3's row for a label: sub-rows of the current group first, then any row whose label
    says where it belongs (a bare "其他" only counts under （六）其他处理).

    Remembered: a pure function of constant templates, asked for the same few hundred labels
    on every report (building the candidate lists alone was 6 % of reading a page's tables)."""
    here = [(r.aliases, r) for r in t.REQUEST_ROWS if r.parent in (None, group)]
    anywhere = [(r.aliases, r) for r in t.REQUEST_ROWS if r.aliases != ("其他",)]
    tail = last_numbered(label)
    return best(label, here) or best(label, anywhere) or best(tail, here) or best(tail, anywhere)


class _Parser:
    def __init__(self) -> None:
        self.out: list[StatRow] = []
        self.section: str | None = None
        self.leaf: list[str] = []  # label cells since the last value cells
        self.columns: list[tuple[str, str]] = []  # Table 2: (column key, label as printed)
        self.collecting = False  # Table 2: reading a header's column labels
        self.group: str | None = None  # Table 3: the rowspan group we are in
        self.done = False  # Table 4: its row has been read

    def feed(self, row: Row) -> None:
        for cell in row.labels:
            for raw in [cell] if row.bounded else pieces(cell):
                self._label(raw, normalise(raw), row.bounded)
        if row.values:
            self._values(row)
            self.leaf = []
        if row.bounded:
            self.collecting = False

    def _label(self, raw: str, label: str, bounded: bool) -> None:
        section = section_of(label)
        if section is not None and section != self.section:
            self.section, self.leaf, self.columns, self.group = section, [], [], None
            self.collecting = self.done = False
        if self.section == DISCLOSURE:
            self._disclosure_label(raw, label, bounded)
            return
        if self.section == REQUESTS and (found := match_request(label, self.group)):
            self.group = found.opens if found.parent is None else found.parent
        self.leaf.append(raw)

    def _values(self, row: Row) -> None:
        if self.section == DISCLOSURE:
            self._disclosure_values(row)
        elif self.section == REQUESTS:
            self._request_values(row)
        elif self.section == REVIEW and not self.done and len(row.values) >= 15:
            self._review_values(row)

    # ---- Table 2 ------------------------------------------------------------------------------

    def _disclosure_label(self, raw: str, label: str, bounded: bool) -> None:
        if label.startswith("第二十条") or label == "信息内容":
            self.columns, self.collecting, self.leaf = [], label == "信息内容", []
            return
        if self.collecting and self.columns and is_continuation(raw):
            key, printed = self.columns[-1]  # "（单位：万元）" on a line of its own
            self.columns[-1] = (key, printed + tidy(raw))
            return
        column = best(label, _COLUMNS)
        key = column.key if column else None
        if key is None and self.collecting and bounded and best(label, _ROWS) is None:
            key = label  # an unknown column in a header row
        if key is None:
            self.collecting = False
            self.leaf.append(raw)
            return
        if not self.collecting:
            self.columns, self.collecting = [], True
        self.columns.append((key, tidy(raw)))

    def _disclosure_values(self, row: Row) -> None:
        found, raw = resolve(self.leaf, lambda label: best(label, _ROWS))
        if not raw or not self.columns or (found is None and not row.bounded):
            return  # in flattened text an unknown label may as well be prose
        cells = fit(row.values, len(self.columns), row.bounded)
        for (column, column_raw), cell in zip(self.columns, cells, strict=False):
            known = found is not None and column in _KNOWN_COLUMNS
            value, unit = parse(cell)
            indicator = f"disclosure.{found.key}.{column}" if known else ""
            unit = unit or unit_in_label(column_raw) or unit_in_label(raw)
            self._emit(DISCLOSURE, raw, column, indicator, value, unit, column_raw)

    # ---- Table 3 ------------------------------------------------------------------------------

    def _request_values(self, row: Row) -> None:
        found, raw = resolve(self.leaf, lambda label: match_request(label, self.group))
        blank = all(is_blank(cell) for cell in row.values)
        if not raw or len(row.values) < 7 or (blank and (found is None or found.opens)):
            return
        if found is None and not row.bounded:
            return  # in flattened text an unknown label may as well be prose
        indicator = found.indicator if found else ""
        cells = fit(row.values, 7, row.bounded)
        for (column, column_raw), cell in zip(t.APPLICANT_COLUMNS, cells, strict=True):
            value, unit = parse(cell)
            self._emit(REQUESTS, raw, column, indicator, value, unit or "件", column_raw)

    # ---- Table 4 ------------------------------------------------------------------------------

    def _review_values(self, row: Row) -> None:
        cells = fit(row.values, 15, row.bounded)
        for (indicator, label, column, column_raw), cell in zip(t.REVIEW_CELLS, cells, strict=True):
            value, unit = parse(cell)
            self._emit(REVIEW, label, column, indicator, value, unit or "件", column_raw)
        self.done = True

    def _emit(  # one argument per StatRow field
        self,
        section: str,
        raw: str,
        column: str,
        indicator: str,
        value: float | None,
        unit: str,
        column_raw: str,
    ) -> None:
        label = tidy(raw)
        self.out.append(
            StatRow(section, normalise(label), column, indicator, value, unit, label, column_raw)
        )
