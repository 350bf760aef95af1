"""Is this path an archive Gongkai can use? Asked before anything is created, changed or locked.

Every command reaches the archive through `db.open_db` or `lock.hold`, and both ask here first,
so a mistake in `[archive] database` — a file where a folder should be, a folder where the file
should be, a file that is not SQLite, a read-only file, an archive from a newer Gongkai — is one
line naming the file and what is wrong, and leaves the disk as it was (no folder made, no
`.lock` file beside a stranger's file, no migration run on an archive we do not understand).

    python -m archive.preflight PATH [--read-only]    # exit 1 with the reason (`make serve`)
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
LOGS = "logs"  # the crawl logs' folder, beside the database (gongkai/cycle.py)


class ArchiveError(ValueError):
    """An archive path that cannot be used; the message is meant for the user as is."""


def check(path: Path | str, write: bool = True, contents: bool = True) -> None:
    """Raise ArchiveError unless `path` is, or can become, an archive this Gongkai can use
    (and write, unless `write` is False). Reads only; creates nothing.

    The file's contents (is it SQLite? did a newer Gongkai migrate it?) are read in a child
    process (~50 ms): this process may hold SQLite connections to the archive, and closing any
    other descriptor of that file here would drop their locks (POSIX locks belong to the
    process, not the descriptor), letting another process reset the WAL under them.
    `contents=False` skips that: for `db.open_db`, which asks on its own connection instead.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        _check_file(path, write)
        if contents:
            _check_contents(path)
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


def _check_contents(path: Path) -> None:
    """Refuse a file that is not SQLite, or an archive migrated by a newer Gongkai (its schema
    is not what this code reads, and our migrations could damage it).

    Read in a child process (see `check`), the database as an immutable file: no lock, no
    journal, nothing written or deleted. If a cycle writing at that moment makes the read fail,
    nothing is said here: `db.open_db` checks again on the connection it keeps.
    """
    from archive.migrations import migrations

    try:
        done = subprocess.run(
            [sys.executable, "-c", _READ, str(path.resolve()), migrations.name],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return
    if done.returncode != 0:
        return
    answer = json.loads(done.stdout)
    if answer == "not sqlite":
        raise not_sqlite(path)
    if isinstance(answer, list):
        _refuse_unknown(path, answer)


def not_sqlite(path: Path) -> ArchiveError:
    return ArchiveError(
        f"{path}: not a SQLite database (it does not start with the SQLite header); "
        "is [archive] database naming the right file?"
    )


# The child's answer: "not sqlite", the applied migrations' names, or null (could not tell).
_READ = f"""
import json, pathlib, sqlite3, sys
path = pathlib.Path(sys.argv[1])
with open(path, "rb") as handle:
    header = handle.read({len(SQLITE_HEADER)})
if header and header != {SQLITE_HEADER!r}:
    print(json.dumps("not sqlite"))
    sys.exit()
try:
    conn = sqlite3.connect(path.as_uri() + "?mode=ro&immutable=1", uri=True)
    table = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    names = "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid"
    found = conn.execute(table).fetchone()
    rows = conn.execute(names, [sys.argv[2]]).fetchall() if found else []
    print(json.dumps([name for (name,) in rows]))
except sqlite3.DatabaseError:
    print(json.dumps(None))
"""


def refuse_newer(path: Path | str, conn: sqlite3.Connection) -> None:
    """Raise ArchiveError if the archive open on `conn` was migrated by a newer Gongkai."""
    _refuse_unknown(Path(path), applied_migrations(conn))


def _refuse_unknown(path: Path, applied: list[str]) -> None:
    from archive.migrations import migrations  # here: migrations is heavy and db imports us

    known = {m.name for m in migrations._migrations}  # sqlite-utils has no public list of them
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise ArchiveError(
            f"{path}: made by a newer version of Gongkai (its schema has migration "
            f"{unknown[0]!r}, unknown to this one); upgrade Gongkai to use it"
        )


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """The names of Gongkai's migrations applied to the archive open on `conn`, in order."""
    from archive.migrations import migrations

    table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if table is None:
        return []
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
