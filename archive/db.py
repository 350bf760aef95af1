"""Open the archive: one SQLite file in WAL mode with every migration applied.

WAL lets Datasette (or a user's script) read while a cycle writes; `synchronous=NORMAL` is safe
in WAL mode (a power cut may lose the last transaction, never corrupt the file) and keeps
batched writes fast.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from archive import preflight
from archive.migrations import migrations


def open_db(path: Path | str) -> Database:
    """Open (creating if needed) the archive at `path`, migrated to the current schema.

    Raises preflight.ArchiveError, having touched nothing, when `path` cannot be that archive.
    """
    path = Path(path)
    preflight.check(path, contents=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    try:
        db.enable_wal()  # the first read of the file: it fails on one that is not SQLite
    except sqlite3.DatabaseError as error:
        db.close()
        if "not a database" in str(error):
            raise preflight.not_sqlite(path) from None
        raise
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    try:
        preflight.refuse_newer(path, db.conn)  # again, on the connection we keep
    except preflight.ArchiveError:
        db.close()
        raise
    migrations.apply(db)
    return db
