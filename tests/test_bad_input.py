"""Bad input gives one clear line and touches nothing, whichever command meets it.

Each case is a mistake a user makes with files: the archive's path under a file, a folder where
the database should be, a file that is not SQLite, an archive from a newer Gongkai, a config
that is a folder or not text. Every command must exit non-zero with one line naming the file
and what is wrong — no traceback — and leave every file and folder exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.db import open_db
from gongkai.cli import cli
from tests.helpers import expected, fixture_source, write_config

COMMANDS = (["once"], ["start"], ["verify"], ["register"], ["reextract"])
ROOT = Path(__file__).parent.parent


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under `folder` with its bytes' hash ('dir' for a folder)."""
    return {
        str(p.relative_to(folder)): "dir"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


def config_text(database: str) -> str:
    return (
        f'[archive]\ndatabase = "{database}"\n\n[[sources]]\nid = "bagtj"\nagency = "某局"\n'
        'start_urls = ["http://127.0.0.1:9/gknb/"]\n'
    )


def archive_config(tmp_path: Path, database: str = "archive.db") -> Path:
    path = tmp_path / "archive.toml"
    path.write_text(config_text(database), "utf-8")
    return path


def parent_is_a_file(tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / "data").write_text("notes\n")
    return archive_config(tmp_path, "data/archive.db"), "data/archive.db"


def not_sqlite(tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / "archive.db").write_bytes(random.Random(12).randbytes(8192))
    return archive_config(tmp_path), "archive.db"


def database_is_a_folder(tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / "archive.db").mkdir()
    return archive_config(tmp_path), "archive.db"


def newer_gongkai(tmp_path: Path) -> tuple[Path, str]:
    db = open_db(tmp_path / "archive.db")
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('gongkai', '0099_from_the_future', '2030-01-01')"
    )
    db.conn.commit()
    db.close()
    return archive_config(tmp_path), "archive.db"


def logs_is_a_file(tmp_path: Path) -> tuple[Path, str]:
    open_db(tmp_path / "archive.db").close()
    (tmp_path / "logs").write_text("not a folder\n")
    return archive_config(tmp_path), "logs"


def config_is_a_folder(tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / "archive.toml").mkdir()
    return tmp_path / "archive.toml", "archive.toml"


def config_not_text(tmp_path: Path) -> tuple[Path, str]:
    path = archive_config(tmp_path)
    path.write_bytes(path.read_bytes().replace("某局".encode(), "某局".encode("gbk")))
    return path, "archive.toml"


CASES: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "parent_is_a_file": parent_is_a_file,
    "not_sqlite": not_sqlite,
    "database_is_a_folder": database_is_a_folder,
    "newer_gongkai": newer_gongkai,
    "logs_is_a_file": logs_is_a_file,
    "config_is_a_folder": config_is_a_folder,
    "config_not_text": config_not_text,
}


def assert_one_line_and_untouched(tmp_path: Path, argv: list[str], named: str) -> str:
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert str(tmp_path / named) in lines[0], lines[0]
    assert snapshot(tmp_path) == before
    return lines[0]


@pytest.mark.timeout(60)  # `start` on an archive it cannot use must refuse, not wait for cron
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("case", list(CASES))
def test_every_command_says_what_is_wrong_in_one_line_and_touches_nothing(tmp_path, case, command):
    config, named = CASES[case](tmp_path)
    if command != ["once"] and case == "parent_is_a_file" and command != ["start"]:
        named = "data/archive.db"  # read-only commands: "no archive yet", also one line
    assert_one_line_and_untouched(tmp_path, ["--config", str(config), *command], named)


@pytest.mark.parametrize("case", ["config_is_a_folder", "config_not_text"])
def test_check_says_what_is_wrong_with_the_config(tmp_path, case):
    config, named = CASES[case](tmp_path)
    assert_one_line_and_untouched(tmp_path, ["--config", str(config), "check", "bagtj"], named)


def test_a_file_that_is_not_sqlite_gets_no_lock_file_beside_it(tmp_path):
    config, _named = not_sqlite(tmp_path)
    line = assert_one_line_and_untouched(tmp_path, ["--config", str(config), "once"], "archive.db")
    assert "not a SQLite database" in line
    assert not (tmp_path / "archive.db.lock").exists()


