"""Consistency (勾稽) checks on extracted statistics: violations are recorded, numbers never fixed.

Tables 3 and 4 (2019/2021; domain notes §1.5), by construction of the templates:

- ``requests.row_total:<indicator>`` — per Table 3 row, 总计 = the six applicant columns;
- ``requests.result_total:<column>`` — per column, （七）总计 = （一）+（二）+ Σ（三）
  + Σ（四）+ Σ（五）+ Σ（六）; a group's sub-rows when printed, else its own row (the 2019
  single （六） row);
- ``requests.balance:<column>`` — per column, 一 + 二 = （七）总计 + 四 (the table's printed
  勾稽关系); ``actual`` is 一 + 二, ``expected`` is （七）+ 四;
- ``review.total``, ``litigation.direct.total``, ``litigation.after_review.total`` — each 总计 =
  its four outcomes.

The 2014 table: ``legacy.requests.received_channels`` (收到申请数 = 1–4),
``legacy.requests.completed_timing`` (申请办结数 = 按时 + 延期), ``legacy.replies.kinds``
(申请答复数 = 1–8), ``legacy.replies.refused_reasons`` (不同意公开答复数 = its six 其中 reasons),
``legacy.review.total``, ``legacy.litigation.total`` (四/五 = （一）–（三）), ``legacy.staff.total``
(人员数 = 专职 + 兼职).

A check is made only when its total and at least one part were printed (a total printed blank
beside parts with numbers gives a `skipped` check saying so); parts missing from the table count
as 0 (the detail says how many were missing). Blank is not zero: a part printed blank (empty, 无,
"-") counts as 0 only if the numbers then agree (many reports leave zero cells empty); otherwise
the check is `skipped`, with the blank cells named, never failed: an empty cell may hide any number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archive.extract.model import StatRow, Stats
from archive.extract.templates import APPLICANT_COLUMNS, OUTCOMES, PROCEEDINGS, REQUEST_GROUPS

_EPSILON = 1e-6
_Cells = dict[tuple[str, str], StatRow]
_APPLICANTS = [key for key, _ in APPLICANT_COLUMNS[:-1]]


@dataclass(frozen=True)
class Check:
    name: str  # stable key, e.g. "requests.balance:total"
    passed: bool | None  # None: skipped (an operand printed blank; `detail` says which)
    expected: float | None  # what the parts add up to
    actual: float | None  # what the report printed
    detail: str  # one readable line; "skipped: …" for a skipped check

    @property
    def outcome(self) -> str:
        """`passed`, `failed` or `skipped`."""
        return {True: "passed", False: "failed", None: "skipped"}[self.passed]


def run(stats: Stats) -> list[Check]:
    cells = {(row.indicator, row.column_label): row for row in stats.rows if row.indicator}
    if stats.regime == "2014":
        return [check for check in _legacy(cells) if check]
    checks = [*_row_totals(stats, cells), *_columns(cells), *_review(cells)]
    return [check for check in checks if check]


def _sum(name: str, whole: StatRow | None, parts: list[StatRow | None]) -> Check | None:
    """whole = Σ parts, or None when the whole or every part is missing."""
    printed = [part for part in parts if part is not None]
    if whole is None or not printed:
        return None
    if whole.value is None:  # 总计 printed blank: say so when its parts hold numbers
        numbers = [part.value for part in printed if part.value is not None]
        if not numbers:
            return None
        why = f"{_where(whole)} printed blank, parts add up to {sum(numbers):g}"
        return Check(name, None, sum(numbers), None, f"skipped: {why}")
    expected = sum(part.value or 0 for part in printed)
    missing = len(parts) - len(printed)
    note = f" ({missing} part(s) not printed)" if missing else ""
    blank = [part for part in printed if part.value is None]
    printed_as = f"{_where(whole)} printed {whole.value:g}"
    return _check(name, expected, whole.value, printed_as, note, blank)


def _check(
    name: str,
    expected: float,
    actual: float,
    printed: str,
    note: str = "",
    blank: list[StatRow] | None = None,
) -> Check:
    """Passed or failed; skipped instead of failed when an operand was printed blank."""
    passed = abs(expected - actual) < _EPSILON
    detail = f"{printed}, parts add up to {expected:g}{note}"
    if blank and not passed:
        cells = "、".join(_where(row) for row in blank[:3]) + ("…" if len(blank) > 3 else "")
        why = f"{len(blank)} operand(s) printed blank ({cells}), so the sum cannot be judged"
        return Check(name, None, expected, actual, f"skipped: {why}; {detail}")
    if blank:
        detail += f" ({len(blank)} blank part(s) read as 0)"
    return Check(name, passed, expected, actual, detail + ("" if passed else " — mismatch"))


def _where(row: StatRow) -> str:
    column = f" [{row.column_label_raw}]" if row.column_label_raw else ""
    return f"{row.row_label_raw}{column}"


# ---- Table 3 ----------------------------------------------------------------------------------


def _row_totals(stats: Stats, cells: _Cells) -> list[Check | None]:
    indicators = dict.fromkeys(row.indicator for row in stats.rows if row.section == "requests")
    return [
        _sum(
            f"requests.row_total:{indicator}",
            cells.get((indicator, "total")),
            [cells.get((indicator, column)) for column in _APPLICANTS],
        )
        for indicator in indicators
        if indicator
    ]


def _columns(cells: _Cells) -> list[Check | None]:
    # Each column's indicators, in the cells' order, gathered once: scanning every cell for
    # each column and group was a tenth of reading a page's statistics (profiled).
    in_column: dict[str, list[str]] = {}
    for key, col in cells:
        in_column.setdefault(col, []).append(key)
    checks = []
    for column, _ in APPLICANT_COLUMNS:
        keys = ["requests.result.granted", "requests.result.partly_granted"]
        for group in REQUEST_GROUPS:
            keys += _group_rows(in_column.get(column, ()), group)
        parts = [cells.get((key, column)) for key in keys]
        total = cells.get(("requests.result.total", column))
        checks.append(_sum(f"requests.result_total:{column}", total, parts))
        checks.append(_balance(cells, column))
    return checks


def _group_rows(keys: Iterable[str], group: str) -> list[str]:
    """A group's printed sub-rows among a column's `keys`, else the group's own row."""
    prefix = f"requests.result.{group}."
    subs = [key for key in keys if key.startswith(prefix)]
    return subs or [f"requests.result.{group}"]


