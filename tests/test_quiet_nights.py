"""Quiet nights cost almost nothing on disk (issue 15, item 4).

An unchanged night adds no fetch rows and no sightings: each exchange that only confirms what
the fetch log holds updates its `last_verified` row, each report seen unchanged its `last_seen`
row. Whatever changes still gets its rows and its events, and robots.txt is asked
conditionally while its rules are still obeyed.
"""

from __future__ import annotations

import signal
import time

from archive import blobs, crashpoint, evidence, exchanges, fetches
from archive.db import open_db
from gongkai import cycle
from tests.helpers import expected, fixture_source, write_config
from tests.test_owed_work import once
from tests.test_watch import BASE, body_of, events_of, watched_column, write_site


def counts(db) -> tuple[int, int]:
    return db.execute(
        "SELECT (SELECT count(*) FROM fetches), (SELECT count(*) FROM sightings)"
    ).fetchone()


def verified(db) -> dict[str, tuple]:
    """Each report's last verification: (cycle, time, status, times) by file name."""
    rows = db.execute(
        """SELECT f.url, v.cycle_id, v.verified_at, v.status, v.verifications
           FROM last_verified v JOIN fetches f ON f.id = v.fetch_id WHERE f.kind = 'report'"""
    ).fetchall()
    return {url.rsplit("/", 1)[-1]: rest for url, *rest in rows}


def test_an_unchanged_night_adds_no_rows_but_the_reports_last_verified_time_moves(
    serve_site, tmp_path
):
    _site, _server, config = watched_column(serve_site, tmp_path)
    assert cycle.run(config).status == "completed"
    db = open_db(config.database)
    before = counts(db)
    first_fetched = db.execute("SELECT max(fetched_at) FROM fetches").fetchone()[0]
    time.sleep(1.1)  # the archive's clock has one-second steps

    second = cycle.run(config)

    assert second.status == "completed"
    assert counts(db) == before, "an unchanged night adds no fetch rows and no sightings"
    assert events_of(config.database, second.id) == []
    night = verified(db)
    assert set(night) == {path.rsplit("/", 1)[-1] for path in BASE}
    assert all(
        c == second.id and at > first_fetched and s == 304 for c, at, s, _n in night.values()
    )
    # the public columns keep their meaning: the reports were seen tonight
    seen = db.execute("SELECT DISTINCT last_seen_cycle FROM reports").fetchall()
    assert seen == [(second.id,)]
    outcome = db.execute(
        "SELECT status, pages, list_pages, reports FROM cycle_sources WHERE cycle_id = ?",
        [second.id],
    ).fetchone()
    assert outcome == ("ok", len(BASE) + 2, 1, len(BASE))  # robots.txt, the list, the reports

    time.sleep(1.1)
    third = cycle.run(config)
    assert counts(db) == before
    again = verified(db)
    assert all(again[name][0] == third.id and again[name][1] > night[name][1] for name in night)
    assert all(times == 2 for *_rest, times in again.values())


def test_a_changed_or_removed_report_still_gets_its_rows_and_events(serve_site, tmp_path):
    site, _server, config = watched_column(serve_site, tmp_path)
    assert cycle.run(config).status == "completed"
    db = open_db(config.database)
    edited = body_of(2020) + "<p>更正：本机关主动公开政府信息99条。</p>"
    kept = {path: year for path, year in BASE.items() if year != 2019}
    write_site(site, kept, edits={"/gknb/2020.html": edited})
    fetched, sighted = counts(db)

    second = cycle.run(config)

    assert sorted(events_of(config.database, second.id)) == [("changed", "2020.html", 0)]
    rows = db.execute(
        "SELECT f.url, f.status, s.how FROM fetches f JOIN sightings s "
        "ON s.url = f.url AND s.cycle_id = f.cycle_id WHERE f.cycle_id = ? AND f.kind = 'report'",
        [second.id],
    ).fetchall()
    assert sorted((u.rsplit("/", 1)[-1], st, how) for u, st, how in rows) == [
        ("2019.html", 404, "gone"),
        ("2020.html", 200, "fetched"),
    ]
    assert counts(db) == (fetched + 3, sighted + 2)  # what changed: the edit, the list, the 404

    third = cycle.run(config)
    assert events_of(config.database, third.id) == [("removed", "2019.html", 0)]


def test_a_quiet_night_killed_after_detection_loses_nothing(serve_site, tmp_path):
    site, _server, config = watched_column(serve_site, tmp_path)
    assert once(config).returncode == 0
    edited = body_of(2021) + "<p>更正：本机关主动公开政府信息98条。</p>"
    write_site(site, BASE, edits={"/gknb/2021.html": edited})
    time.sleep(1.1)

    killed = once(config, **{crashpoint.ENV: "detected"})

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert events_of(config.database, 2) == [("changed", "2021.html", 0)]
    db = open_db(config.database)
    in_place = db.execute("SELECT count(*) FROM unchanged_sightings WHERE cycle_id = 2").fetchone()[
        0
    ]
    assert in_place == len(BASE) - 1, "the unchanged reports' sightings were committed in place"
    fetched, sighted = counts(db)
    time.sleep(1.1)

    assert once(config).returncode == 0

    assert counts(db) == (fetched, sighted), "the night after adds nothing: nothing changed"
    assert events_of(config.database, 3) == []
    night = verified(db)
    assert night["2021.html"][0] == 3, "the edited page's new body is verified in place"
    owed = db.execute("SELECT count(*) FROM events WHERE queued_at IS NULL").fetchone()[0]
    assert owed == 0, "the killed cycle's event was queued by the next"


