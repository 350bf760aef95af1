"""The coverage summary: per source, agency and report year, what the `coverage` matrix shows.

`coverage` (Datasette's agency × year matrix) needs, for every source, one cell per report year
(the published date, ×n, removed) and its reposts. Computed from `reports` at query time it is
a sorted pass over every report: 0.4 s at 100,000 reports, ~5.5 s at a national 1.5 M (make
bench-query). `coverage_summary` keeps those cells, one row per (source, agency, year) that has
a report, keyed in the matrix's order: the canned query reads its first thousand sources
through the primary key and stops there, whatever the archive's size.

Kept in step by plain SQL triggers on `reports` (as the search index is), so every writer is
covered — detection, the register's repost marks, re-extraction, a user's own SQLite client —
and a cycle killed halfway leaves the summary exactly as consistent as the reports it
committed: each trigger recomputes the one or two (source, agency, year) groups a changed
report was and is in, from `reports` itself, through the index on (source_id, agency, year).
Only changes of the columns shown fire them: a cycle's `last_seen_at` stamps do not.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from archive.blobs import Problem

# One (source, agency, year) group's row, from its reports. `cell` is what the matrix shows
# for the source's own reports (repost = 0): the earliest published date (✓ when none was
# found), " ×n" when there are n > 1, " (removed)" when the agency took them down; NULL when
# the year has only reposts. `reposts` lists the reports of other agencies reposted in the
# source's column that year, "year: issuer", in issuer order.
_GROUP = """
    SELECT r.source_id, r.agency, r.year, sum(r.repost = 0) AS own,
           CASE WHEN sum(r.repost = 0) > 0 THEN
             coalesce(min(CASE WHEN r.repost = 0 THEN r.published_on END), '✓')
             || CASE WHEN sum(r.repost = 0) > 1 THEN ' ×' || sum(r.repost = 0) ELSE '' END
             || CASE WHEN min(CASE WHEN r.repost = 0 THEN r.status END) = 'removed'
                     THEN ' (removed)' ELSE '' END
           END AS cell,
           (SELECT group_concat(p.year || ': ' || coalesce(p.issuer, '?'), '; ')
            FROM (SELECT x.year, x.issuer FROM reports x
                  WHERE x.source_id = r.source_id AND x.agency = r.agency AND x.year = r.year
                    AND x.repost = 1
                  ORDER BY x.issuer, x.id) p) AS reposts
    FROM reports r
    WHERE {where}
    GROUP BY r.source_id, r.agency, r.year
"""
_COLUMNS = "source_id, agency, year, own, cell, reposts"


def _refresh(row: str) -> str:
    """The trigger statements that recompute the group of `row` (NEW or OLD)."""
    key = f"r.source_id = {row}.source_id AND r.agency = {row}.agency AND r.year = {row}.year"
    return f"""
        DELETE FROM coverage_summary WHERE agency = {row}.agency
          AND source_id = {row}.source_id AND year = {row}.year;
        INSERT INTO coverage_summary ({_COLUMNS}) {_GROUP.format(where=key)};"""


_SHOWN = ("source_id", "agency", "year", "published_on", "status", "repost", "issuer")
_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _SHOWN)
_TRIGGERS = {
    "coverage_report_insert": f"""AFTER INSERT ON reports WHEN NEW.year IS NOT NULL BEGIN
        {_refresh("NEW")}
    END""",
    "coverage_report_update": f"""AFTER UPDATE OF {", ".join(_SHOWN)} ON reports
        WHEN {_CHANGED} BEGIN
        {_refresh("OLD")}
        {_refresh("NEW")}
    END""",
    "coverage_report_delete": f"""AFTER DELETE ON reports WHEN OLD.year IS NOT NULL BEGIN
        {_refresh("OLD")}
    END""",
}


def create(db: Database) -> None:
    """The summary table and its triggers (migration 0016), filled from the reports."""
    db.execute(
        """CREATE TABLE coverage_summary (
            source_id TEXT NOT NULL,
            agency TEXT NOT NULL,
            year INTEGER NOT NULL,
            own INTEGER NOT NULL,
            cell TEXT,
            reposts TEXT,
            PRIMARY KEY (agency, source_id, year)
        ) WITHOUT ROWID"""
    )
    for name, body in _TRIGGERS.items():
        db.execute(f"CREATE TRIGGER {name} {body}")
    fill(db)


def fill(db: Database) -> int:
    """Compute every group from `reports` into the (empty) summary; return how many rows."""
    return db.execute(
        f"INSERT INTO coverage_summary ({_COLUMNS}) {_GROUP.format(where='r.year IS NOT NULL')}"
    ).rowcount


def rebuild(db: Database) -> int:
    """Empty the summary and compute it again from `reports`; return how many rows."""
    with db.atomic():
        db.execute("DELETE FROM coverage_summary")
        return fill(db)


def stale(db: Database) -> int:
    """How many (source, agency, year) rows of the summary differ from what `reports` gives
    (wrong, missing or extra): 0 unless the table or its triggers were tampered with."""
    group = _GROUP.format(where="r.year IS NOT NULL")
    ours = f"SELECT {_COLUMNS} FROM coverage_summary"
    return db.execute(
        f"""SELECT count(*) FROM (
              SELECT source_id, agency, year FROM ({group} EXCEPT {ours})
              UNION
              SELECT source_id, agency, year FROM ({ours} EXCEPT SELECT * FROM ({group})))"""
    ).fetchone()[0]


def verify(db: Database) -> Iterator[Problem]:
    """What `verify` finds wrong with the summary: rows that differ from `reports`."""
    if count := stale(db):
        yield Problem(
            "coverage_summary",
            f"{count} rows differ from what reports gives (reextract rebuilds it)",
        )
