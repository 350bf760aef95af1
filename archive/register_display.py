"""The register as the `register` command prints it: an aligned table, or the agency × year grid.

Plain text for a terminal, where a CJK character takes two columns: agency names are Chinese, so
columns are padded by display width (`width`), not by `len`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection

from archive.config import Config
from archive.deadlines import BEFORE_TRACKING, LATE, NOT_DUE, ON_TIME, OVERDUE, UNDATED, kind_of

CELLS = {
    ON_TIME: "ok",
    LATE: "late+{days}",
    OVERDUE: "OVERDUE",
    BEFORE_TRACKING: "-",
    NOT_DUE: ".",
    UNDATED: "?",
}
LEGEND = (
    "ok = on time, late+N = N days late, OVERDUE = due and none found, - = missing since before "
    "tracking began, . = not yet due, ? = undated"
)


def guessed_notes(config: Config) -> list[str]:
    """One line per enabled source whose kind was guessed from its agency name."""
    notes = []
    for source in (s for s in config.sources if s.enabled):
        kind, guessed = kind_of(source)
        if guessed:
            notes.append(
                f"note: source {source.id} ({source.agency}): kind guessed as {kind!r} from the "
                f'agency name; set kind = "department" or "government" to be sure'
            )
    return notes


def table_lines(rows: list[dict]) -> list[str]:
    """The register rows as an aligned text table."""
    header = ["source", "kind", "year", "due_on", "status", "published", "days_late", "evidence"]
    header.append("agency")
    body = [
        [
            r["source_id"],
            r["kind"],
            str(r["year"]),
            r["due_on"],
            r["status"],
            r["published_on"] or (f"({r['first_seen_on']} seen)" if r["first_seen_on"] else "—"),
            "" if r["days_late"] is None else str(r["days_late"]),
            r["evidence"] or "",
            r["agency"],
        ]
        for r in rows
    ]
    return _grid(header, body, right={2, 6})


def matrix_lines(rows: list[dict]) -> list[str]:
    """Agency × year: one line per source, one column per report year (the evaluators' grid)."""
    years = sorted({r["year"] for r in rows})
    sources: dict[str, dict] = {}
    for r in rows:
        sources.setdefault(r["source_id"], {"agency": r["agency"], "cells": {}})
        sources[r["source_id"]]["cells"][r["year"]] = cell(r)
    header = ["source", *(str(y) for y in years), "agency"]
    body = [
        [sid, *(s["cells"].get(y, "") for y in years), s["agency"]] for sid, s in sources.items()
    ]
    return _grid(header, body)


def cell(row: dict) -> str:
    """A row's status as one short cell of the grid (see LEGEND)."""
    return CELLS[row["status"]].format(days=row["days_late"])


def width(text: str) -> int:
    """Columns a terminal gives `text`: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, columns: int, right: bool = False) -> str:
    space = " " * max(0, columns - width(text))
    return space + text if right else text + space


def _grid(header: list[str], body: list[list[str]], right: Collection[int] = ()) -> list[str]:
    widths = [max(width(line[i]) for line in [header, *body]) for i in range(len(header))]
    return [
        "  ".join(_pad(cell, widths[i], i in right) for i, cell in enumerate(line)).rstrip()
        for line in [header, *body]
    ]
