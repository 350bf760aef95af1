"""The register: which agency owes which annual report, by when — and whether it came.

One row per (source, report year), from the source's `since` (default: the earliest report
year found) to last year, with the deadline and status that `archive.deadlines` gives it: the
rules (deadlines.toml, `[register] local_rules`, a source's `due`) and the statuses (`on_time`,
`late`, `overdue`, `missing_before_tracking`, `not_due`, `undated`) are described there.

"Today" is always an argument, never read from a clock here. The table `register` is rewritten
every cycle; `overdue` and `published_late` events are recorded once per agency-year, ever.

The `register` command's text (`table_lines`, `matrix_lines`, `LEGEND`, `guessed_notes`) lives
in `archive.register_display`, the Datasette queries (`REGISTER_QUERIES`) in
`archive.register_queries`, and the rules in `archive.deadlines`; all are importable from here
too, since the register is where callers look for them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from archive import events, issuers
from archive.clock import now_iso
from archive.config import Config, LocalRule, Source
from archive.cycles import SOURCE_OK
from archive.deadlines import (
    BEFORE_TRACKING,
    BY_FIRST_SEEN,
    BY_PUBLISHED_ON,
    DEADLINES,
    FIRST_YEAR,
    LATE,
    NOT_DUE,
    ON_TIME,
    OVERDUE,
    STATUSES,
    UNDATED,
    Deadline,
    Rule,
    deadline,
    guess_kind,
    judge,
    kind_of,
    national_rules,
)
from archive.register_display import (
    CELLS,
    LEGEND,
    cell,
    guessed_notes,
    matrix_lines,
    table_lines,
    width,
)
from archive.register_queries import REGISTER_QUERIES

__all__ = [
    "BEFORE_TRACKING",
    "BY_FIRST_SEEN",
    "BY_PUBLISHED_ON",
    "CELLS",
    "COLUMNS",
    "DEADLINES",
    "EVENT_KINDS",
    "FIRST_YEAR",
    "LATE",
    "LEGEND",
    "NOT_DUE",
    "ON_TIME",
    "OVERDUE",
    "REGISTER_QUERIES",
    "STATUSES",
    "UNDATED",
    "Deadline",
    "Rule",
    "cell",
    "compute",
    "csv_text",
    "deadline",
    "guess_kind",
    "guessed_notes",
    "judge",
    "kind_of",
    "matrix_lines",
    "national_rules",
    "table_lines",
    "today",
    "tracked_since",
    "update",
    "width",
]

EVENT_KINDS = ("overdue", "published_late")

COLUMNS = (
    "source_id", "agency", "kind", "year", "due_on", "due_basis", "status", "report_id",
    "published_on", "first_seen_on", "evidence", "days_late",
)  # fmt: skip


def today(config: Config, now: datetime | None = None) -> date:
    """Today's date in the schedule's time zone (the day a cycle or a user lives in)."""
    zone = ZoneInfo(config.schedule.timezone)
    return (now.astimezone(zone) if now else datetime.now(zone)).date()


def _local_date(stamp: str | None, zone: ZoneInfo) -> date | None:
    """The day in `zone` of a stored ISO timestamp (first seen, cycle start); None if unreadable."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp).astimezone(zone).date()
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    """A stored published-on date (its first ten characters); None if missing or unreadable."""
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


def _reports_by_year(db: Database, source: Source, zone: ZoneInfo) -> dict[int, dict]:
    """Per report year, the source's own report that came first: the earliest evidence of its
    publication (the earliest date a version stated, or the day we first saw it, whichever is
    earlier). Another agency's report reposted in the column is not the source's publication
    (judged from the issuer it names and the source's names, as `issuers.is_own` reads them)."""
    best: dict[int, dict] = {}
    rows = db.query(
        "SELECT id, year, published_on, first_seen_at, issuer FROM reports "
        "WHERE source_id = ? AND year IS NOT NULL ORDER BY id",
        [source.id],
    )
    for row in rows:
        if not issuers.is_own(row["issuer"], source.agency, source.aliases):
            continue
        report = {
            "id": row["id"],
            "published_on": _date(row["published_on"]),
            "first_seen_on": _local_date(row["first_seen_at"], zone),
        }
        dates = [d for d in (report["published_on"], report["first_seen_on"]) if d]
        report["when"] = min(dates, default=date.max)
        known = best.get(row["year"])
        if known is None or report["when"] < known["when"]:
            best[row["year"]] = report
    return best