def test_an_archive_from_a_newer_gongkai_is_refused_unmigrated(tmp_path):
    config, _named = newer_gongkai(tmp_path)
    line = assert_one_line_and_untouched(tmp_path, ["--config", str(config), "once"], "archive.db")
    assert "newer version of Gongkai" in line and "0099_from_the_future" in line


# Root reads and writes any file whatever its mode: as root, these run the command in a child
# without the two capabilities that let it (util-linux `setpriv`), so modes bind it as any user.
WITHOUT_OVERRIDE = [
    "setpriv", "--inh-caps=-dac_override,-dac_read_search",
    "--bounding-set=-dac_override,-dac_read_search", "--",
]  # fmt: skip
AS_ROOT = os.geteuid() == 0


def assert_refused_without_override(tmp_path: Path, argv: list[str], named: str) -> str:
    """`assert_one_line_and_untouched` for a file-mode case: in process for a normal user, in a
    child without CAP_DAC_OVERRIDE for root."""
    if not AS_ROOT:
        return assert_one_line_and_untouched(tmp_path, argv, named)
    before = snapshot(tmp_path)
    scheduler = Path(__file__).parent.parent / "scheduler.py"
    result = subprocess.run(
        [*WITHOUT_OVERRIDE, sys.executable, str(scheduler), *argv],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert str(tmp_path / named) in lines[0], lines[0]
    assert snapshot(tmp_path) == before
    return lines[0]


@pytest.mark.skipif(AS_ROOT and not shutil.which("setpriv"), reason="root without setpriv")
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_read_only_archive_is_refused_in_one_line(tmp_path, command):
    open_db(tmp_path / "archive.db").close()
    config = archive_config(tmp_path)
    (tmp_path / "archive.db").chmod(0o444)
    assert_refused_without_override(tmp_path, ["--config", str(config), *command], "archive.db")


@pytest.mark.skipif(AS_ROOT and not shutil.which("setpriv"), reason="root without setpriv")
def test_an_unreadable_config_is_refused_in_one_line(tmp_path):
    config = archive_config(tmp_path)
    config.chmod(0)
    assert_refused_without_override(tmp_path, ["--config", str(config), "once"], "archive.toml")


FULL = """CREATE TRIGGER disk_full BEFORE INSERT ON cycle_sources
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"""


def test_a_full_disk_after_the_crawl_fails_the_command_in_one_line_and_loses_nothing(
    serve_site, tmp_path
):
    server = serve_site("robots_disallowed")
    spec = expected("robots_disallowed")
    source = fixture_source(server, spec, "bagtj")
    config = write_config(tmp_path, [source])
    assert CliRunner().invoke(cli, ["--config", str(config.path), "once"]).exit_code == 0
    with closing(sqlite3.connect(config.database)) as conn, conn:
        archived = conn.execute("SELECT * FROM fetches ORDER BY id").fetchall()
        reports = conn.execute(
            "SELECT id, url, sha256, first_seen_cycle FROM reports ORDER BY id"
        ).fetchall()
        conn.execute(FULL)

    result = CliRunner().invoke(cli, ["--config", str(config.path), "once"])

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"Error: {config.database}: database or disk is full"), last
    with sqlite3.connect(config.database) as conn:
        assert (
            conn.execute("SELECT * FROM fetches WHERE cycle_id = 1 ORDER BY id").fetchall()
            == archived
        )
        assert (
            conn.execute(
                "SELECT id, url, sha256, first_seen_cycle FROM reports ORDER BY id"
            ).fetchall()
            == reports
        )


@pytest.mark.parametrize("case", ["not_sqlite", "database_is_a_folder", "newer_gongkai"])
def test_make_serve_refuses_what_is_not_an_archive_in_one_line(tmp_path, case):
    """`make serve` asks `python -m archive.preflight DB --read-only` before starting Datasette."""
    _config, named = CASES[case](tmp_path)
    before = snapshot(tmp_path)
    argv = [sys.executable, "-m", "archive.preflight", str(tmp_path / named), "--read-only"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == "" and done.stderr.startswith(f"{tmp_path / named}: ")
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert snapshot(tmp_path) == before
    assert "archive.preflight" in (ROOT / "Makefile").read_text()
