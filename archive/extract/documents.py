"""Attachments → rows and text: DOCX tables (python-docx) and PDF tables (pdfplumber).

A merged cell is reported by both libraries at every grid position it covers (python-docx) or once
with None elsewhere (pdfplumber); either way it becomes one cell in the row where it starts, like
an HTML rowspan/colspan cell. A body that is not a readable DOCX or PDF (an HTML error page saved
under a .pdf link, a truncated download) gives no rows and no text.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pdfplumber
from docx.opc.exceptions import PackageNotFoundError
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from archive.extract.tables import Row, table_row

_NOT_DOCX = (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError)
_NOT_PDF = (PdfminerException, PDFSyntaxError, PSException)


def docx_rows(data: bytes) -> tuple[list[Row], str]:
    """Rows of every table in a DOCX, and the document's paragraph text."""
    try:
        document = docx.Document(io.BytesIO(data))
    except _NOT_DOCX:
        return [], ""
    rows = [row for table in document.tables for row in _docx_table(table)]
    return rows, "\n".join(paragraph.text for paragraph in document.paragraphs)


def _docx_table(table) -> list[Row]:
    seen = set()  # a merged cell's <w:tc>; holding the elements keeps their identity stable
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc not in seen:
                seen.add(cell._tc)
                cells.append(cell.text)
        rows.append(table_row(cells))
    return rows


def pdf_rows(data: bytes) -> tuple[list[Row], str]:
    """Rows of the tables pdfplumber finds on every page, and the text of all pages."""
    rows, pages = [], []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                for table in page.extract_tables():
                    rows.extend(table_row(c for c in cells if c is not None) for cells in table)
                pages.append(page.extract_text() or "")
    except _NOT_PDF:
        return [], ""
    return rows, "\n".join(pages)
