"""The watcher, end to end: a fixture site that changes between real cycles.

Cycle 1 is the baseline (reports recorded, nothing alert-worthy). Then the agency posts a new
report, silently edits one, moves one to a new URL, deletes one, and its visit counter ticks
on every page; each cycle must report exactly what happened, and a deletion only after it is
confirmed twice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from archive.db import open_db
from gongkai import cycle
from sitefixtures.server import serve
from tests.helpers import write_config

AGENCY = "东江市审计局"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date} 09:00">
<title>{title}</title></head><body>
<div class="nav"><a href="/">首页</a> 浏览次数：{visits}</div>
<h1>{title}</h1><p>发布日期：{date}</p>
<div class="TRS_Editor">{body}</div>
<div class="footer">今天是2026年11月{visits}日 星期一 打印本页 关闭</div></body></html>"""


def report(year: int, body: str, visits: int = 1) -> str:
    title = f"{AGENCY}{year}年政府信息公开工作年度报告"
    return PAGE.format(title=title, date=f"{year + 1}-01-20", visits=visits, body=body)


def body_of(year: int) -> str:
    return "".join(
        f"<p>{year}年第{n}段：本机关主动公开政府信息{n * 7}条。</p>" for n in range(1, 6)
    )


def write_site(root: Path, entries: dict[str, int], visits: int = 1, edits: dict | None = None):
    """A one-page column listing `entries` (path → year), each with its report page."""
    if root.exists():
        shutil.rmtree(root)
    (root / "gknb").mkdir(parents=True)
    items = "".join(
        f'<li><a href="{path}">{AGENCY}{year}年政府信息公开工作年度报告</a>'
        f"<span>{year + 1}-01-20</span></li>"
        for path, year in entries.items()
    )
    (root / "gknb" / "index.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul></body></html>', "utf-8"
    )
    for path, year in entries.items():
        body = (edits or {}).get(path, body_of(year))
        (root / path.lstrip("/")).write_text(report(year, body, visits), "utf-8")


BASE = {f"/gknb/{year}.html": year for year in (2019, 2020, 2021, 2022)}


