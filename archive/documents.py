"""The text of a report attachment: PDF, DOCX, DOC, WPS, XLSX, XLS, or a ZIP of those.

Many agencies publish the annual report only as a download (domain notes §0 fact 7, §5). Like
`archive.text`, these are pure functions of the archived bytes, so they can be re-run over the
whole archive when a reader improves; nothing here raises on bad input — a file that cannot be
read gives `text=None` and a `note` saying why (a missing tool names the apt package to install).

The format is judged by the bytes first (`%PDF`, a ZIP's members, an OLE2 file's streams), then
the Content-Type, then the URL's extension: sites serve PDFs as `application/octet-stream`, .doc
downloads that are really DOCX, and "Word" files that are HTML saved with a .doc name.

| kind | read with |
|---|---|
| pdf | pdfplumber, page by page; no text layer (a scan) gives "" and a note: OCR is out of scope |
| docx | python-docx: paragraphs and table rows in document order (the tables hold the statistics) |
| xlsx / xls | openpyxl / xlrd: one line per row, cells separated by tabs |
| doc / wps | `antiword` (Debian package antiword: `make system-deps`), else LibreOffice |
| zip | the members above, bounded in count and size (zip bombs), nested zips to a fixed depth |

Lines are whitespace-normalised and blank lines dropped; table cells are joined with a tab.
"""

from __future__ import annotations

import email
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from archive.text import report_text

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

MAX_PDF_PAGES = 1000
MAX_ZIP_MEMBERS = 100  # files read from one archive, nested archives included
MAX_ZIP_BYTES = 200 * 2**20  # uncompressed bytes read from one archive, nested included
MAX_ZIP_DEPTH = 2  # a zip inside a zip is read; one level deeper is not
TOOL_TIMEOUT = 120.0  # seconds for one antiword / LibreOffice run

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_EXCEL_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

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

ANTIWORD_MISSING = "antiword is not installed: apt-get install antiword (or make system-deps)"
SOFFICE_MISSING = "LibreOffice is not installed: apt-get install libreoffice-writer-nogui"
_SCANNED = "scanned PDF: no text layer (needs OCR)"


@dataclass(frozen=True)
class DocumentText:
    text: str | None  # None when the format could not be read
    kind: str  # one of KINDS
    note: str  # "" or why not / what was left out


def kind_of(body: bytes, content_type: str | None, url: str) -> str:
    """The format of `body`: magic bytes first, then the Content-Type, then the URL's extension."""
    hint = _hint(content_type, url)
    if body.startswith(b"%PDF") or b"%PDF-" in body[:1024]:
        return PDF
    if body[:4] in _ZIP:
        return _zip_kind(body, hint)
    if body.startswith(_OLE):
        return _ole_kind(body, hint)
    return hint or UNKNOWN


def document_text(body: bytes, content_type: str | None, url: str) -> DocumentText:
    """The text of an attachment; never raises on bad bytes (see the module docstring)."""
    kind = kind_of(body, content_type, url)
    return _read(kind, body, _Budget(MAX_ZIP_MEMBERS, MAX_ZIP_BYTES))


# ---- format detection -------------------------------------------------------------------------


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
    if _ENCRYPTED_STREAM in body:
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


# ---- dispatch ---------------------------------------------------------------------------------


@dataclass
class _Budget:
    """What a ZIP (with the ZIPs inside it) may still read."""

    members: int
    size: int
    depth: int = 0


def _read(kind: str, body: bytes, budget: _Budget) -> DocumentText:
    if body.startswith(_OLE) and _ENCRYPTED_STREAM in body:
        return DocumentText(None, kind, "encrypted: password-protected Office file")
    reader = _READERS.get(kind)
    if reader is None:
        return DocumentText(None, kind, "unrecognised format")
    try:
        text, note = reader(body, kind, budget)
    except Exception as exc:  # a reader library choking on hostile bytes must not stop a cycle
        text, note = None, f"unreadable {kind.upper()}: {_describe(exc)}"
    return DocumentText(text, kind, note)


