"""Attachment text (archive/documents.py and its readers, archive/readers/) from real files.

Built in the test: DOCX (python-docx), XLSX (openpyxl), ZIPs, and PDFs written by hand — a
Chinese text layer in the standard non-embedded Adobe font STSong-Light, a page holding only an
image (a scan), a password-protected one, truncated ones.

Committed in tests/fixtures/documents/, made once with LibreOffice 7.4 (`soffice --headless
--convert-to doc|xls|pdf`) from a DOCX/XLSX like the ones built here, because LibreOffice is
hundreds of MB and not a dependency: report.doc (Word 97, 19 KB), report.xls (Excel 97, 6 KB),
report.pdf (Writer's PDF export: an embedded subset font with a ToUnicode map, as real reports
have, 20 KB). The .doc tests need antiword (`make system-deps`) and skip without it; the
LibreOffice fallback test skips without soffice.
"""

from __future__ import annotations

import base64
import io
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest

from archive import documents
from archive.documents import DocumentText, document_text, kind_of
from archive.readers import archives, word_binary

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
TITLE = "某某市人民政府办公室2023年政府信息公开工作年度报告"
FIRST = "一、总体情况：本年度主动公开政府信息1234条。"
LAST = "五、存在的主要问题及改进情况：公开质量有待提高。"
ROWS = ["信息内容\t本年制发件数\t本年废止件数", "规章\t5\t1", "行政规范性文件\t12\t3"]
REPORT = "\n".join([TITLE, FIRST, *ROWS, LAST])  # what every reader gives for the fixtures


# ---- files built here ------------------------------------------------------------------------


def docx_report() -> bytes:
    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph(FIRST)
    table = document.add_table(rows=4, cols=3)
    for r, row in enumerate(["信息内容\t本年制发件数\t本年废止件数", "规章\t5\t1"]):
        for c, text in enumerate(row.split("\t")):
            table.cell(r, c).text = text
    merged = table.cell(2, 0).merge(table.cell(3, 0))  # a vertically merged label, read once
    merged.text = "行政规范性文件"
    table.cell(2, 1).text, table.cell(2, 2).text = "12", "3"
    table.cell(3, 1).text, table.cell(3, 2).text = "（其中：修订）", "2"
    document.add_paragraph(LAST)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


GREY_PIXEL = (
    b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
    b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream"
)
SCAN = b"q 500 0 0 700 50 70 cm /Im1 Do Q"


