"""Events the archive's own evidence supports, proven with real cycles on changing fixture sites.

Each test drives the sequence that used to produce a false statement (issue 13): a report
replaced by a "not found" stub that was never removed, an on-time report re-judged late after
an edit, a revert raising no `changed` event, and a re-post taken for a move.
"""

from __future__ import annotations

import cycle
from archive.db import open_db
from tests.test_watch import BASE, events_of, watched_column, write_site

STUB = (
    '<html><head><meta charset="utf-8"><title>页面不存在</title></head>'
    "<body><h1>页面不存在</h1><p>您访问的页面不存在或已被删除。</p></body></html>"
)


def test_a_report_replaced_in_place_by_a_not_found_stub_is_removed_on_the_second_check(
    serve_site, tmp_path
):
    site, server, config = watched_column(serve_site, tmp_path)
    cycle.run(config)
    db = open_db(config.database)
    report_etag = db.execute(
        "SELECT etag FROM fetches WHERE url LIKE '%/2019.html' AND status = 200"
    ).fetchone()[0]

    # The agency unlinks its 2019 report and its URL now serves a soft-404 stub (status 200).
    write_site(site, {p: y for p, y in BASE.items() if y != 2019})
    (site / "gknb" / "2019.html").write_text(STUB, "utf-8")

    second = cycle.run(config)
    assert events_of(config.database, second.id) == [], "one soft-404 is not yet a removal"
    gone = db.execute("SELECT gone_count FROM reports WHERE url LIKE '%/2019.html'").fetchone()
    assert gone == (1,)

    before = len(server.requests)
    third = cycle.run(config)
    asked = [r for r in server.requests[before:] if r.path == "/gknb/2019.html"]
    assert [r.headers.get("If-None-Match") for r in asked] == [report_etag], (
        "re-verified against the report's own body, not the stub's"
    )
    assert events_of(config.database, third.id) == [("removed", "2019.html", 0)]
    assert db.execute("SELECT status FROM reports WHERE url LIKE '%/2019.html'").fetchone() == (
        "removed",
    )
    stub_sightings = db.execute(
        "SELECT count(*) FROM sightings WHERE url LIKE '%/2019.html' AND how = 'not_modified'"
        " AND cycle_id > ?",
        [second.id - 1],
    ).fetchone()[0]
    assert stub_sightings == 0, "a 304 to the stub's validators never confirms the report"

    fourth = cycle.run(config)
    assert events_of(config.database, fourth.id) == [], "a removal is reported once"
