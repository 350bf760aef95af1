"""Shared fixtures: fixture sites served on 127.0.0.1 and configs pointing at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitefixtures.server import FixtureServer, serve
from tests.helpers import SITES
from tests.receivers import dead_port, smtp, webhook  # noqa: F401  (shared fixtures)


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