def _balance(cells: _Cells, column: str) -> Check | None:
    get = [
        cells.get((key, column))
        for key in (
            "requests.received.new",
            "requests.carried_over",
            "requests.result.total",
            "requests.carried_forward",
        )
    ]
    if any(row is None for row in get) or all(row.value is None for row in get):
        return None
    received, carried, handled, forward = (row.value or 0 for row in get)
    expected, actual = handled + forward, received + carried
    printed = f"[{get[0].column_label_raw}] 一+二 = {actual:g}; （七）+四"
    blank = [row for row in get if row.value is None]
    return _check(f"requests.balance:{column}", expected, actual, printed, blank=blank)


# ---- Table 4 ----------------------------------------------------------------------------------


def _review(cells: _Cells) -> list[Check | None]:
    checks = []
    for prefix, _ in PROCEEDINGS:
        parts = [cells.get((f"{prefix}.{key}", key)) for key, _ in OUTCOMES[:-1]]
        checks.append(_sum(f"{prefix}.total", cells.get((f"{prefix}.total", "total")), parts))
    return checks


# ---- 2014 table -------------------------------------------------------------------------------

_LEGACY = (  # (check, the total, its parts' common prefix, the parts)
    (
        "legacy.requests.received_channels",
        "requests.received",
        "requests.received.",
        "in_person fax online letter",
    ),
    (
        "legacy.requests.completed_timing",
        "requests.completed",
        "requests.completed.",
        "on_time extended",
    ),
    (
        "legacy.replies.kinds",
        "replies.total",
        "replies.",
        "already_public granted partly_granted refused not_this_agency not_exist asked_to_amend "
        "other_channels",
    ),
    (
        "legacy.replies.refused_reasons",
        "replies.refused",
        "replies.",
        "state_secret commercial_secret privacy security_stability not_government_info "
        "other_legal_grounds",
    ),
    ("legacy.review.total", "review.total", "review.", "upheld corrected other"),
    ("legacy.litigation.total", "litigation.total", "litigation.", "upheld corrected other"),
    ("legacy.staff.total", "staff.total", "staff.", "full_time part_time"),
)


def _legacy(cells: _Cells) -> list[Check | None]:
    def cell(key: str) -> StatRow | None:
        return cells.get((f"legacy.{key}", ""))

    return [
        _sum(name, cell(whole), [cell(prefix + part) for part in parts.split()])
        for name, whole, prefix, parts in _LEGACY
    ]