def compute(db: Database, config: Config, today: date) -> list[dict]:
    """The register on `today`: one row (a dict of COLUMNS) per enabled source and report year,
    ordered by source (config order) and year. Reads the archive, writes nothing."""
    zone = ZoneInfo(config.schedule.timezone)
    rows = []
    for source in (s for s in config.sources if s.enabled):
        rows.extend(_source_rows(db, config, source, today, zone))
    return rows


def _source_rows(
    db: Database, config: Config, source: Source, today: date, zone: ZoneInfo
) -> list[dict]:
    """One source's rows: from its `since` (else its earliest report year, else last year) to
    last year, plus any year with a report found, never before FIRST_YEAR."""
    last = today.year - 1
    kind, _guessed = kind_of(source)
    since = tracked_since(db, source.id, zone)
    found = {y: r for y, r in _reports_by_year(db, source, zone).items() if y <= last}
    first = source.since or min(found, default=last)
    years = sorted(y for y in {*range(first, last + 1), *found} if y >= FIRST_YEAR)
    local = config.register.local_rules
    return [_row(source, kind, year, found.get(year), since, today, local) for year in years]


def _row(
    source: Source,
    kind: str,
    year: int,
    report: dict | None,
    since: date | None,
    today: date,
    local: Iterable[LocalRule],
) -> dict:
    """One agency-year: its deadline, its report (if any) and the status they give."""
    due = deadline(year, kind, source.agency, local, source.due)
    published = report["published_on"] if report else None
    seen = report["first_seen_on"] if report else None
    status, evidence, days_late = judge(due.due_on, today, since, published, seen)
    return {
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
        issuers.mark_reposts(db, config.sources)
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
    """The event a row calls for in this cycle, if any (see `update` for when each is due)."""
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
    """Whether the agency-year already has this event: each is recorded once, ever."""
    found = db.execute(
        "SELECT 1 FROM events WHERE source_id = ? AND year = ? AND kind = ? LIMIT 1",
        [row["source_id"], row["year"], kind],
    ).fetchone()
    return found is not None


def _record(db: Database, config: Config, cycle_id: int, kind: str, row: dict) -> int:
    """Record one `overdue` / `published_late` event; a source's first cycle is its baseline."""
    first_cycle = db.execute(
        "SELECT min(cycle_id) FROM cycle_sources WHERE source_id = ?", [row["source_id"]]
    ).fetchone()[0]
    url, summary = _url_and_summary(db, config.source(row["source_id"]), kind, row)
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


def _url_and_summary(db: Database, source: Source, kind: str, row: dict) -> tuple[str, str]:
    """Where to look (the source's column if overdue, else the late report) and one line on it."""
    if kind == "overdue":
        url = source.start_urls[0]
        summary = (
            f"{row['agency']} {row['year']}年度报告逾期未公开 overdue: due {row['due_on']}, "
            f"{row['days_late']} days ago"
        )
    else:
        url = db.execute("SELECT url FROM reports WHERE id = ?", [row["report_id"]]).fetchone()[0]
        by_seen = row["evidence"] == BY_FIRST_SEEN or not row["published_on"]
        when = row["first_seen_on"] if by_seen else row["published_on"]
        summary = (
            f"{row['agency']} {row['year']}年度报告逾期公开 published late: {when} "
            f"({row['evidence']}), {row['days_late']} days after {row['due_on']}"
        )
    return url, summary


def csv_text(rows: list[dict]) -> str:
    """The rows as CSV (`register --csv`), in the `register` table's column order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
