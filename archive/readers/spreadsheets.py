"""XLSX (openpyxl) and XLS (xlrd) text: one line per row, cells separated by tabs.

Every sheet is read, each under its name when there are several. Cells are written as a person
would type them: whole numbers without ".0", dates without a midnight time, TRUE/FALSE.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time

from archive.readers.kinds import OLE
from archive.readers.output import lines
from archive.readers.saved_html import saved_html_text


def xlsx_text(body: bytes, kind: str) -> tuple[str | None, str]:
    """The workbook's rows, sheet by sheet (read-only, cached values rather than formulas)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        sheets = book.worksheets
        rows = []
        for sheet in sheets:
            if len(sheets) > 1:
                rows.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                rows.append("\t".join(_cell(value) for value in row))
    finally:
        book.close()
    return lines(rows), ""


def xls_text(body: bytes, kind: str) -> tuple[str | None, str]:
    """The old binary workbook's rows; an .xls that is not OLE2 is tried as a saved web page."""
    if not body.startswith(OLE):
        return saved_html_text(body, kind)
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=body, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            return None, "encrypted: the workbook needs a password"
        raise
    try:
        rows = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if book.nsheets > 1:
                rows.append(sheet.name)
            for r in range(sheet.nrows):
                rows.append("\t".join(_xls_cell(book, cell) for cell in sheet.row(r)))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return lines(rows), ""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(" ", "seconds") if value.time() != time() else str(value.date())
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _xls_cell(book, cell) -> str:
    """xlrd stores dates and booleans as numbers: turn them back before writing the cell."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _cell(xlrd.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return _cell(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return _cell(bool(cell.value))
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return _cell(cell.value)
