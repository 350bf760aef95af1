"""Source health: a source that keeps failing raises one alert, and one more when it recovers.

A failing cycle for a source is one where its column could not be fetched, or yielded no
report (a column that suddenly yields zero where it had N is broken, not quiet). One bad night
is noise; three in a row is a site redesign, a moved column or a block that needs a person.
A cycle that failed on our side records its sources `not_checked`: those rows neither extend
nor end a streak, and raise nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from archive import events
from archive.cycles import SOURCE_NOT_CHECKED, SOURCE_OK, SourceOutcome

FAILING_AFTER = 3


def failing_streak(db: Database, source_id: str, before_cycle: int | None = None) -> int:
    """Consecutive failing cycles of the source, newest first, up to `before_cycle` inclusive;
    cycles in which it was not checked are skipped."""
    rows = db.execute(
        """SELECT status FROM cycle_sources WHERE source_id = ? AND cycle_id <= ?
           AND status != ? ORDER BY cycle_id DESC""",
        [source_id, before_cycle if before_cycle is not None else 2**62, SOURCE_NOT_CHECKED],
    )
    streak = 0
    for (status,) in rows:
        if status == SOURCE_OK:
            break
        streak += 1
    return streak


def update(db: Database, cycle_id: int, outcomes: Iterable[SourceOutcome]) -> list[int]:
    """Record source_failing / source_recovered events for this cycle; return their ids."""
    created = []
    for outcome in outcomes:
        if outcome.status == SOURCE_NOT_CHECKED:
            continue
        streak = failing_streak(db, outcome.source_id, cycle_id)
        if streak == FAILING_AFTER:
            summary = f"{outcome.agency} ({outcome.source_id}): failing for {streak} cycles"
            created.append(_record(db, cycle_id, "source_failing", outcome, summary))
        elif streak == 0 and failing_streak(db, outcome.source_id, cycle_id - 1) >= FAILING_AFTER:
            summary = f"{outcome.agency} ({outcome.source_id}): recovered"
            created.append(_record(db, cycle_id, "source_recovered", outcome, summary))
    return created


def _record(db: Database, cycle_id: int, kind: str, outcome: SourceOutcome, summary: str) -> int:
    return events.record(db, cycle_id, kind, outcome.source_id, summary, outcome.message)