def _describe(exc: BaseException) -> str:
    message = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _lines(lines) -> str:
    """One line per paragraph / table row: whitespace collapsed, tab-separated cells, no blanks."""
    out = []
    for line in lines:
        for part in str(line).replace("\x00", "").splitlines():
            cells = [" ".join(cell.split()) for cell in part.split("\t")]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                out.append("\t".join(cells))
    return "\n".join(out)


# ---- PDF --------------------------------------------------------------------------------------


def _pdf(body: bytes, kind: str, budget: _Budget) -> tuple[str | None, str]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(body))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            return None, "encrypted: the PDF needs a password to open"
        return None, f"unreadable PDF: {_describe(cause)}"
    pages, scanned, failed = [], [], []
    with pdf:
        all_pages = pdf.pages
        for number, page in enumerate(all_pages[:MAX_PDF_PAGES], start=1):
            try:
                text = page.extract_text() or ""
                if not text.strip() and page.images:
                    scanned.append(number)
            except Exception:
                failed.append(number)
                continue
            finally:
                page.close()  # drop the page's cached layout objects
            pages.append(text)
        total = len(all_pages)
    text = _lines(pages)
    notes = []
    if not total:
        return "", "PDF has no pages"
    if not text:
        if len(failed) == total:
            return None, f"unreadable PDF: no page could be parsed ({total} pages)"
        notes.append(_SCANNED if scanned else "PDF has no text layer (needs OCR if it is a scan)")
    elif scanned:
        notes.append(f"pages without a text layer (scanned, need OCR): {_numbers(scanned)}")
    if failed:
        notes.append(f"unreadable pages: {_numbers(failed)}")
    if total > MAX_PDF_PAGES:
        notes.append(f"only the first {MAX_PDF_PAGES} of {total} pages read")
    unmapped = text.count("(cid:")
    if unmapped:
        notes.append(f"{unmapped} glyphs have no Unicode mapping and read as (cid:N)")
    return text, "; ".join(notes)


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:20]))
    return shown + (f" … ({len(numbers)} in all)" if len(numbers) > 20 else "")


# ---- DOCX -------------------------------------------------------------------------------------


def _docx(body: bytes, kind: str, budget: _Budget) -> tuple[str | None, str]:
    import docx

    document = docx.Document(io.BytesIO(body))
    return _lines(_blocks(document.element.body, document)), ""


