"""Which format an attachment is: judged by its bytes first, then the Content-Type, then the URL.

Sites serve PDFs as `application/octet-stream`, .doc downloads that are really DOCX, and "Word"
files that are HTML saved with a .doc name, so the server's and the URL's claims are only hints:
the magic bytes (`%PDF`, a ZIP's members, an OLE2 file's streams) decide whenever they can.
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote, urlsplit

PDF, DOCX, DOC, WPS, XLSX, XLS, ZIP, UNKNOWN = (
    "pdf",
    "docx",
    "doc",
    "wps",
    "xlsx",
    "xls",
    "zip",
    "unknown",
)
KINDS = (PDF, DOCX, DOC, WPS, XLSX, XLS, ZIP, UNKNOWN)

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file: .doc, .wps, .xls
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # a password-protected DOCX/XLSX
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_EXCEL_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))

_CONTENT_TYPES = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/msword": DOC,
    "application/vnd.ms-word": DOC,
    "application/kswps": WPS,
    "application/wps-office.wps": WPS,
    "application/vnd.ms-works": WPS,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX,
    "application/vnd.ms-excel": XLS,
    "application/zip": ZIP,
    "application/x-zip-compressed": ZIP,
    "application/x-zip": ZIP,
}
_EXTENSIONS = {
    "pdf": PDF,
    "docx": DOCX,
    "doc": DOC,
    "wps": WPS,
    "xlsx": XLSX,
    "xls": XLS,
    "et": XLS,  # Kingsoft spreadsheet, Excel-compatible binary
    "zip": ZIP,
}
_EXTENSION_IN_URL = re.compile(r"\.(pdf|docx|doc|wps|xlsx|xls|et|zip)(?![a-z0-9])", re.I)


def kind_of(body: bytes, content_type: str | None, url: str) -> str:
    """The format of `body`: magic bytes first, then the Content-Type, then the URL's extension."""
    hint = _hint(content_type, url)
    if body.startswith(b"%PDF") or b"%PDF-" in body[:1024]:
        return PDF
    if body[:4] in _ZIP:
        return _zip_kind(body, hint)
    if body.startswith(OLE):
        return _ole_kind(body, hint)
    return hint or UNKNOWN


def is_encrypted_office(body: bytes) -> bool:
    """A password-protected Office file: an OLE2 wrapper around an encrypted package."""
    return body.startswith(OLE) and ENCRYPTED_STREAM in body


def _hint(content_type: str | None, url: str) -> str | None:
    """What the server and the URL claim the format is."""
    if content_type:
        claimed = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if claimed:
            return claimed
    try:
        path = unquote(urlsplit(url).path) if url else ""
    except ValueError:  # e.g. a malformed IPv6 host
        path = ""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    found = _EXTENSION_IN_URL.findall(unquote(url or ""))  # download.jsp?file=报告.doc
    return _EXTENSIONS[found[-1].lower()] if found else None


def _zip_kind(body: bytes, hint: str | None) -> str:
    """A ZIP container: an Office package (DOCX, XLSX) by its members, else an archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = archive.namelist()
    except Exception:  # truncated or damaged: zipfile raises several kinds
        return hint if hint in (DOCX, XLSX, ZIP) else ZIP
    if "[Content_Types].xml" in names or "mimetype" in names:  # an office package
        if any(name.startswith("word/") for name in names):
            return DOCX
        if any(name.startswith("xl/") for name in names):
            return XLSX
        return UNKNOWN  # .pptx, .odt, OFD …: not a report format read here
    return ZIP


def _ole_kind(body: bytes, hint: str | None) -> str:
    """An OLE2 compound file: Word, Excel, or a password-protected DOCX/XLSX, by stream names."""
    if ENCRYPTED_STREAM in body:
        return hint if hint in (DOCX, XLSX, DOC, XLS, WPS) else UNKNOWN
    word = _WORD_STREAM in body
    excel = any(stream in body for stream in _EXCEL_STREAMS)
    if word and excel:  # one embeds the other (an OLE object): believe the server or the URL
        return hint if hint in (DOC, WPS, XLS) else DOC
    if word:
        return WPS if hint == WPS else DOC
    if excel:
        return XLS
    return hint if hint in (DOC, WPS, XLS) else UNKNOWN
