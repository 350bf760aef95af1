"""Helpers for tests: configs pointing at fixture sites, expected results."""

from __future__ import annotations

import json
from pathlib import Path

from archive.config import Config, load

SITES = Path(__file__).parent / "sites"
# Tests re-verify and walk everything each cycle unless they test the rotation itself.
FAST_CRAWL = {
    "delay": 0,
    "autothrottle": False,
    "timeout": 5,
    "retries": 1,
    "recheck_days": 1,
    "full_walk_days": 1,
}


def toml_value(value: object) -> str:
    """JSON scalars and lists of strings are valid TOML values."""
    return json.dumps(value, ensure_ascii=False)


def write_config(
    folder: Path,
    sources: list[dict],
    crawl: dict | None = None,
    database: str = "archive.db",
    **sections: dict,
) -> Config:
    """Write archive.toml into `folder` and load it; `sections` adds e.g. alerts={…}."""
    lines = ["[archive]", f"database = {toml_value(database)}", "", "[crawl]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in {**FAST_CRAWL, **(crawl or {})}.items()]
    for name, table in sections.items():
        lines += ["", f"[{name}]"] + [f"{k} = {toml_value(v)}" for k, v in table.items()]
    for source in sources:
        lines += ["", "[[sources]]"] + [f"{k} = {toml_value(v)}" for k, v in source.items()]
    path = folder / "archive.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return load(path)


def expected(site: str) -> dict:
    return json.loads((SITES / site / "expected.json").read_text("utf-8"))


def fixture_source(server, spec: dict, source_id: str = "site") -> dict:
    """A `[[sources]]` entry for a fixture site served by `server`, as its expected.json says."""
    return {
        "id": source_id,
        "agency": spec["agency"],
        "start_urls": [server.url + spec["start_path"]],
    }


def add_version(db, row: dict) -> None:
    """Record a report version as the archive does: `report_versions` is a view (migration
    0019) whose trigger stores the text once under its digest, so the digest goes with it."""
    from archive.text import text_digest

    row = {**row, "text_sha256": text_digest(row.get("text"))} if "text" in row else row
    columns, marks = ", ".join(row), ", ".join("?" * len(row))
    db.execute(f"INSERT INTO report_versions ({columns}) VALUES ({marks})", list(row.values()))