def _blocks(element, parent):
    """Paragraph texts and table rows under `element`, in document order."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent).text
        elif child.tag == qn("w:tbl"):
            yield from _table_rows(child, parent)
        elif child.tag in (qn("w:sdt"), qn("w:customXml"), qn("w:sdtContent")):
            yield from _blocks(child, parent)  # content controls wrap ordinary blocks


def _table_rows(table, parent):
    """One tab-separated line per row; a vertically merged cell is read once, where it starts."""
    from docx.oxml.ns import qn

    for row in table.iter(qn("w:tr")):
        if row.getparent() is not table and row.getparent().getparent() is not table:
            continue  # a row of a nested table: read as part of its cell
        cells = []
        for cell in row.iter(qn("w:tc")):
            if _owner_row(cell) is not row:
                continue
            merge = cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            if merge is not None and merge.get(qn("w:val")) in (None, "continue"):
                continue
            cells.append(" ".join(_blocks(cell, parent)))
        yield "\t".join(" ".join(text.split()) for text in cells)


def _owner_row(cell):
    from docx.oxml.ns import qn

    node = cell.getparent()
    while node is not None and node.tag != qn("w:tr"):
        node = node.getparent()
    return node


# ---- spreadsheets -----------------------------------------------------------------------------


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


def _xlsx(body: bytes, kind: str, budget: _Budget) -> tuple[str | None, str]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        sheets = book.worksheets
        lines = []
        for sheet in sheets:
            if len(sheets) > 1:
                lines.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                lines.append("\t".join(_cell(value) for value in row))
    finally:
        book.close()
    return _lines(lines), ""


def _xls(body: bytes, kind: str, budget: _Budget) -> tuple[str | None, str]:
    if not body.startswith(_OLE):
        return _not_binary(body, kind)
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=body, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            return None, "encrypted: the workbook needs a password"
        raise
    try:
        lines = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if book.nsheets > 1:
                lines.append(sheet.name)
            for r in range(sheet.nrows):
                lines.append("\t".join(_xls_cell(book, cell) for cell in sheet.row(r)))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return _lines(lines), ""


def _xls_cell(book, cell) -> str:
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


# ---- DOC / WPS (OLE2 Word binary) -------------------------------------------------------------


def _word_binary(body: bytes, kind: str, budget: _Budget) -> tuple[str | None, str]:
    if not body.startswith(_OLE):
        if body.lstrip()[:5] == b"{\\rtf":
            return _with_soffice(body, "rtf", "RTF saved as .doc")
        return _not_binary(body, kind)
    tried = []
    if shutil.which("antiword"):
        text, why = _antiword(body)
        if text is not None:
            return text, ""
        tried.append(why)
    else:
        tried.append(ANTIWORD_MISSING)
    if _soffice():
        text, why = _libreoffice(body, "doc")  # Kingsoft .wps is Word's format; a .wps name
        # would make LibreOffice try its Microsoft Works filter
        if text is not None:
            return text, ""
        tried.append(why)
    return None, "; ".join(tried)


def _antiword(body: bytes) -> tuple[str | None, str]:
    """antiword with the UTF-8 mapping: Word 97–2003 text, Chinese included, one line per paragraph.

    `-m UTF-8.txt` makes the output UTF-8 whatever the locale (the default mapping follows the
    locale, and under C/POSIX every Chinese character becomes "?"); `-w 0` keeps each paragraph
    on one line instead of wrapping at 76 columns.
    """
    with tempfile.TemporaryDirectory(prefix="gongkai-doc-") as tmp:
        path = Path(tmp, "document.doc")
        path.write_bytes(body)
        done = _run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)], tmp)
    if isinstance(done, str):
        return None, f"antiword {done}"
    if done.returncode != 0:
        error = " ".join(done.stderr.decode("utf-8", "replace").replace(str(path), "").split())
        if "encrypt" in error.lower():
            return None, "encrypted: the Word file needs a password"
        return None, f"antiword failed ({done.returncode}): {error[:200]}"
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return _lines(_antiword_row(line) for line in lines), ""


def _antiword_row(line: str) -> str:
    """antiword prints a table row as `|cell  |cell  |`: make it tab-separated like the others."""
    line = line.strip()
    if len(line) > 1 and line[0] == "|" and line[-1] == "|":
        return "\t".join(line[1:-1].split("|"))
    return line


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _with_soffice(body: bytes, suffix: str, what: str) -> tuple[str | None, str]:
    if not _soffice():
        return None, f"{what}: {SOFFICE_MISSING}"
    return _libreoffice(body, suffix)


def _libreoffice(body: bytes, suffix: str) -> tuple[str | None, str]:
    """LibreOffice headless → UTF-8 text, with a throwaway profile (no clash with a running one)."""
    with tempfile.TemporaryDirectory(prefix="gongkai-soffice-") as tmp:
        path = Path(tmp, f"document.{suffix}")
        path.write_bytes(body)
        command = [
            _soffice() or "soffice",
            f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            str(Path(tmp, "out")),
            str(path),
        ]
        done = _run(command, tmp)
        output = Path(tmp, "out", "document.txt")
        if isinstance(done, str):
            return None, f"LibreOffice {done}"
        if not output.exists():
            error = " ".join(done.stderr.decode("utf-8", "replace").split())[:200]
            return None, f"LibreOffice could not convert the file: {error or 'no output'}"
        return _lines(output.read_text("utf-8-sig", "replace").splitlines()), ""


def _run(command: list[str], cwd: str) -> subprocess.CompletedProcess | str:
    """Run without a shell, in `cwd`, killing the whole process group on timeout."""
    env = {**os.environ, "HOME": cwd}  # LibreOffice and antiword look for per-user files there
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return f"could not start: {_describe(exc)}"
    try:
        stdout, stderr = process.communicate(timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return f"timed out after {TOOL_TIMEOUT:g} s"
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _not_binary(body: bytes, kind: str) -> tuple[str | None, str]:
    """A .doc/.xls that is not OLE2: Word/Excel "save as web page" HTML or MHT, else unreadable."""
    head = body[:8192].lower()
    if head.lstrip().startswith(b"mime-version:") or b"multipart/related" in head:
        html = _mht_html(body)
        if html is not None:
            return report_text(html, "text/html"), f"web archive (MHT) saved as .{kind}"
    if b"<html" in head or b"urn:schemas-microsoft-com:office:" in head:
        return report_text(body, "text/html"), f"HTML saved as .{kind}"
    start = body[:8].hex(" ") if body else "nothing"
    return None, f"not a .{kind} file (the bytes start with {start})"


def _mht_html(body: bytes) -> bytes | None:
    message = email.message_from_bytes(body)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset()
                if charset:  # report_text decodes by the <meta> charset; make it agree
                    payload = payload.decode(charset, "replace").encode("utf-8")
                    return b'<meta charset="utf-8">' + payload
                return payload
    return None


# ---- ZIP --------------------------------------------------------------------------------------


def _zip(body: bytes, kind: str, budget: _Budget) -> tuple[str | None, str]:
    """Each member's text under a `== name ==` line; the note says what was left out and why."""
    parts: list[str] = []
    notes: list[str] = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        for info in members:
            data = _take(archive, info, budget, notes)
            if data is not None:
                parts.extend(_member(data, _member_name(info), budget, notes))
    if not members:
        return None, "empty archive"
    if not parts:
        return None, "no readable member: " + "; ".join(notes)
    return "\n".join(parts), "; ".join(notes)


