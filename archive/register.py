"""The register: which agency owes which annual report, by when — and whether it came.

Deadlines are data: the national rules live in `archive/deadlines.toml` (report years ≤ 2018:
31 March of the next year for every agency; ≥ 2019: 31 January for departments, 31 March for a
government's own report), overridden by `[register] local_rules` in the config (provincial or
municipal dates, matched on the agency name) and by a source's own `due`.

One row per (source, report year), from the source's `since` (default: the earliest report
year found) to last year, with a status:

- `on_time`: a report is known, published on or before the deadline (by its published date,
  or — undated — first seen by us on or before the deadline);
- `late`: published after the deadline, by its published date, or, when the page shows no date,
  first seen by us after the deadline while we were already watching the source (`evidence`
  says which);
- `overdue`: the deadline passed while we watched the source, and no report is known;
- `missing_before_tracking`: no report is known, but the deadline passed before our first cycle
  of the source, so we cannot tell late from missing;
- `not_due`: no report yet, and the deadline has not passed;
- `undated`: a report is known but shows no date, and we first saw it only after a deadline that
  passed before we watched the source: on time or late cannot be told.

"Today" is always an argument, never read from a clock here. The table `register` is rewritten
every cycle; `overdue` and `published_late` events are recorded once per agency-year, ever.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from archive import events
from archive.clock import now_iso
from archive.config import AGENCY_KINDS, Config, LocalRule, Source, month_day
from archive.cycles import SOURCE_OK

DEADLINES = Path(__file__).with_name("deadlines.toml")
FIRST_YEAR = 2008  # the 2008 条例 came into force on 2008-05-01: the first reports cover 2008

ON_TIME, LATE, OVERDUE = "on_time", "late", "overdue"
BEFORE_TRACKING, NOT_DUE, UNDATED = "missing_before_tracking", "not_due", "undated"
STATUSES = (ON_TIME, LATE, OVERDUE, BEFORE_TRACKING, NOT_DUE, UNDATED)
BY_PUBLISHED_ON, BY_FIRST_SEEN = "published_on", "first_seen"
EVENT_KINDS = ("overdue", "published_late")

COLUMNS = (
    "source_id", "agency", "kind", "year", "due_on", "due_basis", "status", "report_id",
    "published_on", "first_seen_on", "evidence", "days_late",
)  # fmt: skip

_GOVERNMENT_ENDINGS = ("政府", "政府办公厅", "政府办公室")


# ---------------------------------------------------------------------------------------------
# Deadline rules: pure functions of the data, the year and the agency


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
    matching = [
        r
        for r in local
        if r.place in agency
        and r.kind in ("all", kind)
        and (r.first_year is None or year >= r.first_year)
        and (r.last_year is None or year <= r.last_year)
    ]
    if matching:
        best = max(matching, key=lambda r: len(r.place))  # max keeps the first among equals
        return Deadline(_on(year, best.due), f"local rule: {best.place}")
    for rule in national_rules() if rules is None else rules:
        if rule.covers(year, kind):
            return Deadline(_on(year, rule.due), rule.basis)
    raise ValueError(f"no deadline rule covers report year {year} for a {kind}")


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
    never watched), which decides whether a missing or undated report can be judged.
    """
    watched = tracked_since is not None and tracked_since <= due_on
    if published_on is not None:
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


# ---------------------------------------------------------------------------------------------
# The register over an archive


def today(config: Config, now: datetime | None = None) -> date:
    """Today's date in the schedule's time zone (the day a cycle or a user lives in)."""
    zone = ZoneInfo(config.schedule.timezone)
    return (now.astimezone(zone) if now else datetime.now(zone)).date()


def _local_date(stamp: str | None, zone: ZoneInfo) -> date | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp).astimezone(zone).date()
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def tracked_since(db: Database, source_id: str, zone: ZoneInfo) -> date | None:
    """The day (in `zone`) our first cycle of the source started; None if none has."""
    row = db.execute(
        "SELECT min(c.started_at) FROM cycle_sources cs JOIN cycles c ON c.id = cs.cycle_id "
        "WHERE cs.source_id = ?",
        [source_id],
    ).fetchone()
    return _local_date(row[0], zone)


