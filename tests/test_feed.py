"""The Atom feed of new reports: valid, newest first, stable ids, atomic writes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from archive import feed
from tests.eventrows import AGENCY, archive, event, report

A = "{http://www.w3.org/2005/Atom}"
REPORTS = [  # url, title, year, published_on, detected_at
    (
        "http://ka.sz.gov.cn/2022.html",
        "2022年度报告",
        2022,
        "2023-01-30",
        "2026-11-21T02:30:00+00:00",
    ),
    ("http://ka.sz.gov.cn/2023.html", "2023年度报告", 2023, None, "2026-11-22T02:30:00+00:00"),
    (
        "http://ka.sz.gov.cn/2024.html",
        "2024年度报告",
        2024,
        "2025-01-20",
        "2026-11-23T02:30:00+00:00",
    ),
]


def build(path, order=(0, 1, 2)):
    """An archive with the three new reports (inserted in `order`), a baseline and a change."""
    db = archive(path)
    report(db, "http://ka.sz.gov.cn/padding.html", "占位")  # shifts row ids between archives
    for index in order:
        url, title, year, published_on, detected_at = REPORTS[index]
        report_id = report(db, url, title, year, published_on=published_on)
        event(db, "new", report_id, detected_at=detected_at)
        event(db, "changed", report_id, detected_at="2026-11-24T00:00:00+00:00")
    old = report(db, "http://ka.sz.gov.cn/2019.html", "2019年度报告", 2019)
    event(db, "new", old, baseline=1, detected_at="2026-11-25T00:00:00+00:00")
    return db


def entries(path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed"
    return root.findall(f"{A}entry")


def test_the_feed_lists_new_reports_newest_first_without_baseline_ones(tmp_path):
    db = build(tmp_path / "a.db")
    path = tmp_path / "pub" / "feed.xml"

    assert feed.write(db, path) == 3

    root = ET.parse(path).getroot()
    assert root.findtext(f"{A}updated") == REPORTS[2][4]
    found = entries(path)
    assert [e.findtext(f"{A}title") for e in found] == [
        "2024年度报告",
        "2023年度报告",
        "2022年度报告",
    ]
    newest = found[0]
    assert newest.find(f"{A}link").get("href") == REPORTS[2][0]
    assert newest.findtext(f"{A}updated") == REPORTS[2][4]
    assert re.fullmatch(r"tag:gongkai,2026:report:[0-9a-f]{16}", newest.findtext(f"{A}id"))
    summary = newest.findtext(f"{A}summary")
    assert AGENCY in summary and "2024" in summary and "2025-01-20" in summary
    assert "未注明" in found[1].findtext(f"{A}summary")
    assert feed.write(db, path, entries=2) == 2 and len(entries(path)) == 2


def test_entry_ids_are_stable_across_writes_and_archives(tmp_path):
    path, other = tmp_path / "one.xml", tmp_path / "two.xml"
    db = build(tmp_path / "a.db")
    feed.write(db, path)
    first = path.read_bytes()
    feed.write(db, path)
    feed.write(build(tmp_path / "b.db", order=(2, 0, 1)), other)

    assert path.read_bytes() == first
    ids = [e.findtext(f"{A}id") for e in entries(path)]
    assert ids == [e.findtext(f"{A}id") for e in entries(other)]
    assert ids == [feed.entry_id(url) for url, *_ in reversed(REPORTS)]


def test_an_empty_archive_and_unruly_titles_still_give_valid_xml(tmp_path):
    db = archive(tmp_path / "a.db")
    now = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    assert feed.write(db, tmp_path / "feed.xml", now=now) == 0
    assert ET.parse(tmp_path / "feed.xml").getroot().findtext(f"{A}updated") == now.isoformat()

    event(db, "new", report(db, "http://x/?a=1&b=<2>", "报告 <b>&amp;\x0b\x01 “引号”"))
    assert feed.write(db, tmp_path / "feed.xml") == 1
    (entry,) = entries(tmp_path / "feed.xml")
    assert entry.findtext(f"{A}title") == "报告 <b>&amp; “引号”"
    assert entry.find(f"{A}link").get("href") == "http://x/?a=1&b=<2>"


def test_a_failed_write_leaves_the_old_feed_whole_and_no_temp_file(tmp_path, monkeypatch):
    db = build(tmp_path / "a.db")
    path = tmp_path / "feed.xml"
    feed.write(db, path)
    before = path.read_bytes()
    assert [p.name for p in tmp_path.glob(".feed.xml.*")] == []

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    event(db, "new", report(db, "http://ka.sz.gov.cn/2025.html", "2025年度报告", 2025))
    monkeypatch.setattr(feed.os, "replace", broken_replace)
    with pytest.raises(OSError):
        feed.write(db, path)

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".feed")] == []
