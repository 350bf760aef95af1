"""Reports published as files: an HTML page with its Word attachment is one report, a PDF-only
entry is a report too, and both are archived, tied together and turned into text and numbers."""

from __future__ import annotations

from pathlib import Path

from archive.db import open_db
from archive.extract import stats
from gongkai import cycle
from tests.helpers import write_config
from tests.makedocs import Cell, docx_bytes, pdf_bytes, requests_table

FIXTURES = Path(__file__).parent / "fixtures" / "stats"
AGENCY = "南山区审计局"
PAGE = """<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}"></head>
<body><h1>{title}</h1><p>发布日期：2024-01-18</p>
<div class="TRS_Editor"><p>{title}全文详见附件。</p>
<p>附件：<a href="/gknb/files/2023.docx">{title}.docx</a></p></div></body></html>"""


def build_site(root: Path) -> None:
    table = requests_table(stats.from_html((FIXTURES / "report-2021.html").read_text("utf-8")))
    (root / "gknb" / "files").mkdir(parents=True)
    title = f"{AGENCY}2023年政府信息公开工作年度报告"
    (root / "gknb" / "2023.html").write_text(PAGE.format(title=title), "utf-8")
    (root / "gknb" / "files" / "2023.docx").write_bytes(
        docx_bytes(table, ("三、收到和处理政府信息公开申请情况",))
    )
    widths = [60, 60, 240] + [40] * 7
    (root / "gknb" / "files" / "2022.pdf").write_bytes(pdf_bytes(table, widths))
    (root / "gknb" / "index.html").write_text(
        '<html><head><meta charset="utf-8"></head><body><ul>'
        f'<li><a href="/gknb/2023.html">{title}</a><span>2024-01-18</span></li>'
        f'<li><a href="/gknb/files/2022.pdf">{AGENCY}2022年政府信息公开工作年度报告（PDF）</a>'
        "<span>2023-01-16</span></li></ul></body></html>",
        "utf-8",
    )


def test_an_attachment_belongs_to_its_page_and_a_pdf_only_report_stands_alone(serve_site, tmp_path):
    build_site(tmp_path / "site")
    server = serve_site(tmp_path / "site")
    config = write_config(
        tmp_path, [{"id": "nsaj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}]
    )

    result = cycle.run(config)

    assert result.status == "completed"
    db = open_db(config.database)
    reports = {r["year"]: r for r in db.query("SELECT * FROM reports")}
    assert sorted(reports) == [2022, 2023], "the page and its .docx are one report"
    assert reports[2022]["url"].endswith("/gknb/files/2022.pdf")
    assert reports[2022]["published_on"] == "2023-01-16"
    [attachment] = db.query("SELECT * FROM attachments")
    assert attachment["report_id"] == reports[2023]["id"] and attachment["kind"] == "docx"
    assert "收到和处理政府信息公开申请情况" in attachment["text"]
    kinds = {row[0] for row in db.execute("SELECT kind FROM fetches WHERE status = 200")}
    assert {"list", "report", "attachment"} <= kinds
    for year in (2022, 2023):  # numbers from the PDF itself, and from the page's Word file
        total = db.execute(
            "SELECT value FROM report_stats WHERE report_id = ? AND indicator = ? "
            "AND column_label = 'total'",
            [reports[year]["id"], "requests.received.new"],
        ).fetchone()
        assert total is not None and total[0] > 0, year
    pdf_text = db.execute(
        "SELECT text FROM report_versions WHERE report_id = ?", [reports[2022]["id"]]
    ).fetchone()[0]
    assert "申请人情况" in pdf_text, "a PDF-only report's version has the PDF's text"


GBK_AGENCY = "石桥县档案局"
GBK_FILES = {  # the site's own links → what each is, in the site's encoding (GBK)
    "filename=%B9%AB%BF%AA.pdf": "公开",  # percent-escaped GBK, as the page writes it
    "filename=%B1%A8%B8%E6.pdf": "报告",
    "filename=%B8%BD%B1%ED.pdf": "附表",  # written raw on the page: 附表.pdf
}


def build_gbk_download_site(root: Path) -> None:
    """An IIS-era site: articles at `art.asp?N`, files behind `down.asp?filename=<GBK>`."""
    (root / "gknb").mkdir(parents=True)
    title = f"{GBK_AGENCY}2023年政府信息公开工作年度报告"
    head = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    (root / "gknb" / "index.html").write_bytes(
        f'{head}</head><body><table><tr><td><a href="art.asp?123">{title}</a></td>'
        "<td>2024-01-20</td></tr></table></body></html>".encode("gbk")
    )
    (root / "gknb" / "art.asp").write_bytes(
        f"{head}</head><body><h1>{title}</h1><p>发布日期：2024-01-20</p>"
        f"<p>{title}全文见附件。</p>"
        '<p><a href="/down.asp?filename=%B9%AB%BF%AA.pdf">公开.pdf</a></p>'
        '<p><a href="/down.asp?filename=%B1%A8%B8%E6.pdf">报告.pdf</a></p>'
        '<p><a href="/down.asp?filename=附表.pdf">附表.pdf</a></p>'
        "</body></html>".encode("gbk")
    )
    files = {}
    for number, (pair, word) in enumerate(GBK_FILES.items()):
        name = f"file{number}.pdf"
        (root / name).write_bytes(pdf_bytes([Cell(0, 0, f"{GBK_AGENCY}{word}")], [200]))
        files[pair] = name
    query_files = ", ".join(f'"{pair}" = "{name}"' for pair, name in files.items())
    (root / "_headers.toml").write_text(
        f'["/gknb/art.asp"]\ncontent_type = "text/html"\n\n'
        f'["/down.asp"]\nquery_files = {{ {query_files} }}\n',
        "utf-8",
    )


def test_gbk_download_links_are_requested_with_the_sites_bytes_and_stay_apart(serve_site, tmp_path):
    """`down.asp?filename=%B9%AB%BF%AA.pdf` and `…%B1%A8%B8%E6.pdf` are two files, asked for as
    the site wrote them; `art.asp?123` is the article, not `art.asp?123=`."""
    build_gbk_download_site(tmp_path / "site")
    server = serve_site(tmp_path / "site")
    config = write_config(
        tmp_path, [{"id": "sqda", "agency": GBK_AGENCY, "start_urls": [server.url + "/gknb/"]}]
    )

    result = cycle.run(config)

    assert result.status == "completed", result.error
    db = open_db(config.database)
    [report] = db.query("SELECT * FROM reports")
    assert report["url"] == server.url + "/gknb/art.asp?123"
    assert "/gknb/art.asp?123" in server.paths
    for pair in GBK_FILES:
        assert f"/down.asp?{pair}" in server.paths, "requested with the site's own bytes"
    attachments = {row["url"]: row for row in db.query("SELECT * FROM attachments")}
    assert sorted(attachments) == sorted(f"{server.url}/down.asp?{pair}" for pair in GBK_FILES)
    assert len({row["sha256"] for row in attachments.values()}) == len(GBK_FILES)
    for pair, word in GBK_FILES.items():
        row = attachments[f"{server.url}/down.asp?{pair}"]
        assert row["report_id"] == report["id"] and f"{GBK_AGENCY}{word}" in row["text"]
