"""Is this path an archive Gongkai can use? Asked before anything is created, changed or locked.

Every command reaches the archive through `db.open_db` or `lock.hold`, and both ask here first,
so a mistake in `[archive] database` — a file where a folder should be, a folder where the file
should be, a file that is not SQLite, a read-only file, an archive from a newer Gongkai — is one
line naming the file and what is wrong, and leaves the disk as it was (no folder made, no
`.lock` file beside a stranger's file, no migration run on an archive we do not understand).

    python -m archive.preflight PATH [--read-only]    # exit 1 with the reason (`make serve`)
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
LOGS = "logs"  # the crawl logs' folder, beside the database (cycle.py)


class ArchiveError(ValueError):
    """An archive path that cannot be used; the message is meant for the user as is."""


def check(path: Path | str, write: bool = True) -> None:
    """Raise ArchiveError unless `path` is, or can become, an archive this Gongkai can use
    (and write, unless `write` is False). Reads only; creates nothing."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        _check_file(path, write)
        _check_version(path, write)
    else:
        _check_creatable(path)
    logs = path.parent / LOGS
    if write and (logs.exists() or logs.is_symlink()) and not logs.is_dir():
        raise ArchiveError(f"{logs}: is a file; the archive keeps its crawl logs in this folder")


def _check_file(path: Path, write: bool) -> None:
    if path.is_dir():
        raise ArchiveError(f"{path}: is a folder; [archive] database must name a file")
    if not path.is_file():
        raise ArchiveError(f"{path}: not a regular file (a broken link, a device?)")
    if not os.access(path, os.R_OK):
        raise ArchiveError(f"{path}: cannot be read (permission denied)")
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise ArchiveError(
            f"{path}: not a SQLite database (it does not start with the SQLite header); "
            "is [archive] database naming the right file?"
        )
    if write and not os.access(path, os.W_OK):
        raise ArchiveError(f"{path}: read-only; Gongkai writes to its archive (make it writable)")
    folder = path.parent
    if write and not os.access(folder, os.W_OK | os.X_OK):
        raise ArchiveError(
            f"{path}: its folder {folder} is read-only; SQLite writes its journal and Gongkai its "
            "lock file beside the archive"
        )


def _check_creatable(path: Path) -> None:
    """A new archive: the nearest existing ancestor must be a folder we can write into."""
    ancestor = path.parent
    while not ancestor.exists() and not ancestor.is_symlink():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ArchiveError(f"{path}: cannot be created: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ArchiveError(f"{path}: cannot be created: the folder {ancestor} is read-only")


def _check_version(path: Path, write: bool) -> None:
    """Refuse an archive migrated by a newer Gongkai: its schema is not what this code reads,
    and running our migrations over it could damage it."""
    from archive.migrations import migrations  # here: migrations is heavy and db imports us

    known = {m.name for m in migrations._migrations}  # sqlite-utils has no public list of them
    # Read-write when we may: a read-only connection to a WAL archive leaves -wal and -shm files
    # behind, a read-write one that only reads removes them on closing, changing nothing.
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    mode = "rw" if write or writable else "ro"
    try:
        conn = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=30)
        try:
            applied = _applied(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path}: not a usable SQLite database ({error})") from None
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise ArchiveError(
            f"{path}: made by a newer version of Gongkai (its schema has migration "
            f"{unknown[0]!r}, unknown to this one); upgrade Gongkai to use it"
        )


def _applied(conn: sqlite3.Connection) -> list[str]:
    table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if table is None:
        return []
    from archive.migrations import migrations

    rows = conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
        [migrations.name],
    )
    return [name for (name,) in rows]


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print("usage: python -m archive.preflight PATH [--read-only]", file=sys.stderr)
        return 2
    try:
        check(argv[0], write="--read-only" not in argv[1:])
    except ArchiveError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
