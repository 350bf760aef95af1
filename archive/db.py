"""Open the archive: one SQLite file in WAL mode with every migration applied.

WAL lets Datasette (or a user's script) read while a cycle writes; `synchronous=NORMAL` is safe
in WAL mode (a power cut may lose the last transaction, never corrupt the file) and keeps
batched writes fast.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from archive import preflight
from archive.migrations import migrations


def open_db(path: Path | str) -> Database:
    """Open (creating if needed) the archive at `path`, migrated to the current schema.

    Raises preflight.ArchiveError, having touched nothing, when `path` cannot be that archive.
    """
    path = Path(path)
    preflight.check(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db
