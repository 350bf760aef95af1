"""A hostile site with every trap at once (tests/sites/trap_site): the crawl stays honest.

test_crawl checks that exactly the expected reports come out of it; this checks how: no request
off the source's host or to a robots-disallowed path, a bounded number of requests, challenge
pages recorded as blocked, the stalled page and the oversized file recorded, and the run ends.
"""

from __future__ import annotations

from archive.db import open_db
from gongkai import cycle
from tests.helpers import expected, write_config


def test_the_trap_site_is_crawled_politely_and_every_trap_is_recorded(serve_site, tmp_path):
    server = serve_site("trap_site")
    spec = expected("trap_site")
    config = write_config(
        tmp_path,
        [
            {
                "id": "xlstj",
                "agency": spec["agency"],
                "start_urls": [server.url + spec["start_path"]],
            }
        ],
        crawl=spec["crawl"],
    )

    result = cycle.run(config)

    assert result.status == "completed"
    assert len(server.requests) <= spec["max_requests"], server.paths
    assert not any(p.startswith("/private/") for p in server.paths), "robots.txt obeyed"
    for path in spec["never_requested"]:
        assert path not in server.paths
    db = open_db(config.database)
    fetched = {
        row["url"].removeprefix(server.url): row for row in db.query("SELECT * FROM fetches")
    }
    assert all(url.startswith("/") for url in fetched), "nothing off the source's host"
    for path in spec["blocked"]:
        assert fetched[path]["note"].startswith("blocked:"), path
    assert fetched["/gknb/2013.html"]["note"].startswith("failed:"), "the stalled page timed out"
    assert fetched["/gknb/2013.html"]["status"] is None
    assert fetched["/gknb/2019-bigfile.pdf"]["note"].startswith("truncated")
    assert fetched["/gknb/2019-bigfile.pdf"]["sha256"] is None, "never half-stored"
    assert "redirected" in fetched["/gknb/2019.html"]["note"]
    loop = [row for url, row in fetched.items() if url.startswith("/gknb/loop")]
    assert loop and not db.execute("SELECT 1 FROM reports WHERE url LIKE '%loop%'").fetchone()
    blocked_reports = db.execute(
        "SELECT count(*) FROM reports WHERE url LIKE '%/2014.html' OR url LIKE '%/2015.html'"
        " OR url LIKE '%/2016.html' OR url LIKE '%/2017.html'"
    ).fetchone()[0]
    assert blocked_reports == 0, "a challenge page is never archived as a report"
