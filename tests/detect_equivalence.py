"""A pytest plugin: every detection a test runs, run both ways and compared.

    python -m pytest -p tests.detect_equivalence tests/test_identity.py tests/test_alerts.py …

Detection records most new reports set-based (`events._Arrivals`) and everything else one
sighting at a time; the two must write the same rows. With this plugin, each `events.detect`
call first runs the per-sighting path alone over an in-memory copy of the archive, then the
real call runs as usual, and every table of the two archives is compared (events'
`detected_at`, a clock reading, aside) together with the counts returned: a difference fails
the test that ran the cycle. Not a test module itself: it doubles a cycle's detection time.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlite_utils import Database

from archive import events

_detect = events.detect
_CLOCK = {("events", "detected_at")}


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    found = {}
    for name in names:
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]
        kept = [c for c in columns if (name, c) not in _CLOCK]
        listed = ", ".join(f'"{c}"' for c in kept)
        found[name] = sorted(conn.execute(f'SELECT {listed} FROM "{name}"').fetchall(), key=repr)
    return found


def detect(db: Database, *args: Any, set_based: bool = True) -> dict[str, int]:
    """`events.detect`, run per sighting on a copy first, then as asked, and compared."""
    copy = sqlite3.connect(":memory:")
    db.conn.backup(copy)
    copy.execute("PRAGMA foreign_keys = ON")
    expected = _detect(Database(copy), *args, set_based=False)
    counts = _detect(db, *args, set_based=set_based)
    assert list(counts.items()) == list(expected.items()), (counts, expected)
    ours, theirs = _tables(db.conn), _tables(copy)
    for name in sorted(set(ours) | set(theirs)):
        assert ours.get(name) == theirs.get(name), f"detection wrote another {name} table"
    copy.close()
    return counts


def pytest_configure(config: object) -> None:
    events.detect = detect