def _reports_by_year(db: Database, source_id: str, zone: ZoneInfo) -> dict[int, dict]:
    """Per report year, the report that came first: earliest date (published, else first seen)."""
    best: dict[int, dict] = {}
    rows = db.query(
        "SELECT id, year, published_on, first_seen_at FROM reports "
        "WHERE source_id = ? AND year IS NOT NULL ORDER BY id",
        [source_id],
    )
    for row in rows:
        report = {
            "id": row["id"],
            "published_on": _date(row["published_on"]),
            "first_seen_on": _local_date(row["first_seen_at"], zone),
        }
        report["when"] = report["published_on"] or report["first_seen_on"] or date.max
        known = best.get(row["year"])
        if known is None or report["when"] < known["when"]:
            best[row["year"]] = report
    return best


def compute(db: Database, config: Config, today: date) -> list[dict]:
    """The register on `today`: one row (a dict of COLUMNS) per enabled source and report year,
    ordered by source (config order) and year. Reads the archive, writes nothing."""
    zone = ZoneInfo(config.schedule.timezone)
    last = today.year - 1
    rows = []
    for source in (s for s in config.sources if s.enabled):
        kind, _guessed = kind_of(source)
        since = tracked_since(db, source.id, zone)
        found = {y: r for y, r in _reports_by_year(db, source.id, zone).items() if y <= last}
        first = source.since or min(found, default=last)
        years = sorted(y for y in {*range(first, last + 1), *found} if y >= FIRST_YEAR)
        for year in years:
            due = deadline(year, kind, source.agency, config.register.local_rules, source.due)
            report = found.get(year)
            published = report["published_on"] if report else None
            seen = report["first_seen_on"] if report else None
            status, evidence, days_late = judge(due.due_on, today, since, published, seen)
            rows.append(
                {
                    "source_id": source.id,
                    "agency": source.agency,
                    "kind": kind,
                    "year": year,
                    "due_on": due.due_on.isoformat(),
                    "due_basis": due.basis,
                    "status": status,
                    "report_id": report["id"] if report else None,
                    "published_on": published.isoformat() if published else None,
                    "first_seen_on": seen.isoformat() if seen else None,
                    "evidence": evidence,
                    "days_late": days_late,
                }
            )
    return rows


def update(db: Database, config: Config, cycle_id: int, today: date) -> dict[str, int]:
    """Rewrite the `register` table for `today` and record this cycle's `overdue` and
    `published_late` events; return the number of events recorded per kind.

    `overdue`: once per agency-year, in the first cycle after the deadline in which the source's
    crawl worked (a failing source has its own alert; its report may be there unseen).
    `published_late`: once per agency-year, when a report whose deadline passed while we were
    watching turns up late. Years whose deadline passed before we watched the source never
    raise either, and a source's first cycle (its baseline) is recorded, never alerted.
    """
    rows = compute(db, config, today)
    zone = ZoneInfo(config.schedule.timezone)
    watched = {s.id: tracked_since(db, s.id, zone) for s in config.sources}
    counts: dict[str, int] = {}
    with db.atomic():
        db.execute("DELETE FROM register")
        computed_at = now_iso()
        db["register"].insert_all({**row, "computed_at": computed_at} for row in rows)
        for row in rows:
            kind = _event_kind(db, cycle_id, row, watched[row["source_id"]])
            if kind and not _already(db, row, kind):
                _record(db, config, cycle_id, kind, row)
                counts[kind] = counts.get(kind, 0) + 1
    return counts


def _event_kind(db: Database, cycle_id: int, row: dict, since: date | None) -> str | None:
    if row["status"] == OVERDUE:
        outcome = db.execute(
            "SELECT status FROM cycle_sources WHERE cycle_id = ? AND source_id = ?",
            [cycle_id, row["source_id"]],
        ).fetchone()
        return "overdue" if outcome and outcome[0] == SOURCE_OK else None
    if row["status"] == LATE and since is not None and since.isoformat() <= row["due_on"]:
        return "published_late"
    return None


def _already(db: Database, row: dict, kind: str) -> bool:
    found = db.execute(
        "SELECT 1 FROM events WHERE source_id = ? AND year = ? AND kind = ? LIMIT 1",
        [row["source_id"], row["year"], kind],
    ).fetchone()
    return found is not None


