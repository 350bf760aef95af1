"""The text of a report attachment: PDF, DOCX, DOC, WPS, XLSX, XLS, or a ZIP of those.

Many agencies publish the annual report only as a download (domain notes §0 fact 7, §5). Like
`archive.text`, these are pure functions of the archived bytes, so they can be re-run over the
whole archive when a reader improves; nothing here raises on bad input — a file that cannot be
read gives `text=None` and a `note` saying why (a missing tool names the apt package to install).

This module is the front door: it judges the format (`archive.readers.kinds`: the bytes first,
then the Content-Type, then the URL's extension) and hands the bytes to that format's reader in
`archive.readers`, catching whatever a reader library raises on hostile bytes:

| kind | read with |
|---|---|
| pdf | `readers.pdf`: pdfplumber, page by page; a scan gives "" and a note (OCR is out of scope) |
| docx | `readers.word_docx`: python-docx, paragraphs and table rows in document order |
| xlsx / xls | `readers.spreadsheets`: openpyxl / xlrd, one line per row, cells separated by tabs |
| doc / wps | `readers.word_binary`: `antiword` (`make system-deps`), else LibreOffice |
| zip | `readers.archives`: the members above, bounded in count, size and nesting (zip bombs) |

A .doc or .xls that is really a saved web page is read as one (`readers.saved_html`). Lines are
whitespace-normalised and blank lines dropped; table cells are joined with a tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from archive.readers import archives, pdf, spreadsheets, word_binary, word_docx
from archive.readers.archives import MAX_ZIP_BYTES, MAX_ZIP_DEPTH, MAX_ZIP_MEMBERS, Budget
from archive.readers.kinds import (
    DOC,
    DOCX,
    KINDS,
    PDF,
    UNKNOWN,
    WPS,
    XLS,
    XLSX,
    ZIP,
    is_encrypted_office,
    kind_of,
)
from archive.readers.output import describe
from archive.readers.pdf import MAX_PDF_PAGES
from archive.readers.word_binary import ANTIWORD_MISSING, SOFFICE_MISSING, TOOL_TIMEOUT

__all__ = [
    "ANTIWORD_MISSING",
    "DOC",
    "DOCX",
    "KINDS",
    "MAX_PDF_PAGES",
    "MAX_ZIP_BYTES",
    "MAX_ZIP_DEPTH",
    "MAX_ZIP_MEMBERS",
    "PDF",
    "SOFFICE_MISSING",
    "TOOL_TIMEOUT",
    "UNKNOWN",
    "WPS",
    "XLS",
    "XLSX",
    "ZIP",
    "DocumentText",
    "document_text",
    "kind_of",
]

Reader = Callable[[bytes, str], tuple[str | None, str]]  # (body, kind) -> (text, note)

_READERS: dict[str, Reader] = {
    PDF: pdf.pdf_text,
    DOCX: word_docx.docx_text,
    DOC: word_binary.word_text,
    WPS: word_binary.word_text,
    XLSX: spreadsheets.xlsx_text,
    XLS: spreadsheets.xls_text,
}


@dataclass(frozen=True)
class DocumentText:
    text: str | None  # None when the format could not be read
    kind: str  # one of KINDS
    note: str  # "" or why not / what was left out


def document_text(body: bytes, content_type: str | None, url: str) -> DocumentText:
    """The text of an attachment; never raises on bad bytes (see the module docstring)."""
    kind = kind_of(body, content_type, url)
    return _read(kind, body, archives.new_budget())


def _read(kind: str, body: bytes, budget: Budget) -> DocumentText:
    """`body` read as `kind`; a ZIP's members come back here, sharing the ZIP's budget."""
    if is_encrypted_office(body):
        return DocumentText(None, kind, "encrypted: password-protected Office file")
    reader = _reader(kind, budget)
    if reader is None:
        return DocumentText(None, kind, "unrecognised format")
    try:
        text, note = reader(body, kind)
    except Exception as exc:  # a reader library choking on hostile bytes must not stop a cycle
        text, note = None, f"unreadable {kind.upper()}: {describe(exc)}"
    return DocumentText(text, kind, note)


def _reader(kind: str, budget: Budget) -> Reader | None:
    """The reader for `kind`; the ZIP reader is given the budget and this dispatch to recurse."""
    if kind == ZIP:
        return lambda body, kind: archives.zip_text(body, kind, budget, _read)
    return _READERS.get(kind)
