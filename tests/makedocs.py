"""Build DOCX and PDF attachments holding a statistics table, for the extraction tests.

A table is a list of `Cell`s on a grid (rowspan/colspan as in the HTML templates). The DOCX is
made with python-docx, merging cells as Word does. The PDF is written by hand — no PDF-writing
dependency — with ruled cells (so pdfplumber finds the table) and Chinese text in the standard
non-embedded Adobe font STSong-Light (UniGB-UCS2-H), which pdfplumber decodes to Unicode.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx

from archive.extract.model import Stats
from archive.extract.templates import APPLICANT_COLUMNS


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


# ---- Table 3 laid out as the 2021 template, from extracted rows -------------------------------

_GROUPS = {
    "refused": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}
REQUESTS_HEADER = [
    Cell(0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
    Cell(0, 3, "申请人情况", 1, 7),
    Cell(1, 3, "自然人", 2, 1),
    Cell(1, 4, "法人或其他组织", 1, 5),
    Cell(1, 9, "总计", 2, 1),
    *(Cell(2, 4 + i, label) for i, (_, label) in enumerate(APPLICANT_COLUMNS[1:-1])),
]


def requests_table(stats: Stats) -> list[Cell]:
    """Table 3 of `stats` as the template prints it: 3 label columns, then 7 value columns."""
    rows = [row for row in stats.rows if row.section == "requests"]
    order = list(dict.fromkeys(row.indicator for row in rows))
    cells = list(REQUESTS_HEADER)
    result_rows = [k for k in order if k.startswith("requests.result.")]
    for r, indicator in enumerate(order, start=3):
        cells += _label_cells(r, indicator, rows, order, len(result_rows))
        for c, (column, _) in enumerate(APPLICANT_COLUMNS, start=3):
            value = next(
                x.value for x in rows if (x.indicator, x.column_label) == (indicator, column)
            )
            cells.append(Cell(r, c, "-" if value is None else f"{value:g}"))  # blank: a placeholder
    return cells


def _label_cells(r: int, indicator: str, rows, order: list[str], results: int) -> list[Cell]:
    label = next(x.row_label_raw for x in rows if x.indicator == indicator)
    if not indicator.startswith("requests.result."):
        return [Cell(r, 0, label, 1, 3)]
    cells = [Cell(r, 0, "三、本年度办理结果", results)] if indicator.endswith(".granted") else []
    group = indicator.split(".")[2]
    if group not in _GROUPS or indicator.count(".") < 3:
        return [*cells, Cell(r, 1, label, 1, 2)]
    members = [k for k in order if k.startswith(f"requests.result.{group}.")]
    if indicator == members[0]:
        cells.append(Cell(r, 1, _GROUPS[group], len(members)))
    return [*cells, Cell(r, 2, label)]


# ---- DOCX -------------------------------------------------------------------------------------


def docx_bytes(cells: list[Cell], paragraphs: tuple[str, ...] = ()) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if cells:
        _docx_table(document, cells)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(document, cells: list[Cell]) -> None:
    rows = max(c.row + c.rowspan for c in cells)
    cols = max(c.col + c.colspan for c in cells)
    table = document.add_table(rows=rows, cols=cols)
    for cell in cells:
        target = table.cell(cell.row, cell.col)
        if cell.rowspan > 1 or cell.colspan > 1:
            corner = table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1)
            target = target.merge(corner)
        target.text = cell.text


# ---- PDF --------------------------------------------------------------------------------------


def pdf_bytes(cells: list[Cell], widths: list[float], ruled: bool = True) -> bytes:
    """One page holding `cells` on a grid with these column widths, 12 pt rows, 6 pt text."""
    xs = [20.0]
    for width in widths:
        xs.append(xs[-1] + width)
    rows = max(c.row + c.rowspan for c in cells)
    height = 40 + 12 * rows
    ops = []
    for cell in cells:
        x, w = xs[cell.col], xs[cell.col + cell.colspan] - xs[cell.col]
        y = height - 20 - 12 * (cell.row + cell.rowspan)
        if ruled:
            ops.append(f"{x:g} {y:g} {w:g} {12 * cell.rowspan} re S")
        text = cell.text.encode("utf-16-be").hex().upper()
        top = y + 12 * (cell.rowspan - 1) + 3.5
        ops.append(f"BT /F1 6 Tf {x + 1:g} {top:g} Td <{text}> Tj ET")
    return _pdf("\n".join(ops).encode(), xs[-1] + 20, height)


_FONT = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
    b"/DescendantFonts [6 0 R] >>",
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
    b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R >>",
    b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
    b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
)


def _pdf(stream: bytes, width: float, height: float) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>" % (width, height),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        *_FONT,
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()
