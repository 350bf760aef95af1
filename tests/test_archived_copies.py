"""Archived copies in Datasette, through Datasette's own client: every sha256 cell links to its
copy; the copy page's bar tells where, when and how the bytes were fetched and re-hashes them;
bodies are served so that they cannot act (HTML) or in the browser's viewer (PDF) or as a
download; a report's row page lists its versions with their diffs. (What a real browser does
with these pages: tests/test_browser.py.)"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import zstandard

from archive import blobs, fetches
from archive.db import open_db
from tests.makedocs import Cell, docx_bytes, pdf_bytes
from tests.test_datasette import build, get

TITLE = "石桥县人民政府2019年政府信息公开工作年度报告"
GBK_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    f"<title>{TITLE}</title></head><body><h1>{TITLE}</h1><p>二〇一九年 喆</p></body></html>"
).encode("gbk")
PDF = pdf_bytes([Cell(0, 0, "总计")], [100.0])
DOCX = docx_bytes([Cell(0, 0, "总计")])
URL = "http://www.shiqiaoxian.gov.cn/zwgk/gknb/content/1398.htm"
FETCHED_AT = "2026-03-03T02:30:00+00:00"


class Archive:
    """test_datasette's archive, plus what a crawl leaves: fetch rows with a GBK page, a PDF
    and a Word attachment."""

    def __init__(self, path: Path) -> None:
        self.fixture = build(path)
        self.path, db = path, self.fixture.db
        self.page = self.fetch(URL, GBK_PAGE, "text/html", kind="report")
        self.fetch(URL, None, None, kind="report", status=304, same_as=self.page)
        report = self.fixture.ids["gz2015"]
        self.pdf = self.attachment(report, "http://gzhg.gov.cn/2015.pdf", PDF, "application/pdf")
        docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        self.docx = self.attachment(report, "http://gzhg.gov.cn/2015.docx", DOCX, docx_type)
        db.conn.commit()

    def fetch(self, url, body, content_type, kind="other", status=200, same_as=None) -> str:
        at = FETCHED_AT if status == 200 else "2026-03-04T02:30:00+00:00"
        record = fetches.Fetch(url, at, kind, "sq", None, status, body, content_type,
                               same_as=same_as)  # fmt: skip
        return fetches.record(self.fixture.db, record, None)

    def attachment(self, report_id: int, url: str, body: bytes, content_type: str) -> str:
        sha256 = self.fetch(url, body, content_type, kind="attachment")
        self.fixture.db["attachments"].insert(
            {"source_id": "gzhg", "report_url": "http://gzhg.gov.cn/gz2015.html",
             "report_id": report_id, "url": url, "title": "附件", "sha256": sha256,
             "content_type": content_type, "seen_at": FETCHED_AT}
        )  # fmt: skip
        return sha256

    def get(self, url: str):
        return get(self.path, url)

    def copy(self, sha256: str, page: str = "copy"):
        return self.get(f"/-/gongkai/{self.path.stem}/{page}/{sha256}")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    return Archive(tmp_path_factory.mktemp("copies") / "gongkai.db")


def copy_link(archive: Archive, sha256: str) -> str:
    return f'<a href="/-/gongkai/{archive.path.stem}/copy/{sha256}"'


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("reports", "page_of_sz2014"),
        ("report_versions", "old_version_of_sz2014"),
        ("fetches", "page"),
        ("attachments", "pdf"),
        ("blobs", "docx"),
    ],
)
def test_every_sha256_cell_links_to_its_archived_copy(archive, table, key):
    sha256 = {
        "page_of_sz2014": archive.fixture.versions["sz2014"],
        "old_version_of_sz2014": archive.fixture.db.execute(
            "SELECT sha256 FROM version_ids WHERE report_id = ? ORDER BY id DESC",
            [archive.fixture.ids["sz2014"]],
        ).fetchone()[0],
        "page": archive.page,
        "pdf": archive.pdf,
        "docx": archive.docx,
    }[key]
    page = archive.get(f"/{archive.path.stem}/{table}?sha256={sha256}").text
    assert copy_link(archive, sha256) in page
    if table == "blobs":  # there the key links to the row, whose page links to the copy
        assert (
            copy_link(archive, sha256) in archive.get(f"/{archive.path.stem}/blobs/{sha256}").text
        )


def bar(html: str) -> str:
    return re.search(r'<div class="gongkai-bar".*?</dl>', html, re.S)[0]


def test_the_copy_page_tells_where_when_and_how_the_bytes_were_fetched(archive):
    response = archive.copy(archive.page)
    assert response.status_code == 200
    found = bar(response.text)
    assert f"<code>{URL}</code>" in found
    assert f"<dd>{FETCHED_AT} (first of 2 fetches" in found  # the 304 confirmed the bytes later
    assert "the last at 2026-03-04T02:30:00+00:00)" in found
    assert "<dt>status</dt><dd>200</dd>" in found
    assert "<dt>content type</dt><dd>text/html</dd>" in found
    assert f"<code>{archive.page}</code>" in found
    assert "✓ matches" in found and "NOT" not in found


def test_a_copy_whose_bytes_no_longer_hash_to_its_key_says_so(tmp_path):
    damaged = Archive(tmp_path / "damaged.db")
    other = b"<html><h1>not what was archived</h1></html>"
    with sqlite3.connect(damaged.path) as connection:  # what a disk or a hand could do
        connection.execute(
            "UPDATE blobs SET encoding = 'zstd', dictionary_id = NULL, content = ? "
            "WHERE sha256 = ?",
            [zstandard.ZstdCompressor().compress(other), damaged.page],
        )
    found = bar(damaged.copy(damaged.page).text)
    assert "✗ does NOT match" in found and "✓" not in found
    assert f"<code>{blobs.sha256_of(other)}</code>" in found


def test_an_archived_page_is_framed_in_a_sandbox_without_scripts(archive):
    html = archive.copy(archive.page).text
    [frame] = re.findall(r"<iframe [^>]*>", html)
    assert f'src="/-/gongkai/{archive.path.stem}/body/{archive.page}"' in frame
    assert 'sandbox=""' in frame  # no allow-scripts, no allow-same-origin, nothing


def test_an_archived_page_is_served_decoded_under_a_policy_that_allows_no_script_or_request(
    archive,
):
    response = archive.copy(archive.page, "body")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = [p.strip() for p in response.headers["content-security-policy"].split(";")]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert not [p for p in policy if p.startswith(("script-src", "connect-src", "frame-src"))]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert f"<h1>{TITLE}</h1><p>二〇一九年 喆</p>" in response.text  # GBK, as the crawler reads it


def test_the_raw_download_is_the_bytes_exactly_as_received(archive):
    response = archive.copy(archive.page, "raw")
    assert response.content == GBK_PAGE
    assert blobs.sha256_of(response.content) == archive.page
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{archive.page}.html"'


def test_a_pdf_opens_in_the_browsers_viewer(archive):
    html = archive.copy(archive.pdf).text
    assert "<dt>content type</dt><dd>application/pdf</dd>" in bar(html)
    assert f'src="/-/gongkai/{archive.path.stem}/body/{archive.pdf}"' in html
    response = archive.copy(archive.pdf, "body")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.content == PDF


def test_other_types_are_offered_as_a_download(archive):
    html = archive.copy(archive.docx).text
    assert "<iframe" not in html
    assert f'<a href="/-/gongkai/{archive.path.stem}/raw/{archive.docx}" download>' in html
    response = archive.copy(archive.docx, "body")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{archive.docx}.docx"'
    )
    assert response.content == DOCX


def test_nothing_archived_under_a_key_is_a_404(archive):
    assert archive.copy("0" * 64).status_code == 404
    assert archive.copy("0" * 64, "body").status_code == 404
    assert archive.get(f"/-/gongkai/nosuchdb/copy/{archive.page}").status_code == 404


def versions_of(archive: Archive, key: str) -> list[str]:
    db = open_db(archive.path)
    rows = db.execute(
        "SELECT v.sha256 FROM report_versions v JOIN version_ids n USING (report_id, sha256) "
        "WHERE v.report_id = ? ORDER BY v.first_seen_at, n.id",
        [archive.fixture.ids[key]],
    )
    return [sha256 for (sha256,) in rows]


def test_a_reports_row_page_lists_its_versions_with_copies_and_diffs(archive):
    report_id = archive.fixture.ids["sz2014"]
    first, second = versions_of(archive, "sz2014")
    html = archive.get(f"/{archive.path.stem}/reports/{report_id}").text
    versions = html[html.index('<h2 id="versions">') :]
    assert versions.index(copy_link(archive, first)) < versions.index(copy_link(archive, second))
    diff = f"/-/gongkai/{archive.path.stem}/diff/{report_id}/{first}/{second}"
    assert f'<a href="{diff}">diff with the version before</a>' in versions
    assert f"{archive.fixture.db['blobs'].get(second)['size']:,} bytes" in versions


def test_the_diff_page_shows_what_the_text_lost_and_gained(archive):
    report_id = archive.fixture.ids["sz2014"]
    first, second = versions_of(archive, "sz2014")
    response = archive.get(f"/-/gongkai/{archive.path.stem}/diff/{report_id}/{first}/{second}")
    assert response.status_code == 200
    assert '<div class="removed">-本报告由市口岸办编制。</div>' in response.text
    assert '<div class="added">+旧稿独有的句子，后来被删掉了。</div>' in response.text
    seen = archive.fixture.db.execute(
        "SELECT first_seen_at FROM report_versions WHERE sha256 = ?", [second]
    ).fetchone()[0]
    assert f"<code>{second}</code></a>, first seen {seen}" in response.text
    other = versions_of(archive, "gz2014")[0]
    wrong = f"/-/gongkai/{archive.path.stem}/diff/{report_id}/{first}/{other}"
    assert archive.get(wrong).status_code == 404


def test_the_copy_shows_the_exchange_that_brought_it_and_what_an_older_fetch_kept(tmp_path):
    archive = Archive(tmp_path / "exchange.db")
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Gov-Trace: 42\r\n"
    record = fetches.Fetch("http://gzhg.gov.cn/whole.html", FETCHED_AT, "report", "gzhg", None,
                           200, b"<html><title>whole</title></html>", "text/html",
                           method="GET", request_head=b"User-Agent: Gongkai/0.1\r\n",
                           response_head=head, ip_address="127.0.0.9")  # fmt: skip
    whole = fetches.record(archive.fixture.db, record, None)
    archive.fixture.db.conn.commit()
    html = archive.copy(whole).text
    assert "X-Gov-Trace: 42" in html and "from 127.0.0.9" in html
    assert "GET /whole.html HTTP/1.1" in html and "User-Agent: Gongkai/0.1" in html
    older = archive.copy(archive.page).text  # logged without heads, as before 0009_exchanges
    assert "request not kept" in older and "what is known" in older


def test_versions_whose_text_did_not_change_say_so_on_the_row_and_diff_pages(tmp_path):
    archive = Archive(tmp_path / "same.db")
    report_id = archive.fixture.ids["sz2014"]
    first, second = versions_of(archive, "sz2014")
    db = archive.fixture.db
    text = "本报告由市口岸办编制。"
    db.execute(  # only the page around the text changed
        "UPDATE report_versions SET text = ?, text_sha256 = ? WHERE report_id = ?",
        [text, blobs.sha256_of(text.encode()), report_id],
    )
    db.conn.commit()
    html = archive.get(f"/{archive.path.stem}/reports/{report_id}").text
    versions = html[html.index('<h2 id="versions">') :]
    assert "diff with the version before</a> (same text)" in versions
    diff = archive.get(f"/-/gongkai/{archive.path.stem}/diff/{report_id}/{first}/{second}")
    assert "The two versions have the same text" in diff.text
    assert 'class="added"' not in diff.text and 'class="removed"' not in diff.text


def test_a_version_without_extracted_text_is_not_called_the_same_text(tmp_path):
    archive = Archive(tmp_path / "unread.db")
    report_id = archive.fixture.ids["sz2014"]
    first, second = versions_of(archive, "sz2014")
    db = archive.fixture.db
    db.execute(  # neither version extracted yet (a cycle died first, or extraction failed)
        "UPDATE report_versions SET text = NULL, text_sha256 = NULL WHERE report_id = ?",
        [report_id],
    )
    db.conn.commit()
    diff = archive.get(f"/-/gongkai/{archive.path.stem}/diff/{report_id}/{first}/{second}")
    assert diff.status_code == 200
    assert "same text" not in diff.text
    assert "Nothing to compare" in diff.text and first in diff.text and second in diff.text
    assert 'class="added"' not in diff.text and 'class="removed"' not in diff.text
