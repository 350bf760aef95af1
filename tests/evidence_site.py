"""A small agency column for the evidence tests: reports, an attachment, and an unusual header.

Built on the watcher tests' column (tests/test_watch.py), with a `_headers.toml` that makes the
server send `X-Gov-Trace: 42` on every answer, as some government gateways add tracing headers.
"""

from __future__ import annotations

from pathlib import Path

from archive.config import Config
from gongkai import cycle
from tests.helpers import write_config
from tests.test_watch import AGENCY, BASE, write_site

HEADERS_TOML = """["/*"]
headers = { "X-Gov-Trace" = "42" }
"""


def evidence_column(serve_site, tmp_path: Path) -> tuple[Path, object, Config]:
    """The column served with the unusual header and configured as source djsj."""
    site = tmp_path / "site"
    write_site(site, BASE)
    (site / "_headers.toml").write_text(HEADERS_TOML, "utf-8")
    server = serve_site(site)
    source = {"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}
    return site, server, write_config(tmp_path, [source])


def crawled(serve_site, tmp_path: Path, cycles: int = 1) -> tuple[Path, object, Config]:
    """The column crawled `cycles` times (the second and later nights answer 304s)."""
    site, server, config = evidence_column(serve_site, tmp_path)
    for _ in range(cycles):
        result = cycle.run(config)
        assert result.status == "completed", result.error
    return site, server, config