def _take(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, notes: list[str]):
    """The member's bytes, or None (with a note) when it is encrypted or over the limits."""
    name = _member_name(info)
    limit = f"{MAX_ZIP_MEMBERS} files / {MAX_ZIP_BYTES // 2**20} MiB per archive"
    if budget.members <= 0 or budget.size <= 0:
        notes.append(f"{name}: not read, limit of {limit} reached")
        return None
    if info.flag_bits & 0x1:
        notes.append(f"{name}: encrypted")
        return None
    if info.file_size > budget.size:
        notes.append(f"{name}: not read, {info.file_size} bytes is over the limit of {limit}")
        return None
    budget.members -= 1
    try:
        with archive.open(info) as stream:
            data = stream.read(budget.size + 1)  # the size in the header may lie (zip bombs)
    except Exception as exc:
        notes.append(f"{name}: {_describe(exc)}")
        return None
    if len(data) > budget.size:
        budget.size = 0
        notes.append(f"{name}: not read, over the limit of {limit}")
        return None
    budget.size -= len(data)
    return data


def _member(data: bytes, name: str, budget: _Budget, notes: list[str]) -> list[str]:
    kind = kind_of(data, None, name)
    if kind == UNKNOWN:
        notes.append(f"{name}: not a document format read here")
        return []
    if kind == ZIP and budget.depth + 1 >= MAX_ZIP_DEPTH:
        notes.append(f"{name}: archive nested too deep, not read")
        return []
    budget.depth += 1
    try:
        result = _read(kind, data, budget)
    finally:
        budget.depth -= 1
    if result.note:
        notes.append(f"{name}: {result.note}")
    if result.text is None:
        return []
    return [f"== {name} ==", result.text] if result.text else [f"== {name} =="]


def _member_name(info: zipfile.ZipInfo) -> str:
    """Chinese archives name members in GBK without the UTF-8 flag; zipfile reads them as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


_READERS = {
    PDF: _pdf,
    DOCX: _docx,
    DOC: _word_binary,
    WPS: _word_binary,
    XLSX: _xlsx,
    XLS: _xls,
    ZIP: _zip,
}