def _record(db: Database, config: Config, cycle_id: int, kind: str, row: dict) -> int:
    first_cycle = db.execute(
        "SELECT min(cycle_id) FROM cycle_sources WHERE source_id = ?", [row["source_id"]]
    ).fetchone()[0]
    source = config.source(row["source_id"])
    if kind == "overdue":
        url = source.start_urls[0]
        summary = (
            f"{row['agency']} {row['year']}年度报告逾期未公开 overdue: due {row['due_on']}, "
            f"{row['days_late']} days ago"
        )
    else:
        url = db.execute("SELECT url FROM reports WHERE id = ?", [row["report_id"]]).fetchone()[0]
        when = row["published_on"] or row["first_seen_on"]
        summary = (
            f"{row['agency']} {row['year']}年度报告逾期公开 published late: {when} "
            f"({row['evidence']}), {row['days_late']} days after {row['due_on']}"
        )
    keys = ("agency", "kind", "due_on", "due_basis", "days_late", "published_on")
    detail = {k: row[k] for k in keys}
    detail |= {"evidence": row["evidence"], "first_seen_on": row["first_seen_on"], "url": url}
    return events.record(
        db,
        cycle_id,
        kind,
        row["source_id"],
        summary,
        json.dumps(detail, ensure_ascii=False),
        report_id=row["report_id"],
        baseline=first_cycle == cycle_id,
        year=row["year"],
    )


# ---------------------------------------------------------------------------------------------
# Printing (the `register` command)


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


def cell(row: dict) -> str:
    return CELLS[row["status"]].format(days=row["days_late"])


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


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Canned queries for Datasette (merged into datasette/metadata.yml by hand)

REGISTER_QUERIES = {
    "matrix": {
        "title": "Register: agency × year",
        "description": (
            "One row per agency: each report year and its status (ok = on time, late+N = N days "
            "late, OVERDUE, - = missing from before tracking began, . = not yet due, ? = undated),"
            " with counts per status."
        ),
        "sql": """\
SELECT source_id, agency, kind, min(year) AS first_year, max(year) AS last_year,
       group_concat(year || ' ' || CASE status
           WHEN 'on_time' THEN 'ok'
           WHEN 'late' THEN 'late+' || days_late
           WHEN 'overdue' THEN 'OVERDUE'
           WHEN 'missing_before_tracking' THEN '-'
           WHEN 'not_due' THEN '.'
           ELSE '?' END, ' | ') AS years,
       sum(status = 'on_time') AS on_time,
       sum(status = 'late') AS late,
       sum(status = 'overdue') AS overdue,
       sum(status = 'missing_before_tracking') AS missing_before_tracking,
       sum(status = 'not_due') AS not_due,
       sum(status = 'undated') AS undated
FROM (SELECT * FROM register ORDER BY source_id, year)
GROUP BY source_id
ORDER BY agency, source_id""",
    },
    "overdue_now": {
        "title": "Register: overdue now",
        "description": (
            "Agency-years whose deadline passed while Gongkai watched the agency, with no report "
            "found yet; the longest overdue first."
        ),
        "sql": """\
SELECT source_id, agency, kind, year, due_on, due_basis, days_late AS days_overdue, computed_at
FROM register
WHERE status = 'overdue'
ORDER BY days_late DESC, agency, year""",
    },
    "late_rates": {
        "title": "Register: late publication per report year",
        "description": (
            "Per report year: how many agencies published on time, late, or not at all. "
            "late_pct = late / (on time + late); not_on_time_pct also counts overdue ones. "
            "Years missing before tracking began and undated reports are left out of both."
        ),
        "sql": """\
SELECT year,
       count(*) AS agencies,
       sum(status = 'on_time') AS on_time,
       sum(status = 'late') AS late,
       sum(status = 'overdue') AS overdue,
       sum(status = 'undated') AS undated,
       sum(status = 'missing_before_tracking') AS missing_before_tracking,
       sum(status = 'not_due') AS not_due,
       round(100.0 * sum(status = 'late')
             / nullif(sum(status IN ('on_time', 'late')), 0), 1) AS late_pct,
       round(100.0 * sum(status IN ('late', 'overdue'))
             / nullif(sum(status IN ('on_time', 'late', 'overdue')), 0), 1) AS not_on_time_pct,
       round(avg(CASE WHEN status = 'late' THEN days_late END), 1) AS avg_days_late
FROM register
GROUP BY year
ORDER BY year DESC""",
    },
}