def watched_column(serve_site, tmp_path: Path, **sections: dict):
    """The BASE column served and configured as source djsj: (site folder, server, config)."""
    site = tmp_path / "site"
    write_site(site, BASE)
    server = serve_site(site)
    source = {"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}
    return site, server, write_config(tmp_path, [source], **sections)


def events_of(database: Path, cycle_id: int) -> list[tuple[str, str, int]]:
    db = open_db(database)
    rows = db.execute(
        "SELECT e.kind, r.url, e.baseline FROM events e LEFT JOIN reports r ON r.id = e.report_id"
        " WHERE e.cycle_id = ? ORDER BY e.id",
        [cycle_id],
    )
    return [(kind, url.rsplit("/", 1)[-1], baseline) for kind, url, baseline in rows]


def test_new_changed_moved_and_removed_reports_are_told_apart(serve_site, tmp_path):
    site = tmp_path / "site"
    write_site(site, BASE)
    server = serve_site(site)
    config = write_config(
        tmp_path / "", [{"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}]
    )

    first = cycle.run(config)
    assert sorted(events_of(config.database, first.id)) == sorted(
        ("new", f"{year}.html", 1) for year in (2019, 2020, 2021, 2022)
    ), "the first cycle is a baseline: every report new, all marked baseline"

    edited = body_of(2020).replace(
        "第3段：本机关主动公开政府信息21条", "第3段：本机关主动公开政府信息12条"
    )
    moved = {"/gknb/2021-new.html" if p.endswith("2021.html") else p: y for p, y in BASE.items()}
    del moved["/gknb/2019.html"]
    write_site(
        site, {"/gknb/2025.html": 2025, **moved}, visits=2, edits={"/gknb/2020.html": edited}
    )
    second = cycle.run(config)

    assert sorted(events_of(config.database, second.id)) == [
        ("changed", "2020.html", 0),
        ("moved", "2021-new.html", 0),
        ("new", "2025.html", 0),
    ], "the visit counter on 2022.html is not an edit; the deletion is not confirmed yet"
    db = open_db(config.database)
    diff = db.execute("SELECT detail FROM events WHERE kind = 'changed'").fetchone()[0]
    assert "-2020年第3段：本机关主动公开政府信息21条。" in diff
    assert "+2020年第3段：本机关主动公开政府信息12条。" in diff
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 5, (
        "a move is not a new report"
    )

    third = cycle.run(config)
    assert events_of(config.database, third.id) == [("removed", "2019.html", 0)]
    gone = db.execute("SELECT status, sha256 FROM reports WHERE url LIKE '%/2019.html'").fetchone()
    assert gone[0] == "removed"
    assert db.execute("SELECT count(*) FROM blobs WHERE sha256 = ?", [gone[1]]).fetchone()[0] == 1

    fourth = cycle.run(config)
    assert events_of(config.database, fourth.id) == [], "a removal is reported once"


def test_a_5xx_is_never_evidence_of_removal(serve_site, tmp_path):
    site, _server, config = watched_column(serve_site, tmp_path)
    cycle.run(config)
    shrunk = {p: y for p, y in BASE.items() if y != 2019}
    write_site(site, shrunk)
    (site / "gknb" / "2019.html").write_text(report(2019, body_of(2019)), "utf-8")
    (site / "_headers.toml").write_text('["/gknb/2019.html"]\nstatus = 503\n', "utf-8")

    for _ in range(3):
        result = cycle.run(config)
        assert events_of(config.database, result.id) == []
    db = open_db(config.database)
    assert db.execute("SELECT status FROM reports WHERE url LIKE '%2019.html'").fetchone()[0] == (
        "active"
    )


def test_unchanged_known_reports_are_reverified_with_conditional_requests(serve_site, tmp_path):
    _site, server, config = watched_column(serve_site, tmp_path)
    cycle.run(config)
    before = len(server.requests)

    second = cycle.run(config)

    report_requests = [
        r for r in server.requests[before:] if r.path.endswith(("19.html", "22.html"))
    ]
    assert report_requests and all("If-None-Match" in r.headers for r in report_requests)
    db = open_db(config.database)
    not_modified = db.execute(  # recorded in place on the exchange they confirmed
        "SELECT f.sha256, r.sha256 FROM last_verified v JOIN fetches f ON f.id = v.fetch_id"
        " JOIN reports r ON r.url = f.url WHERE v.cycle_id = ? AND v.status = 304",
        [second.id],
    ).fetchall()
    assert len(not_modified) == len(BASE)
    assert all(fetch_sha == report_sha for fetch_sha, report_sha in not_modified)


def test_alerts_equal_the_new_and_changed_reports_and_a_down_channel_catches_up(
    serve_site, tmp_path, webhook, smtp, dead_port
):
    site = tmp_path / "site"
    write_site(site, BASE)
    server = serve_site(site)
    hook = webhook()
    late_url = f"json://127.0.0.1:{dead_port.getsockname()[1]}/hook"
    config = write_config(
        tmp_path,
        [{"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}],
        alerts={"urls": [hook.url, smtp.url, late_url], "feed": "data/new.atom"},
    )

    cycle.run(config)
    assert hook.posts == [] and smtp.messages == [], "no alert for the baseline"

    edited = body_of(2020).replace("信息21条", "信息12条")
    write_site(site, {"/gknb/2025.html": 2025, **BASE}, edits={"/gknb/2020.html": edited})
    second = cycle.run(config)

    titles = sorted(post["title"] for post in hook.posts)
    assert len(titles) == 2
    assert "2020年政府信息公开工作年度报告" in titles[0] and "2025年" in titles[1]
    assert "/gknb/2025.html" in next(p["message"] for p in hook.posts if "2025年" in p["title"])
    assert sorted(m["Subject"] for m in smtp.messages) == titles
    assert second.delivery.failed == 1 and second.delivery.down

    late = webhook(port=dead_port.getsockname()[1])
    dead_port.close()
    third = cycle.run(config)
    assert third.events == {}
    assert sorted(post["title"] for post in late.posts) == titles, "delivered once, late"
    assert len(hook.posts) == 2 and len(smtp.messages) == 2, "nothing sent twice"
    feed = (tmp_path / "data" / "new.atom").read_text("utf-8")
    assert feed.count("<entry>") == 1 and "2025年政府信息公开工作年度报告" in feed


def test_a_failing_source_alerts_once_after_three_cycles_and_once_on_recovery(serve_site, tmp_path):
    site, server, config = watched_column(serve_site, tmp_path)
    port = int(server.url.rsplit(":", 1)[1])
    cycle.run(config)
    server.stop()

    kinds = []
    for _ in range(4):  # the column is unreachable four nights in a row
        result = cycle.run(config)
        assert result.outcomes[0].status == "failed"
        kinds.append(sorted(result.events))
    assert kinds == [[], [], ["source_failing"], []], "one alert, on the third failing cycle"

    back = serve(site, port)
    try:
        recovered = cycle.run(config)
    finally:
        back.stop()
    assert recovered.outcomes[0].status == "ok"
    assert recovered.events == {"source_recovered": 1}
    db = open_db(config.database)
    status = db.execute("SELECT last_status, failing_cycles FROM source_status").fetchone()
    assert status == ("ok", 0)


def test_a_report_fetched_twice_in_one_cycle_is_not_changed_by_markup_alone(tmp_path):
    """Detection leaves a new report's text to extraction; a second fetch in the same cycle
    must still compare texts (a visit counter in a script is not an edit), not bytes."""
    from archive import blobs, cycles, events, sightings

    db = open_db(tmp_path / "archive.db")
    cycle_id = cycles.start(db, "archive.toml", 1)
    title = "北河县水务局2023年政府信息公开工作年度报告"
    for visits in (1, 2):
        body = (
            f"<html><head><title>{title}</title><script>var visits = {visits};</script></head>"
            f"<body><h1>{title}</h1><p>一、总体情况</p></body></html>"
        ).encode()
        seen = sightings.Sighting(
            source_id="bhsw", url="http://example.gov.cn/gknb/2023.html", how=sightings.FETCHED,
            in_list=True, seen_at=f"2026-11-23T0{visits}:00:00+00:00", http_status=200,
            title=title, year=2023, sha256=blobs.put(db, body), content_type="text/html",
        )  # fmt: skip
        sightings.record(db, seen, cycle_id)

    counts = events.detect(db, cycle_id, {"bhsw": "北河县水务局"}, set())

    assert counts == {"new": 1}, "the second body has the same text: no `changed` event"
    texts = db.execute("SELECT count(*), count(text_sha256) FROM report_versions").fetchone()
    assert texts == (2, 2), "the first version's text was read when it had to be compared"
