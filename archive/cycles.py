"""Cycles: one row per run of the crawler, and one outcome row per source in it.

Per-source numbers are computed from what the crawl committed (the fetch log and the reports),
not from the crawler's memory, so they hold even when the crawl process died halfway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlite_utils import Database

from archive import completeness, search
from archive.clock import now_iso

RUNNING, COMPLETED, FAILED, INTERRUPTED = "running", "completed", "failed", "interrupted"
DIED = (
    "the process running this cycle ended before closing it (killed, crashed or powered off); "
    "closed by cycle {}, which did the work it left undone"
)
SOURCE_OK, SOURCE_EMPTY, SOURCE_FAILED, SOURCE_BLOCKED = "ok", "empty", "failed", "blocked"
# The cycle failed or was stopped on our side: nothing is known about the source, good or bad,
# so its health does not move (see archive/health.py).
SOURCE_NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class SourceOutcome:
    cycle_id: int
    source_id: str
    agency: str
    status: str
    pages: int
    list_pages: int
    reports: int
    new_reports: int
    errors: int
    message: str
    list_errors: int = 0
    stated_entries: int | None = None  # what the column(s) state they hold (archive.completeness)
    reached_entries: int | None = None  # distinct entries the crawl reached
    incomplete: int | None = None  # 1: a complete walk fell short; 0: it did not; None: not judged


def start(db: Database, config_path: str, sources: int) -> int:
    """Close the rows of cycles whose process died, then open a cycle row and return its id.

    Called with the archive's lock held: no other cycle can be running, so a row still marked
    `running` belongs to a process that was killed, crashed or lost power before closing it.
    Its work left undone (extraction, alerts, the register) is done by this cycle.
    """
    with db.atomic():
        cycle_id = (
            db["cycles"]
            .insert(
                {
                    "started_at": now_iso(),
                    "status": RUNNING,
                    "config": config_path,
                    "sources": sources,
                }
            )
            .last_pk
        )
        db.execute(
            "UPDATE cycles SET status = ?, finished_at = ?, error = ? WHERE status = ? AND id < ?",
            [INTERRUPTED, now_iso(), DIED.format(cycle_id), RUNNING, cycle_id],
        )
        search.sync(db)  # texts written outside a cycle (by hand) since the last one
    return cycle_id


def last_started(db: Database, status: str) -> datetime | None:
    """When the most recent cycle that ended with `status` started; None if there is none."""
    row = db.execute("SELECT max(started_at) FROM cycles WHERE status = ?", [status]).fetchone()
    return datetime.fromisoformat(row[0]) if row[0] else None


def summarize(db: Database, cycle_id: int, source_id: str, agency: str) -> SourceOutcome:
    """What one source's crawl produced in this cycle, from the committed rows."""
    pages, list_pages, list_errors, errors = _fetch_counts(db, cycle_id, source_id)
    reports, new = db.execute(
        """SELECT count(*), count(CASE WHEN first_seen_cycle = ? THEN 1 END)
           FROM reports WHERE source_id = ? AND last_seen_cycle = ?""",
        [cycle_id, source_id, cycle_id],
    ).fetchone()
    status, message = _verdict(db, cycle_id, source_id, list_pages, reports)
    counted = completeness.totals(db, cycle_id, source_id, list_errors)
    return SourceOutcome(
        cycle_id, source_id, agency, status, pages, list_pages, reports, new, errors, message,
        list_errors, counted.stated, counted.reached, counted.incomplete,
    )  # fmt: skip


