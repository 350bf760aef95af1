"""PDF text with pdfplumber, page by page.

A page with images but no text layer is a scan: it reads as "" and the note says it needs OCR,
which Gongkai does not do. A page pdfminer cannot parse is skipped and named in the note, so one
broken page does not cost the rest of the report.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from archive.readers.output import describe, lines

MAX_PDF_PAGES = 1000
_SCANNED = "scanned PDF: no text layer (needs OCR)"


@dataclass
class _Pages:
    """What reading a PDF's pages gave: their texts, and which pages were scans or unreadable."""

    total: int
    texts: list[str] = field(default_factory=list)
    scanned: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def pdf_text(body: bytes, kind: str) -> tuple[str | None, str]:
    """The PDF's text and a note (scanned, unreadable or unread pages; unmapped glyphs)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(body))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            return None, "encrypted: the PDF needs a password to open"
        return None, f"unreadable PDF: {describe(cause)}"
    with pdf:
        pages = _read_pages(pdf.pages)
    return _text_and_note(pages)


def _read_pages(all_pages: list) -> _Pages:
    """The text of the first MAX_PDF_PAGES pages, each page's layout dropped once read."""
    pages = _Pages(total=len(all_pages))
    for number, page in enumerate(all_pages[:MAX_PDF_PAGES], start=1):
        try:
            text = page.extract_text() or ""
            if not text.strip() and page.images:
                pages.scanned.append(number)
        except Exception:
            pages.failed.append(number)
            continue
        finally:
            page.close()  # drop the page's cached layout objects
        pages.texts.append(text)
    return pages


def _text_and_note(pages: _Pages) -> tuple[str | None, str]:
    """The pages' text, or None when no page could be parsed, with what the reader should know."""
    text = lines(pages.texts)
    if not pages.total:
        return "", "PDF has no pages"
    notes = []
    if not text:
        if len(pages.failed) == pages.total:
            return None, f"unreadable PDF: no page could be parsed ({pages.total} pages)"
        layer = _SCANNED if pages.scanned else "PDF has no text layer (needs OCR if it is a scan)"
        notes.append(layer)
    elif pages.scanned:
        notes.append(f"pages without a text layer (scanned, need OCR): {_numbers(pages.scanned)}")
    if pages.failed:
        notes.append(f"unreadable pages: {_numbers(pages.failed)}")
    if pages.total > MAX_PDF_PAGES:
        notes.append(f"only the first {MAX_PDF_PAGES} of {pages.total} pages read")
    unmapped = text.count("(cid:")
    if unmapped:
        notes.append(f"{unmapped} glyphs have no Unicode mapping and read as (cid:N)")
    return text, "; ".join(notes)


def _numbers(numbers: list[int]) -> str:
    """Page numbers for a note: the first 20, then how many in all."""
    shown = ", ".join(map(str, numbers[:20]))
    return shown + (f" … ({len(numbers)} in all)" if len(numbers) > 20 else "")
