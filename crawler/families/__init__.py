"""CMS families: each module knows one platform's list mechanics; sites are data, not code.

A family is recognised from the page itself (markup, scripts, URL shapes), never from config.
Each module may provide `recognise`, `list_entries`, `next_pages` and `report_fields`; what it
does not provide falls back to `generic`, which works on any plain HTML list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from crawler.families import generic, trs
from crawler.families.generic import Entry, ReportFields
from crawler.page import Page

__all__ = ["FAMILIES", "Entry", "Family", "ReportFields", "detect"]


@dataclass(frozen=True)
class Family:
    name: str
    recognise: Callable[[Page], bool]
    list_entries: Callable[[Page], Iterable[Entry]]
    next_pages: Callable[[Page], Iterable[str]]
    report_fields: Callable[[Page], ReportFields]


def _family(module: ModuleType) -> Family:
    def pick(name: str) -> Callable:
        return getattr(module, name, getattr(generic, name))

    return Family(
        name=module.__name__.rsplit(".", 1)[-1],
        recognise=pick("recognise"),
        list_entries=pick("list_entries"),
        next_pages=pick("next_pages"),
        report_fields=pick("report_fields"),
    )


# Most specific first; generic recognises everything and must stay last.
FAMILIES: tuple[Family, ...] = tuple(_family(m) for m in (trs, generic))


def detect(page: Page) -> Family:
    """The first family that recognises the page."""
    return next(f for f in FAMILIES if f.recognise(page))
