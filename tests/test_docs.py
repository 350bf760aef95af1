"""Docs that cannot drift: the README documents every table, column, config key and command."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from archive.config import SECTIONS
from archive.db import open_db
from gongkai.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")


def documented_columns(table: str) -> set[str]:
    """Columns listed in the README's table for `table` (first cell of each row)."""
    match = re.search(rf"^### `{table}`.*?\n(.*?)(?=^### |^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section for table {table}"
    return set(re.findall(r"^\| `(\w+)` \|", match.group(1), re.M))


def live_tables(tmp_path: Path) -> dict[str, list[str]]:
    db = open_db(tmp_path / "schema.db")
    return {
        name: list(db[name].columns_dict)
        for name in db.table_names()
        if not name.startswith("_") and name not in fts5_shadow_tables(db)
    }


def fts5_shadow_tables(db) -> set[str]:
    """SQLite's own tables: behind each FTS5 index (documented with the index, not one by one),
    and sqlite_sequence (AUTOINCREMENT's counters)."""
    parts = ("data", "idx", "docsize", "config", "content")
    shadow = {f"{table}_{part}" for table in db.table_names(fts5=True) for part in parts}
    return shadow | {"sqlite_sequence"}


def test_every_table_and_column_of_the_live_schema_is_documented(tmp_path):
    for table, columns in live_tables(tmp_path).items():
        assert documented_columns(table) == set(columns), table


def test_every_view_and_its_columns_are_documented(tmp_path):
    db = open_db(tmp_path / "schema.db")
    for view in db.view_names():
        match = re.search(
            rf"^### `{view}` \(a view\) — .*?\n(.*?)(?=^### |^## |\Z)", README, re.S | re.M
        )
        assert match, f"README has no section for view {view}"
        for column in db[view].columns_dict:  # in its table, or named in its prose
            assert f"`{column}`" in match.group(1), f"{view}.{column}"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_config_key_is_documented(section):
    heading = "[[sources]]" if section == "sources" else f"[{section}]"
    match = re.search(rf"^### `{re.escape(heading)}`\n(.*?)(?=^### |^## )", README, re.S | re.M)
    assert match, f"README has no section for {heading}"
    documented = set(re.findall(r"^\| `(\w+)` \|", match.group(1), re.M))
    assert documented == {f.name for f in fields(SECTIONS[section])}


def test_every_command_is_documented():
    for name in cli.commands:
        assert f"`scheduler.py [--config FILE] {name}" in README