def pdf_file(pages: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF whose pages have these content streams; F1 is STSong-Light (UCS-2 strings), Im1 a
    grey pixel."""
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [4 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 5 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    )
    first = 7  # objects: catalog, pages, 3 font objects, the image, then the pages
    kids = b" ".join(b"%d 0 R" % (first + 2 * i) for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
        *font,
        GREY_PIXEL,
    ]
    for i, stream in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 6 0 R >> >> >>"
            % (first + 2 * i + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def chinese(*lines: str) -> bytes:
    """A content stream showing each line in STSong-Light, top to bottom."""
    ops = [
        b"BT /F1 12 Tf 50 %d Td <%s> Tj ET"
        % (780 - 20 * i, line.encode("utf-16-be").hex().encode())
        for i, line in enumerate(lines)
    ]
    return b"\n".join(ops)


def zip_of(members: dict[str, bytes], utf8_names: bool = True) -> bytes:
    """A ZIP; without `utf8_names` the names are GBK bytes with no UTF-8 flag, as Chinese
    Windows zip tools write them (zipfile cannot: it writes non-ASCII names as UTF-8)."""
    out = io.BytesIO()
    names = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, data) in enumerate(members.items()):
            if not utf8_names:
                encoded = name.encode("gbk")
                placeholder = f"@{i}@".ljust(len(encoded), "@")
                names[placeholder.encode()] = encoded
                name = placeholder
            archive.writestr(name, data)
    body = out.getvalue()
    for placeholder, encoded in names.items():
        assert body.count(placeholder) == 2  # local header and central directory
        body = body.replace(placeholder, encoded)
    return body


def antiword_or_skip() -> None:
    if shutil.which("antiword") is None:
        pytest.skip(documents.ANTIWORD_MISSING)


# ---- kind_of ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "url", "kind"),
    [
        (b"%PDF-1.7\n...", "text/html", "http://a.gov.cn/x.doc", "pdf"),  # bytes win
        (b"\xef\xbb\xbf%PDF-1.4\n", None, "", "pdf"),  # junk before the header
        (b"\x00" * 16, "application/pdf", "http://a.gov.cn/x.doc", "pdf"),  # then the type
        (b"\x00" * 16, "application/octet-stream", "http://a.gov.cn/P020240101.PDF", "pdf"),
        (b"\x00" * 16, None, "http://a.gov.cn/down.jsp?file=%E6%8A%A5%E5%91%8A.wps", "wps"),
        (b"\x00" * 16, "application/vnd.ms-excel; charset=gbk", "", "xls"),
        (b"\x00" * 16, None, "http://a.gov.cn/art/2024/1/1/art_1_2.html", "unknown"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"),
            None,
            "a",
            "doc",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"),
            None,
            "a.wps",
            "wps",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"),
            None,
            "a.doc",
            "xls",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/kswps", "", "wps"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, "a.ppt", "unknown"),
        (b"PK\x03\x04 truncated", None, "a.docx", "docx"),
        (b"PK\x03\x04 truncated", None, "a.bin", "zip"),
    ],
)
def test_kind_of(body: bytes, content_type: str | None, url: str, kind: str) -> None:
    assert kind_of(body, content_type, url) == kind


def test_kind_of_zip_packages() -> None:
    assert kind_of(docx_report(), "application/msword", "x.doc") == "docx"
    workbook = io.BytesIO()
    openpyxl.Workbook().save(workbook)
    assert kind_of(workbook.getvalue(), None, "x.xls") == "xlsx"
    assert kind_of(zip_of({"a.docx": docx_report()}), None, "x.docx") == "zip"
    pptx = zip_of({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
    assert kind_of(pptx, None, "x.zip") == "unknown"


# ---- DOCX ------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_cells_in_document_order() -> None:
    result = document_text(docx_report(), "application/octet-stream", "http://a.gov.cn/1.doc")
    assert result == DocumentText(
        "\n".join([TITLE, FIRST, *ROWS, "（其中：修订）\t2", LAST]), "docx", ""
    )


# ---- PDF -------------------------------------------------------------------------------------


def test_pdf_chinese_text_layer_page_by_page() -> None:
    body = pdf_file([chinese(TITLE, FIRST), chinese(LAST)])
    result = document_text(body, "application/pdf", "http://a.gov.cn/P0202401.pdf")
    assert result == DocumentText("\n".join([TITLE, FIRST, LAST]), "pdf", "")


def test_pdf_exported_by_libreoffice_embedded_subset_font() -> None:
    result = document_text((FIXTURES / "report.pdf").read_bytes(), None, "report.pdf")
    assert result.kind == "pdf" and result.note == ""
    # pdfplumber's text joins a table row's cells with spaces (its tables are archive/extract's)
    assert result.text == REPORT.replace("\t", " ")


def test_scanned_pdf_has_empty_text_and_says_ocr_is_needed() -> None:
    body = pdf_file([SCAN, SCAN])
    assert document_text(body, None, "图片版.pdf") == DocumentText(
        "", "pdf", "scanned PDF: no text layer (needs OCR)"
    )


def test_pdf_with_some_scanned_pages_names_them() -> None:
    body = pdf_file([chinese(TITLE), SCAN, chinese(LAST)])
    result = document_text(body, None, "a.pdf")
    assert result.text == f"{TITLE}\n{LAST}"
    assert result.note == "pages without a text layer (scanned, need OCR): 2"


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.99])
def test_truncated_pdf_gives_none_and_a_note(cut: float) -> None:
    body = (FIXTURES / "report.pdf").read_bytes()
    result = document_text(body[: int(len(body) * cut)], None, "a.pdf")
    assert result.text is None and result.kind == "pdf"
    assert result.note.startswith("unreadable PDF: ")


def test_garbage_announced_as_pdf() -> None:
    result = document_text(b"<html>404</html>", "application/pdf", "a.pdf")
    assert result.text is None and result.kind == "pdf" and result.note


def test_password_protected_pdf() -> None:
    trailer = (
        b"/Encrypt << /Filter /Standard /V 1 /R 2 /Length 40 /P -4 "
        b"/O <%s> /U <%s> >> /ID [<%s> <%s>] " % (b"11" * 32, b"22" * 32, b"33" * 16, b"33" * 16)
    )
    result = document_text(pdf_file([chinese(TITLE)], trailer=trailer), None, "a.pdf")
    assert result == DocumentText(None, "pdf", "encrypted: the PDF needs a password to open")


# ---- DOC / WPS -------------------------------------------------------------------------------


def test_doc_with_antiword() -> None:
    antiword_or_skip()
    result = document_text((FIXTURES / "report.doc").read_bytes(), "application/msword", "1.doc")
    assert result == DocumentText(REPORT, "doc", "")


def test_wps_is_word_binary() -> None:
    antiword_or_skip()
    result = document_text((FIXTURES / "report.doc").read_bytes(), None, "http://a/1.wps")
    assert result == DocumentText(REPORT, "wps", "")


def test_doc_without_any_reader_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word_binary.shutil, "which", lambda name: None)
    result = document_text((FIXTURES / "report.doc").read_bytes(), None, "1.doc")
    assert result.text is None and result.kind == "doc"
    assert (
        result.note == "antiword is not installed: apt-get install antiword (or make system-deps)"
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_doc_falls_back_to_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    which = shutil.which
    monkeypatch.setattr(
        word_binary.shutil, "which", lambda n: None if n == "antiword" else which(n)
    )
    result = document_text((FIXTURES / "report.doc").read_bytes(), None, "1.wps")
    assert result.kind == "wps" and result.note == ""
    assert result.text is not None
    assert result.text.splitlines()[:3] == [TITLE, FIRST, "信息内容"] and LAST in result.text


def test_broken_ole_doc_is_a_note_not_an_exception() -> None:
    antiword_or_skip()
    body = (FIXTURES / "report.doc").read_bytes()[:4096]
    result = document_text(body, None, "1.doc")
    assert result.text is None and result.kind == "doc" and "antiword" in result.note


def test_word_html_saved_as_doc() -> None:
    body = (
        '<html xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta charset="gbk"></head>'
        f"<body><p>{TITLE}</p><table><tr><td>规章</td><td>5</td></tr></table></body></html>"
    ).encode("gbk")
    result = document_text(body, "application/msword", "http://a/1.doc")
    assert result == DocumentText(f"{TITLE}\n规章\n5", "doc", "HTML saved as .doc")


def test_web_archive_saved_as_doc() -> None:
    html = f'<html><body><div id="zoom"><p>{TITLE}</p><p>{LAST}</p></div></body></html>'
    body = (
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; boundary="----=_NextPart_01"\r\n\r\n'
        "------=_NextPart_01\r\n"
        'Content-Type: text/html; charset="gb2312"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(html.encode('gb2312')).decode()}\r\n"
        "------=_NextPart_01--\r\n"
    ).encode("ascii")
    assert document_text(body, None, "1.doc") == DocumentText(
        f"{TITLE}\n{LAST}", "doc", "web archive (MHT) saved as .doc"
    )


def test_rtf_saved_as_doc() -> None:
    body = b"{\\rtf1\\ansi\\uc1 " + "".join(f"\\u{ord(c)}?" for c in TITLE).encode() + b"\\par}"
    result = document_text(body, None, "1.doc")
    assert result.kind == "doc"
    if shutil.which("soffice"):
        assert result == DocumentText(TITLE, "doc", "")
    else:
        assert result.text is None and "apt-get install libreoffice-writer-nogui" in result.note


# ---- spreadsheets ----------------------------------------------------------------------------


def test_xlsx_rows_as_tab_separated_lines() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "表一"
    sheet.append(["统计指标", "单位", "统计数"])
    sheet.append(["主动公开政府信息数", "条", 1234])
    sheet.append(["平均办理时间", "天", 7.5])
    sheet.append([None, None, None])
    sheet.append(["统计截止日期", None, datetime(2023, 12, 31)])
    book.create_sheet("说明").append(["本表由办公室填报"])
    out = io.BytesIO()
    book.save(out)
    assert document_text(out.getvalue(), None, "统计表.xlsx") == DocumentText(
        "表一\n统计指标\t单位\t统计数\n主动公开政府信息数\t条\t1234\n平均办理时间\t天\t7.5\n"
        "统计截止日期\t\t2023-12-31\n说明\n本表由办公室填报",
        "xlsx",
        "",
    )


def test_xls_old_binary_workbook() -> None:
    result = document_text((FIXTURES / "report.xls").read_bytes(), None, "统计表.xls")
    assert result == DocumentText(
        "表一\n统计指标\t单位\t统计数\n主动公开政府信息数\t条\t1234\n依申请公开信息数\t条\t56\n"
        "说明\n本表数据截至2023年12月31日",
        "xls",
        "",
    )


def test_password_protected_office_file() -> None:
    body = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le")
    )
    result = document_text(body, None, "a.docx")
    assert result == DocumentText(None, "docx", "encrypted: password-protected Office file")


# ---- ZIP -------------------------------------------------------------------------------------


def test_zip_reads_documents_and_notes_the_rest() -> None:
    inner = zip_of({"附表.xlsx": _xlsx([["统计数", 5]])})
    body = zip_of(
        {
            "报告/年度报告.docx": docx_report(),
            "报告/图解.jpg": b"\xff\xd8\xff\xe0",
            "附件.zip": inner,
        },
        utf8_names=False,
    )
    result = document_text(body, "application/zip", "http://a.gov.cn/年报.zip")
    assert result.kind == "zip"
    assert result.text == "\n".join(
        [
            "== 报告/年度报告.docx ==",
            TITLE,
            FIRST,
            *ROWS,
            "（其中：修订）\t2",
            LAST,
            "== 附件.zip ==",
            "== 附表.xlsx ==",
            "统计数\t5",
        ]
    )
    assert result.note == "报告/图解.jpg: not a document format read here"


def test_zip_nested_too_deep() -> None:
    body = zip_of({"a.zip": zip_of({"b.zip": zip_of({"c.docx": docx_report()})})})
    result = document_text(body, None, "x.zip")
    assert result == DocumentText(
        None,
        "zip",
        "no readable member: a.zip: no readable member: b.zip: archive nested too deep, not read",
    )


def test_zip_bomb_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_ZIP_BYTES", 2**20)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.pdf", b"%PDF-1.4\n" + b"\x00" * 50 * 2**20)  # 50 KB compressed
        archive.writestr("ok.docx", docx_report())
    result = document_text(bomb.getvalue(), None, "x.zip")
    assert result.text is not None and result.text.startswith("== ok.docx ==\n" + TITLE)
    assert result.note.startswith("report.pdf: not read, 52428809 bytes is over the limit")


def test_zip_member_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_ZIP_MEMBERS", 2)
    sheets = {f"{i}.xlsx": _xlsx([[f"第{i}张"]]) for i in range(4)}
    result = document_text(zip_of(sheets), None, "x.zip")
    assert result.text == "== 0.xlsx ==\n第0张\n== 1.xlsx ==\n第1张"
    assert result.note.count("not read, limit of 2 files") == 2


def test_corrupt_zip() -> None:
    body = zip_of({"a.docx": docx_report()})[:200]
    result = document_text(body, None, "a.zip")
    assert result.text is None and result.kind == "zip" and result.note.startswith("unreadable ZIP")


# ---- anything else ---------------------------------------------------------------------------


def test_unknown_binary() -> None:
    body = bytes(range(256)) * 4
    result = document_text(body, "application/octet-stream", "http://a.gov.cn/download?id=7")
    assert result == DocumentText(None, "unknown", "unrecognised format")


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
