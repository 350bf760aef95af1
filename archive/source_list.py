"""`scheduler.py sources`: every configured source beside what the archive knows of it.

One row per source of the config (its own [[sources]] and those [include] selects): the CMS
family its column was last read as, the last cycle's status, its reports by year, the entries
its column states beside those the last judged walk reached, and the register's overdue years
as of a day. Read-only: it never fetches or writes.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlite_utils import Database

from archive import register
from archive.config import Config

COLUMNS = (
    "source_id",
    "agency",
    "enabled",
    "family",
    "last_status",
    "last_cycle_at",
    "reports",
    "reports_by_year",
    "stated_entries",
    "reached_entries",
    "overdue_years",
    "start_url",
)


def rows(db: Database | None, config: Config, today: date) -> list[dict]:
    """One dict of COLUMNS per configured source, in config order."""
    overdue: dict[str, list[int]] = {}
    if db is not None:
        for row in register.compute(db, config, today):
            if row["status"] == "overdue":
                overdue.setdefault(row["source_id"], []).append(row["year"])
    found = families(db) if db is not None else {}
    return [
        _row(db, source, overdue.get(source.id, []), found.get(source.id))
        for source in config.sources
    ]


def families(db: Database) -> dict[str, str]:
    """Each source's CMS family as its column was last read: its latest list page read in a
    cycle, a family's page before a generic one. One pass over `list_counts` for all sources
    (it has no index leading with source_id, and grows by every list page of every night)."""
    return dict(
        db.execute(
            "SELECT source_id, family FROM (SELECT source_id, family, row_number() OVER "
            "(PARTITION BY source_id ORDER BY family = 'generic', id DESC) AS n "
            "FROM list_counts WHERE cycle_id IS NOT NULL) WHERE n = 1"
        ).fetchall()
    )


def _row(db: Database | None, source: object, overdue: list[int], family: str | None) -> dict:
    row = {
        "source_id": source.id,
        "agency": source.agency,
        "enabled": source.enabled,
        "family": family,
        "last_status": "never run",
        "last_cycle_at": None,
        "reports": 0,
        "reports_by_year": "",
        "stated_entries": None,
        "reached_entries": None,
        "overdue_years": " ".join(str(y) for y in sorted(overdue, reverse=True)),
        "start_url": " ".join(source.start_urls),
    }
    if db is None:
        return row
    status = db.execute(
        "SELECT last_status, last_cycle_at, stated_entries, reached_entries "
        "FROM source_status WHERE source_id = ?",
        [source.id],
    ).fetchone()
    if status:
        row.update(zip(("last_status", "last_cycle_at", "stated_entries", "reached_entries"),
                       status, strict=True))  # fmt: skip
    years = db.execute(
        "SELECT year, count(*) FROM reports WHERE source_id = ? AND status = 'active' "
        "GROUP BY year ORDER BY year DESC",
        [source.id],
    ).fetchall()
    row["reports"] = sum(n for _, n in years)
    row["reports_by_year"] = " ".join(
        f"{year or '?'}:{n}" if n > 1 else f"{year or '?'}" for year, n in years
    )
    return row


def table_lines(found: list[dict]) -> list[str]:
    """The rows for the terminal: one line per source, then its column URL indented."""
    lines = [
        f"{'source':<14} {'family':<9} {'last':<10} {'reports':>7}  {'entries':<9} "
        f"{'overdue':<10} years (reports)"
    ]
    for row in found:
        entries = (
            f"{row['reached_entries']}/{row['stated_entries']}"
            if row["stated_entries"] is not None
            else "-"
        )
        status = row["last_status"] if row["enabled"] else "disabled"
        lines.append(
            f"{row['source_id']:<14} {row['family'] or '-':<9} {status:<10} {row['reports']:>7}  "
            f"{entries:<9} {row['overdue_years'] or '-':<10} {row['reports_by_year'] or '-'}"
        )
        lines.append(f"{'':<14} {row['agency']}  {row['start_url']}")
    lines.append(
        f"{len(found)} sources; entries = reached/stated by the last judged walk of a column "
        "that states its size; a year N:k means k reports for year N"
    )
    return lines


def csv_text(found: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(found)
    return out.getvalue()