def test_robots_txt_is_asked_conditionally_and_a_304_keeps_its_rules(serve_site, tmp_path):
    server = serve_site("robots_disallowed")
    spec = expected("robots_disallowed")
    source = fixture_source(server, spec, "bagtj")
    config = write_config(tmp_path, [source])
    assert cycle.run(config).status == "completed"
    asked = len(server.requests)

    assert cycle.run(config).status == "completed"

    tonight = server.requests[asked:]
    robots = [r for r in tonight if r.path == "/robots.txt"]
    assert len(robots) == 1 and robots[0].headers.get("If-None-Match"), "asked conditionally"
    assert tonight[0].path == "/robots.txt", "robots.txt is still read before anything else"
    assert not any(r.path.startswith("/private/") for r in server.requests), "rules still obeyed"
    db = open_db(config.database)
    status = db.execute(
        "SELECT v.status FROM last_verified v JOIN fetches f ON f.id = v.fetch_id "
        "WHERE f.url LIKE '%/robots.txt'"
    ).fetchone()
    assert status == (304,), "the server answered 304: the archived rules were used"


# What a night's exchanges and sightings are recorded in (and their indexes); each night's own
# `cycles`, `cycle_sources` and `list_counts` rows are a fixed cost per source, not per request.
RECORDS = ("fetches", "sightings", "last_verified", "last_seen", "header_blocks")


def record_bytes(db) -> int:
    """Bytes of records in those tables and their indexes (dbstat's payload): what the rows
    hold, not page slack, so the figure does not depend on where SQLite split a page."""
    names = ", ".join(f"'{n}'" for n in RECORDS)
    return db.execute(
        f"SELECT sum(payload) FROM dbstat WHERE name IN ({names}) OR name IN "
        f"(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({names}))"
    ).fetchone()[0]


def test_a_reports_first_304_costs_one_small_record_and_stays_queryable(serve_site, tmp_path):
    _site, server, config = watched_column(serve_site, tmp_path)
    assert cycle.run(config).status == "completed"
    db = open_db(config.database)
    before = record_bytes(db)
    blocks = db.execute("SELECT count(*) FROM header_blocks").fetchone()[0]
    asked = len(server.requests)
    time.sleep(1.1)

    second = cycle.run(config)

    requests = len(server.requests) - asked
    assert requests == len(BASE) + 2  # robots.txt, the list, the reports: all answered 304
    assert db.execute("SELECT count(*) FROM header_blocks").fetchone()[0] == blocks + 1, (
        "one block: the server's first 304 head, which every report shares; each conditional"
        " request is the unconditional one with its validators in front"
    )
    grown = record_bytes(db) - before
    assert grown / requests <= 150, f"{grown / requests:.0f} bytes of records a request"
    assert db.execute("SELECT count(*) FROM last_seen").fetchone() == (0,), (
        "a 304 is its fetch's record, not a second one"
    )
    # the evidence: each report seen unchanged tonight, by a 304, re-checked or listed
    seen = db.execute(
        "SELECT r.url, u.how, u.http_status, u.in_list, u.seen_at FROM unchanged_sightings u "
        "JOIN reports r ON r.id = u.report_id WHERE u.cycle_id = ?",
        [second.id],
    ).fetchall()
    assert sorted(url.rsplit("/", 1)[-1] for url, *_ in seen) == sorted(
        path.rsplit("/", 1)[-1] for path in BASE
    )
    assert {(how, status, in_list) for _url, how, status, in_list, _at in seen} == {
        ("not_modified", 304, 1)
    }
    last_seen_at = dict(db.execute("SELECT url, last_seen_at FROM reports").fetchall())
    assert all(last_seen_at[url] == at for url, *_rest, at in seen)


def test_a_confirmations_request_head_is_given_back_byte_for_byte(tmp_path):
    """Validator lines sent in front are stored as the unconditional block plus a flag; any
    other place is stored as before (lines emptied): both read back exactly as sent."""
    db = open_db(tmp_path / "a.db")
    url = "http://example.org/gknb/2021.html"
    plain = exchanges.request_block(url, [("Referer", "http://example.org/gknb/")])
    response = b'HTTP/1.1 200 OK\r\nETag: "e1"\r\nDate: Mon, 01 Dec 2025 01:00:00 GMT\r\n'
    first = fetches.Fetch(
        url=url, fetched_at="2025-12-01T01:00:00+00:00", kind="report", status=200,
        body=b"<html>report</html>", etag='"e1"', method="GET", request_head=plain,
        response_head=response,
    )  # fmt: skip
    fetches.record(db, first, None)
    blocks = db.execute("SELECT count(*) FROM header_blocks").fetchone()
    for head in (
        b'If-None-Match: "e1"\r\n' + plain,  # in front, as Scrapy sends them
        plain.replace(b"Host:", b'If-None-Match: "e1"\r\nHost:'),  # elsewhere
    ):
        confirming = fetches.Fetch(
            url=url, fetched_at="2025-12-02T01:00:00+00:00", kind="report", status=304,
            same_as=blobs.sha256_of(first.body), method="GET", request_head=head,
            response_head=b"HTTP/1.1 304 Not Modified\r\nDate: Tue, 02 Dec 2025 01:00:00 GMT\r\n",
        )  # fmt: skip
        fetches.record(db, confirming, None)
        (read,) = evidence.exchanges_where(db, "url = ? AND status = 304", [url])
        assert read.request_head == exchanges.request_head("GET", url, head)
    in_front = db.execute("SELECT count(*) FROM header_blocks").fetchone()[0] - blocks[0]
    assert in_front == 2, "the 304's head, and the block with the line emptied; none in front"
