"""Shared fixtures: fixture sites served on 127.0.0.1 and configs pointing at them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archive.config import Config, load
from sitefixtures.server import FixtureServer, serve

SITES = Path(__file__).parent / "sites"
FAST_CRAWL = {"delay": 0, "autothrottle": False, "timeout": 5, "retries": 1}


@pytest.fixture
def serve_site() -> Iterator[Callable[[str | Path], FixtureServer]]:
    """Start a fixture server for tests/sites/<name> (or any folder); stopped after the test."""
    servers: list[FixtureServer] = []

    def start(site: str | Path) -> FixtureServer:
        server = serve(SITES / site if isinstance(site, str) else site)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def toml_value(value: object) -> str:
    """JSON scalars and lists of strings are valid TOML values."""
    return json.dumps(value, ensure_ascii=False)


def write_config(
    folder: Path, sources: list[dict], crawl: dict | None = None, database: str = "archive.db"
) -> Config:
    """Write archive.toml into `folder` and load it."""
    lines = ["[archive]", f"database = {toml_value(database)}", "", "[crawl]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in {**FAST_CRAWL, **(crawl or {})}.items()]
    for source in sources:
        lines += ["", "[[sources]]"] + [f"{k} = {toml_value(v)}" for k, v in source.items()]
    path = folder / "archive.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return load(path)


def expected(site: str) -> dict:
    return json.loads((SITES / site / "expected.json").read_text("utf-8"))
