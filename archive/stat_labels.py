"""The numbers of statistics labels and check names (`stat_cells`, `check_names`), resolved
once per run of writes.

Apart from archive/extraction.py so that the crawl's writer thread, which stages what the
describing worker read (archive/crawl_extraction.py), does not import the PDF and Word readers.
"""

from __future__ import annotations

from sqlite_utils import Database

from archive.extract.model import StatRow

_CELL = (
    "regime", "section", "row_label", "column_label", "indicator", "unit", "row_label_raw",
    "column_label_raw",
)  # fmt: skip
_FIND_CELL = "SELECT id FROM stat_cells WHERE " + " AND ".join(f"{c} IS ?" for c in _CELL)
_ADD_CELL = f"INSERT INTO stat_cells ({', '.join(_CELL)}) VALUES ({', '.join('?' * len(_CELL))})"
_FIND_CHECK = "SELECT id FROM check_names WHERE name = ?"
_ADD_CHECK = "INSERT INTO check_names (name) VALUES (?)"


class Labels:
    """The numbers of label combinations and check names, each looked up (or added) once.

    Keep one for a run of extractions, not longer: ids it added in a transaction that was then
    rolled back would be remembered though they no longer exist.
    """

    def __init__(self, db: Database) -> None:
        self._conn = db.conn
        self._cells: dict[tuple, int] = {}
        self._checks: dict[str, int] = {}

    def cell(self, regime: str | None, row: StatRow) -> int:
        return self.cell_of(
            (
                regime, row.section, row.row_label, row.column_label, row.indicator, row.unit,
                row.row_label_raw, row.column_label_raw,
            )
        )  # fmt: skip

    def cell_of(self, key: tuple) -> int:
        """`cell` for its key: (regime, section, row_label, column_label, indicator, unit,
        row_label_raw, column_label_raw)."""
        found = self._cells.get(key)
        if found is None:
            found = self._cells[key] = self._find_or_add(_FIND_CELL, _ADD_CELL, key)
        return found

    def check(self, name: str) -> int:
        found = self._checks.get(name)
        if found is None:
            found = self._checks[name] = self._find_or_add(_FIND_CHECK, _ADD_CHECK, (name,))
        return found

    def _find_or_add(self, find: str, add: str, key: tuple) -> int:
        row = self._conn.execute(find, key).fetchone()
        return row[0] if row else self._conn.execute(add, key).lastrowid
