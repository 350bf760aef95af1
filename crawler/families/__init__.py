"""CMS families: each module knows one platform's list mechanics; sites are data, not code.

A family is recognised from the page itself (markup, scripts, URL shapes), never from config.
Each module in this package is a family: it sets `PRIORITY` (lower is tried first) and may
provide `recognise`, `list_entries`, `next_pages`, `report_fields`, `stated_entries` (how many
records the page says its column holds) and `column_entries` (the entries that count towards
that number); what it does not provide falls back to `generic`, which works on any plain HTML
list and is tried last. Adding a platform is adding a module (and its saved pages under tests/).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from crawler.families import generic
from crawler.families.base import Entry, ListRequest, ReportFields
from crawler.page import Page

__all__ = ["BY_NAME", "FAMILIES", "Entry", "Family", "ListRequest", "ReportFields", "detect"]


@dataclass(frozen=True)
class Family:
    name: str
    recognise: Callable[[Page], bool]
    list_entries: Callable[[Page], Iterable[Entry]]
    next_pages: Callable[[Page], Iterable[str | ListRequest]]
    report_fields: Callable[[Page], ReportFields]
    stated_entries: Callable[[Page], int | None]
    column_entries: Callable[[Page], Iterable[Entry]] | None  # None: its list_entries


def _family(module: ModuleType) -> Family:
    def pick(name: str) -> Callable:
        return getattr(module, name, getattr(generic, name))

    return Family(
        name=module.__name__.rsplit(".", 1)[-1],
        recognise=pick("recognise"),
        list_entries=pick("list_entries"),
        next_pages=pick("next_pages"),
        report_fields=pick("report_fields"),
        stated_entries=pick("stated_entries"),
        # None: the family's list_entries are the column's records (the caller has them already)
        column_entries=getattr(module, "column_entries", None),
    )


def _modules() -> list[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"]
    modules = [importlib.import_module(f"{__name__}.{name}") for name in names]
    return sorted((m for m in modules if hasattr(m, "PRIORITY")), key=lambda m: m.PRIORITY)


FAMILIES: tuple[Family, ...] = tuple(_family(m) for m in _modules())
BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


def detect(page: Page) -> Family:
    """The first family that recognises the page."""
    return next(f for f in FAMILIES if f.recognise(page))
