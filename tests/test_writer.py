"""The crawl's archive writer: a report page's sighting points at the blob of its own body, and
that body is hashed once (for the blob), not again for the sighting."""

from __future__ import annotations

import hashlib

from archive import blobs
from archive.db import open_db
from archive.fetches import Fetch
from archive.sightings import FETCHED, Sighting
from crawler.pipelines import Hashed, Writer


def _sighting(url: str) -> Sighting:
    return Sighting(source_id="s", url=url, how=FETCHED, in_list=True, seen_at="2026-12-04")


def _fetch(url: str, body: bytes) -> Fetch:
    return Fetch(url=url, fetched_at="2026-12-04", kind="report", status=200, body=body)


def test_a_sightings_digest_is_its_bodys_and_the_body_is_hashed_once(tmp_path, monkeypatch):
    database = tmp_path / "archive.db"
    open_db(database).close()
    hashed: list[bytes] = []
    real = blobs.sha256_of
    monkeypatch.setattr(blobs, "sha256_of", lambda data: hashed.append(data) or real(data))
    one, two = "一号报告".encode() * 2000, "二号报告".encode() * 2000
    copy_of_two = bytes(bytearray(two))  # equal bytes, another object: computed, still right

    writer = Writer(str(database), None)
    writer.put(
        [
            _fetch("http://a/1.html", one),
            _fetch("http://a/2.html", two),
            Hashed(_sighting("http://a/1.html"), one),
            Hashed(_sighting("http://a/2.html"), copy_of_two),
        ]
    )
    writer.close()

    db = open_db(database)
    rows = dict(db.execute("SELECT url, sha256 FROM sightings").fetchall())
    assert rows == {
        "http://a/1.html": hashlib.sha256(one).hexdigest(),
        "http://a/2.html": hashlib.sha256(two).hexdigest(),
    }
    assert sum(data is one for data in hashed) == 1, "the blob's digest served the sighting"
    assert list(blobs.verify(db)) == []
