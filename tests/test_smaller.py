"""Each distinct text stored once, every version's text still readable with plain SQL (0019).

A page re-served with only its visit counter changed is a new version with the same text, and a
report reposted at another URL has the same text as the original: the archive keeps one copy,
and `SELECT text FROM report_versions` gives it to each of them, from any SQLite client.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from archive import blobs, search
from archive.db import open_db
from archive.migrations import migrations
from archive.text import text_digest
from gongkai import cycle
from tests.helpers import write_config
from tests.test_watch import AGENCY, BASE, body_of, report, write_site


def plain(path) -> sqlite3.Connection:
    """Any SQLite client: no Gongkai code, no extension."""
    return sqlite3.connect(path)


def test_a_reserved_page_and_a_repost_share_one_stored_text_readable_for_each(serve_site, tmp_path):
    site = tmp_path / "site"
    write_site(site, BASE)
    server = serve_site(site)
    source = {"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}
    config = write_config(tmp_path, [source])
    cycle.run(config)
    # The next night every page's counter ticked (new bytes, same text), and the column
    # links a 2023 report whose body is the 2022 report's, word for word.
    write_site(site, {**BASE, "/gknb/2023.html": 2023}, visits=2)
    (site / "gknb" / "2023.html").write_text(report(2023, body_of(2022), 2), "utf-8")
    cycle.run(config)

    with plain(config.database) as conn:
        versions = conn.execute(
            "SELECT r.url, v.text, v.text_sha256 FROM report_versions v "
            "JOIN reports r ON r.id = v.report_id ORDER BY r.url, v.first_seen_at"
        ).fetchall()
        of_2022 = [
            (url, text) for url, text, _ in versions if url.endswith(("2022.html", "23.html"))
        ]
        stored = conn.execute("SELECT count(*), sum(length(text)) FROM texts").fetchone()
        distinct = conn.execute("SELECT count(DISTINCT text) FROM report_versions").fetchone()[0]
        in_versions = conn.execute("SELECT sum(length(text)) FROM report_versions").fetchone()[0]

    assert len(versions) == 4 * 2 + 1, "each old report has its two bodies, the repost one"
    assert all(text for _, text, _ in versions), "every version's text reads back"
    assert [url.rsplit("/", 1)[1] for url, _ in of_2022] == ["2022.html", "2022.html", "2023.html"]
    assert {text for _, text in of_2022} == {
        "\n".join(f"2022年第{n}段：本机关主动公开政府信息{n * 7}条。" for n in range(1, 6))
    }, "both bodies of 2022 and the repost give the same text"
    assert stored[0] == distinct == 4, "one copy per distinct text: the nine versions have four"
    assert stored[1] * 9 == in_versions * 4, "the texts take a ninth of the bytes each time"


def old_archive(path) -> Database:
    """An archive as the code before 0019_smaller made it."""
    db = Database(path)
    migrations.apply(db, stop_before="0019_smaller")
    when = "2026-11-23T02:30:00+00:00"
    for report_id in (1, 2):
        db["reports"].insert(
            {"id": report_id, "source_id": "s", "agency": AGENCY, "title": "t", "year": 2022,
             "status": "active", "url": f"http://x/{report_id}", "first_seen_at": when,
             "last_seen_at": when}
        )  # fmt: skip
    shared = "一、总体情况\n本机关主动公开政府信息7条。"
    rows = [  # (report, body, text, its digest as stored)
        (1, b"<p>1</p>", shared, text_digest(shared)),
        (1, b"<p>2</p>", shared, text_digest(shared)),  # re-served, counter ticked
        (2, b"<p>3</p>", shared, text_digest(shared)),  # reposted
        (2, b"<p>4</p>", "另一份文本", None),  # a text stored without its digest
        (2, b"<p>5</p>", None, None),  # not extracted yet
    ]
    for report_id, body, text, digest in rows:
        db["report_versions"].insert(
            {"report_id": report_id, "sha256": blobs.put(db, body), "first_seen_at": when,
             "cycle_id": None, "text": text, "text_sha256": digest, "regime": "2019",
             "extracted_at": when if text else None, "published_on": "2023-01-20"}
        )  # fmt: skip
    search.sync(db)  # as a cycle does after writing texts
    return db


def test_upgrading_keeps_every_version_and_text_and_stores_each_text_once(tmp_path):
    path = tmp_path / "old.db"
    old = old_archive(path)
    # a column another migration before 0019 added (written by code this branch never saw)
    old.execute("ALTER TABLE report_versions ADD COLUMN noted TEXT")
    old.execute("UPDATE report_versions SET noted = 'kept' WHERE text IS NULL")
    query = "SELECT * FROM report_versions ORDER BY report_id, sha256"
    before = old.execute(query).fetchall()
    columns = [d[0] for d in old.execute(query).description]
    searched = old.execute("SELECT count(*) FROM search_docs WHERE kind = 'text'").fetchone()[0]
    old.close()

    open_db(path).close()

    with plain(path) as conn:
        after = conn.execute(query).fetchall()
        assert [d[0] for d in conn.execute(query).description] == columns
        texts = conn.execute("SELECT sha256, text FROM texts ORDER BY id").fetchall()
        indexed = conn.execute("SELECT count(*) FROM search_docs WHERE kind = 'text'")
        assert indexed.fetchone()[0] == searched == 4
    digest = columns.index("text_sha256")
    fill = [(*row[:digest], text_digest(row[digest + 1]), *row[digest + 1 :]) for row in before]
    assert after == [
        row if row[digest] or row[digest + 1] is None else fill[n] for n, row in enumerate(before)
    ], "every row as it was; the text stored without a digest is given its own"
    shared = "一、总体情况\n本机关主动公开政府信息7条。"
    assert texts == [(text_digest(shared), shared), (text_digest("另一份文本"), "另一份文本")]


def test_writing_through_the_view_keeps_one_copy_and_refuses_a_text_without_its_digest(tmp_path):
    path = tmp_path / "old.db"
    old_archive(path).close()
    open_db(path).close()
    conn = plain(path)
    shared = conn.execute("SELECT text_sha256 FROM report_versions LIMIT 1").fetchone()[0]

    with pytest.raises(sqlite3.IntegrityError, match="a new text needs its text_sha256"):
        conn.execute("UPDATE report_versions SET text = 'changed by hand' WHERE report_id = 1")
    conn.execute(  # re-extracted: the new text with its digest; the old one is still shared
        "UPDATE report_versions SET text = ?, text_sha256 = ? WHERE report_id = 1",
        ["新的文本", text_digest("新的文本")],
    )
    assert conn.execute(
        "SELECT DISTINCT text FROM report_versions WHERE report_id = 1"
    ).fetchall() == [("新的文本",)]
    assert conn.execute("SELECT count(*) FROM texts WHERE sha256 = ?", [shared]).fetchone() == (1,)

    conn.execute("DELETE FROM report_versions WHERE report_id = 2 AND text = ?", ["另一份文本"])
    gone = conn.execute("SELECT count(*) FROM texts WHERE text = '另一份文本'").fetchone()[0]
    assert gone == 0, "a deleted version's text goes when no other version has it"
    conn.execute("UPDATE report_versions SET text = NULL WHERE report_id = 1")
    assert conn.execute(
        "SELECT count(*) FROM report_versions WHERE report_id = 1 AND text_sha256 IS NULL"
    ).fetchone() == (2,), "a text set to NULL takes its digest with it: owed again"


def test_a_left_join_to_the_versions_reads_only_the_texts_it_needs(tmp_path):
    """Datasette's `search` query (and any user's) LEFT JOINs report_versions: the view must
    be looked up by its key there, never built whole with every text in it."""
    db = open_db(tmp_path / "a.db")
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT r.id, v.text FROM reports r LEFT JOIN report_versions v "
        "ON v.report_id = r.id AND v.sha256 = r.sha256"
    ).fetchall()
    steps = " / ".join(step for *_, step in plan)
    assert "MATERIALIZE" not in steps and "SEARCH v USING PRIMARY KEY" in steps, steps


def test_verify_names_a_stored_text_that_no_longer_matches_its_digest(tmp_path):
    """A text is stored once for every version that has it: `verify` re-hashes it."""
    path = tmp_path / "old.db"
    old_archive(path).close()
    db = open_db(path)
    assert list(blobs.verify(db)) == []
    db.execute("UPDATE texts SET text = text || '（改）' WHERE text = '另一份文本'")
    damaged = db.execute("SELECT id FROM texts WHERE text LIKE '另一份文本%'").fetchone()[0]
    problems = [str(problem) for problem in blobs.verify(db)]
    assert problems == [f"texts id={damaged}: text does not hash to its sha256"]
