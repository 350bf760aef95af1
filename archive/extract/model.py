"""What extraction produces: one row per printed statistics cell, and the table regime.

Defined apart from `stats` so the parsers can build rows without importing the entry points;
import them from `archive.extract.stats`. Keys and sections are listed in docs/indicators.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatRow:
    """One printed cell. A cell is identified by (indicator, column_label).

    section: "active_disclosure" (Table 2), "requests" (Table 3), "review_litigation" (Table 4),
      or "legacy_2014.<part>" for the 2014 table (active_disclosure, responses, requests, review,
      litigation, complaints, fees, organisation, meetings_training).
    indicator: a documented key, or "" for a table row the extractor could not identify (kept so
      that nothing printed is lost; dropped from flattened text, where it may be prose).
    """

    section: str
    row_label: str
    column_label: str
    indicator: str
    value: float | None
    unit: str
    row_label_raw: str
    column_label_raw: str


@dataclass(frozen=True)
class Stats:
    regime: str | None  # "2014", "2019", "2021", or None when no statistics table was found
    rows: tuple[StatRow, ...]

    def get(self, indicator: str, column_label: str = "") -> StatRow | None:
        """The first row with this indicator (and column), or None."""
        for row in self.rows:
            if row.indicator == indicator and row.column_label == column_label:
                return row
        return None
