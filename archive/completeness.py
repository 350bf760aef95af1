"""Completeness: how many records a column says it holds, beside how many the crawl reached.

A list page often states its column's size (recordCount, totalRecord, gkmlpt's post_count,
共N条 …) while showing only part of it: the rest comes from an API, a script or later pages.
When the walk reaches fewer entries than stated, reports are being missed without any error,
the one failure nothing else notices. The crawler records, per list page, the statement and the
entries reached so far (`list_counts`); each cycle's source outcome carries the totals; and a
source whose complete walk falls short raises one `source_incomplete` event when the shortfall
starts, not one per night.

Only complete walks are judged: an incremental night stops at the first page of known reports
and reaches few entries by design, and a night with a list page that failed proves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

SOURCE_INCOMPLETE = "source_incomplete"


@dataclass(frozen=True)
class ListCount:
    """One list page of a source as the crawl read it.

    stated: what this page says its column holds (None when it says nothing); stated_total:
    the source's statements so far, each column counted once (its largest statement);
    entries: the column's entries on this page; reached: distinct entries of the source reached
    so far in this crawl; walk_whole: the walk has not stopped early so far (no 304, no stop at a
    page of known reports), so a shortfall means something.
    """

    source_id: str
    url: str
    family: str
    stated: int | None
    stated_total: int | None
    entries: int
    reached: int
    walk_whole: bool
    seen_at: str


@dataclass(frozen=True)
class Totals:
    stated: int | None  # what the source's columns state, NULL when none states anything
    reached: int | None  # distinct entries reached; NULL when no list page was read
    incomplete: int | None  # 1 short, 0 whole, NULL not judged (no statement, partial walk)


def record(db: Database, seen: ListCount, cycle_id: int | None) -> None:
    db["list_counts"].insert(
        {
            "cycle_id": cycle_id,
            "source_id": seen.source_id,
            "url": seen.url,
            "family": seen.family,
            "stated_entries": seen.stated,
            "stated_total": seen.stated_total,
            "entries": seen.entries,
            "reached_entries": seen.reached,
            "walk_whole": int(seen.walk_whole),
            "seen_at": seen.seen_at,
        }
    )


def totals(db: Database, cycle_id: int | None, source_id: str, list_errors: int = 0) -> Totals:
    """The source's stated and reached entries in the cycle, and whether it fell short."""
    stated, reached, whole = db.execute(
        """SELECT max(stated_total), max(reached_entries), min(walk_whole) FROM list_counts
           WHERE cycle_id IS ? AND source_id = ?""",
        [cycle_id, source_id],
    ).fetchone()
    judged = stated is not None and whole == 1 and list_errors == 0
    return Totals(stated, reached, int(reached < stated) if judged else None)


def update(db: Database, cycle_id: int, outcomes: Iterable) -> list[int]:
    """Record `source_incomplete` for each source whose shortfall starts in this cycle.

    It starts when this cycle's judged walk falls short and the source's previous judged
    walk did not (or there was none): a column short night after night is one event.
    """
    from archive import events  # the cycle's business; the crawl imports this module too

    created = []
    for outcome in outcomes:
        if outcome.incomplete != 1:
            continue
        before = db.execute(
            """SELECT incomplete FROM cycle_sources WHERE source_id = ? AND cycle_id < ?
               AND incomplete IS NOT NULL ORDER BY cycle_id DESC LIMIT 1""",
            [outcome.source_id, cycle_id],
        ).fetchone()
        if before and before[0] == 1:
            continue
        short = outcome.stated_entries - outcome.reached_entries
        summary = (
            f"{outcome.agency} ({outcome.source_id}): the column states "
            f"{outcome.stated_entries} entries, the crawl reached {outcome.reached_entries}"
        )
        detail = f"{short} entries the list pages announce could not be reached"
        created.append(
            events.record(db, cycle_id, SOURCE_INCOMPLETE, outcome.source_id, summary, detail)
        )
    return created
