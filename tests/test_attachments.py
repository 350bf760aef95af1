"""Reports published as files: an HTML page with its Word attachment is one report, a PDF-only
entry is a report too, and both are archived, tied together and turned into text and numbers."""

from __future__ import annotations

from pathlib import Path

import cycle
from archive.db import open_db
from archive.extract import stats
from tests.helpers import write_config
from tests.makedocs import docx_bytes, pdf_bytes, requests_table

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