def _fetch_counts(db: Database, cycle_id: int, source_id: str) -> tuple[int, int, int, int]:
    return db.execute(
        """SELECT count(status),
                  count(CASE WHEN kind = 'list' AND (status BETWEEN 200 AND 299 OR status = 304)
                             AND coalesce(note, '') NOT LIKE 'blocked:%' THEN 1 END),
                  count(CASE WHEN kind = 'list' AND (status IS NULL OR status >= 400
                             OR note LIKE 'blocked:%') THEN 1 END),
                  count(CASE WHEN kind != 'robots' AND (status IS NULL OR status >= 400
                             OR note LIKE 'blocked:%') THEN 1 END)
           FROM (SELECT kind, status, note FROM fetches WHERE cycle_id = ? AND source_id = ?
                 UNION ALL  -- exchanges that only confirmed a logged one (archive/verified.py)
                 SELECT f.kind, v.status, NULL FROM last_verified v
                 JOIN fetches f ON f.id = v.fetch_id WHERE v.cycle_id = ? AND f.source_id = ?)""",
        [cycle_id, source_id, cycle_id, source_id],
    ).fetchone()


def lists_complete(db: Database, cycle_id: int, source_id: str) -> bool:
    """Every list page of the source was fetched: only then can a missing report mean removal."""
    _pages, list_pages, list_errors, _errors = _fetch_counts(db, cycle_id, source_id)
    return list_pages > 0 and list_errors == 0


def _verdict(
    db: Database, cycle_id: int, source_id: str, list_pages: int, reports: int
) -> tuple[str, str]:
    if list_pages == 0:
        row = db.execute(
            """SELECT url, coalesce(status, ''), coalesce(note, '') FROM fetches
               WHERE cycle_id = ? AND source_id = ? AND kind = 'list' ORDER BY id LIMIT 1""",
            [cycle_id, source_id],
        ).fetchone()
        why = f"{row[0]}: {row[1]} {row[2]}".strip() if row else "no list page was requested"
        if row and row[2].startswith("blocked:"):
            return SOURCE_BLOCKED, f"the site answered with a challenge, not evaded ({why})"
        return SOURCE_FAILED, f"no list page could be fetched ({why})"
    if reports == 0:
        had = _previous_reports(db, cycle_id, source_id)
        where = f" (the last cycle saw {had})" if had else ""
        return SOURCE_EMPTY, f"list pages fetched but no annual report recognised{where}"
    return SOURCE_OK, ""


def _previous_reports(db: Database, cycle_id: int, source_id: str) -> int:
    row = db.execute(
        "SELECT reports FROM cycle_sources WHERE source_id = ? AND cycle_id < ? "
        "AND status != ? ORDER BY cycle_id DESC LIMIT 1",
        [source_id, cycle_id, SOURCE_NOT_CHECKED],
    ).fetchone()
    return row[0] if row else 0


def not_checked(outcomes: Iterable[SourceOutcome], why: str) -> list[SourceOutcome]:
    """The outcomes of a cycle that failed or was stopped on our side (the crawler crashed,
    could not write, was killed or interrupted): every source `not_checked`, its counts kept,
    so that no agency is blamed, or credited, for a night we did not finish."""
    return [
        replace(
            o,
            status=SOURCE_NOT_CHECKED,
            message=f"not checked: the cycle did not finish ({why})"
            + (f"; as far as it got: {o.status}, {o.message}" if o.message else ""),
        )
        for o in outcomes
    ]


def record_outcomes(db: Database, outcomes: Iterable[SourceOutcome]) -> None:
    rows = [asdict(o) for o in outcomes]
    if rows:
        db["cycle_sources"].upsert_all(rows, pk=("cycle_id", "source_id"))


def finish(
    db: Database, cycle_id: int, status: str, outcomes: Iterable[SourceOutcome], error: str = ""
) -> None:
    """Close the cycle row with its totals."""
    outcomes = list(outcomes)
    with db.atomic():
        db["cycles"].update(
            cycle_id,
            {
                "finished_at": now_iso(),
                "status": status,
                "sources_failed": sum(o.status == SOURCE_FAILED for o in outcomes),
                "pages": sum(o.pages for o in outcomes),
                "reports": sum(o.reports for o in outcomes),
                "new_reports": sum(o.new_reports for o in outcomes),
                "error": error or None,
            },
        )
