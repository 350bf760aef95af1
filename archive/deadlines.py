"""When each agency's annual report is due, and how a report stands against its deadline.

Deadlines are data: the national rules live in `archive/deadlines.toml` (report years ≤ 2018:
31 March of the next year for every agency; ≥ 2019: 31 January for departments, 31 March for a
government's own report), overridden by `[register] local_rules` in the config (provincial or
municipal dates, matched on the agency name) and by a source's own `due`.

An agency-year's status (`judge`):

- `on_time`: a report is known, published on or before the deadline (by its published date,
  or — undated — first seen by us on or before the deadline);
- `late`: published after the deadline, by its published date, or, when the page shows no date,
  first seen by us after the deadline while we were already watching the source (`evidence`
  says which);
- the evidence rule: a report is never judged later than the earliest evidence we hold of its
  publication. The published date is the earliest any version stated (`reports.published_on`);
  when we first saw the report before that date, the stated date is disproved and the report
  is judged as an undated one, by the day we first saw it;
- `overdue`: the deadline passed while we watched the source, and no report is known;
- `missing_before_tracking`: no report is known, but the deadline passed before our first cycle
  of the source, so we cannot tell late from missing;
- `not_due`: no report yet, and the deadline has not passed;
- `undated`: a report is known but shows no date, and we first saw it only after a deadline that
  passed before we watched the source: on time or late cannot be told.

Everything here is a pure function of the rules, the year, the agency and explicit dates: the
register (`archive.register`) applies them to the archive.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from archive.config import AGENCY_KINDS, LocalRule, Source, month_day

DEADLINES = Path(__file__).with_name("deadlines.toml")
FIRST_YEAR = 2008  # the 2008 条例 came into force on 2008-05-01: the first reports cover 2008

ON_TIME, LATE, OVERDUE = "on_time", "late", "overdue"
BEFORE_TRACKING, NOT_DUE, UNDATED = "missing_before_tracking", "not_due", "undated"
STATUSES = (ON_TIME, LATE, OVERDUE, BEFORE_TRACKING, NOT_DUE, UNDATED)
BY_PUBLISHED_ON, BY_FIRST_SEEN = "published_on", "first_seen"

_GOVERNMENT_ENDINGS = ("政府", "政府办公厅", "政府办公室")


@dataclass(frozen=True)
class Rule:
    """A deadline for report years first_year..last_year (None: open) of agencies of `kind`."""

    first_year: int | None
    last_year: int | None
    kind: str  # all | department | government
    due: str  # MM-DD in the year after the report year
    basis: str

    def covers(self, year: int, kind: str) -> bool:
        return (
            (self.first_year is None or year >= self.first_year)
            and (self.last_year is None or year <= self.last_year)
            and self.kind in ("all", kind)
        )


@dataclass(frozen=True)
class Deadline:
    due_on: date
    basis: str


@cache
def national_rules(path: Path = DEADLINES) -> tuple[Rule, ...]:
    """The [[national]] rules of the data file, checked: every year from 2008 has a deadline."""
    data = tomllib.loads(path.read_text("utf-8"))
    rules = []
    for number, raw in enumerate(data.get("national", []), 1):
        if month_day(raw.get("due")) is None or raw.get("kind") not in ("all", *AGENCY_KINDS):
            raise ValueError(f"{path}: [[national]] #{number}: bad 'due' or 'kind' ({raw})")
        rules.append(Rule(raw.get("from"), raw.get("to"), raw["kind"], raw["due"], raw["basis"]))
    for kind in AGENCY_KINDS:
        if not any(r.covers(FIRST_YEAR, kind) for r in rules):
            raise ValueError(f"{path}: no national rule covers {kind}s in {FIRST_YEAR}")
    return tuple(rules)


def _on(year: int, due: str) -> date:
    month, day = month_day(due) or (12, 31)
    return date(year + 1, month, day)


def deadline(
    year: int,
    kind: str,
    agency: str = "",
    local: Iterable[LocalRule] = (),
    source_due: str = "",
    rules: Iterable[Rule] | None = None,
) -> Deadline:
    """When the report for `year` of an agency of `kind` is due, and by which rule.

    Precedence: the source's own `due`, then the local rule with the longest `place` found in
    the agency's name (the first listed among equals), then the first national rule.
    """
    if source_due:
        return Deadline(_on(year, source_due), "source due")
    best = _local_rule(year, kind, agency, local)
    if best is not None:
        return Deadline(_on(year, best.due), f"local rule: {best.place}")
    for rule in national_rules() if rules is None else rules:
        if rule.covers(year, kind):
            return Deadline(_on(year, rule.due), rule.basis)
    raise ValueError(f"no deadline rule covers report year {year} for a {kind}")


def _local_rule(year: int, kind: str, agency: str, local: Iterable[LocalRule]) -> LocalRule | None:
    """The local rule for the agency-year with the longest `place` (the first among equals)."""
    matching = [
        r
        for r in local
        if r.place in agency
        and r.kind in ("all", kind)
        and (r.first_year is None or year >= r.first_year)
        and (r.last_year is None or year <= r.last_year)
    ]
    return max(matching, key=lambda r: len(r.place)) if matching else None  # max keeps the first


def guess_kind(agency: str) -> str:
    """`government` for a people's government or its general office (…人民政府, …政府办公厅),
    else `department` (深圳市人民政府口岸办公室 is a department: 口岸办公室 is not 政府办公室)."""
    name = agency.strip()
    return "government" if name.endswith(_GOVERNMENT_ENDINGS) else "department"


def kind_of(source: Source) -> tuple[str, bool]:
    """(kind, guessed): the source's `kind`, or the guess from its agency name."""
    return (source.kind, False) if source.kind else (guess_kind(source.agency), True)


def judge(
    due_on: date,
    today: date,
    tracked_since: date | None,
    published_on: date | None = None,
    first_seen_on: date | None = None,
) -> tuple[str, str | None, int | None]:
    """(status, evidence, days_late) of one agency-year; no report when first_seen_on is None.

    days_late: days after the deadline for `late`, days since it for `overdue`, 0 for
    `on_time`, None otherwise. `tracked_since`: the day of our first cycle of the source (None:
    never watched), which decides whether a missing or undated report can be judged. A
    published date later than the day we first saw the report is disproved by our own sighting:
    the report is then judged by that day, as an undated one is (the evidence rule).
    """
    watched = tracked_since is not None and tracked_since <= due_on
    if published_on is not None and (first_seen_on is None or published_on <= first_seen_on):
        late = (published_on - due_on).days
        return (LATE, BY_PUBLISHED_ON, late) if late > 0 else (ON_TIME, BY_PUBLISHED_ON, 0)
    if first_seen_on is not None:
        late = (first_seen_on - due_on).days
        if late <= 0:
            return ON_TIME, BY_FIRST_SEEN, 0
        return (LATE, BY_FIRST_SEEN, late) if watched else (UNDATED, None, None)
    if today <= due_on:
        return NOT_DUE, None, None
    return (OVERDUE, None, (today - due_on).days) if watched else (BEFORE_TRACKING, None, None)
