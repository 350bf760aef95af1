"""Table cells as printed → numbers and units.

Cells hold more than numbers (domain notes §1.5): "251000元", "22（其中修订16件）", "+1036", "-",
"—", "/", "无", full-width digits, thousands separators. A placeholder or a blank gives None;
what a blank means (0 in Tables 3 and 4, unknown in the 2014 table) is the caller's decision.
"""

from __future__ import annotations

import re

from archive.extract.labels import compact

# Longest first, so "人次" is not read as "人" and "万元" not as "元".
UNITS = ("人次", "万元", "条", "件", "次", "篇", "个", "人", "元", "项", "家", "份", "%")
_UNIT = "|".join(re.escape(unit) for unit in UNITS)
_NUMBER = re.compile(
    rf"^(?P<sign>[+-])?(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<unit>{_UNIT})?(?:\(.*\))?$"
)
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "\\", "无", "..."})  # "…" folds to "..."
_LABEL_UNIT = re.compile(rf"单位[:：]?\s*(?P<unit>{_UNIT})")


def is_blank(cell: str) -> bool:
    return not compact(cell)


def is_value(cell: str) -> bool:
    """A cell of the value columns: a number (with a unit or a note), a placeholder, a blank."""
    text = compact(cell)
    return not text or text in _PLACEHOLDERS or _NUMBER.match(text) is not None


def parse(cell: str) -> tuple[float | None, str]:
    """(number, unit printed in the cell); None for blanks, placeholders and non-numbers."""
    match = _NUMBER.match(compact(cell))
    if match is None:
        return None, ""
    number = float(match["num"].replace(",", ""))
    return (-number if match["sign"] == "-" else number), match["unit"] or ""


def is_unit(label: str) -> bool:
    """A cell or line that is only a unit: the 2014 table's 单位 column."""
    return compact(label) in UNITS


def unit_in_label(label: str) -> str:
    """The unit a label declares: "本年收费金额（单位：万元）" → 万元, "本年制发件数" → 件."""
    text = compact(label)
    match = _LABEL_UNIT.search(text)
    if match:
        return match["unit"]
    return "件" if "件数" in text else ""
