"""DOC and WPS (OLE2 Word binary) text with `antiword`, else LibreOffice.

Neither is a Python library: `antiword` is the Debian package antiword (`make system-deps`),
LibreOffice is hundreds of MB and optional. Both run without a shell in a throwaway directory,
their process group killed on timeout; a missing tool gives a note naming the package to install.
Kingsoft's .wps is Word's format. An RTF file saved as .doc goes to LibreOffice; an HTML one is a
saved web page.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from archive.readers.kinds import OLE
from archive.readers.output import describe, lines
from archive.readers.saved_html import saved_html_text

TOOL_TIMEOUT = 120.0  # seconds for one antiword / LibreOffice run
ANTIWORD_MISSING = "antiword is not installed: apt-get install antiword (or make system-deps)"
SOFFICE_MISSING = "LibreOffice is not installed: apt-get install libreoffice-writer-nogui"


def word_text(body: bytes, kind: str) -> tuple[str | None, str]:
    """antiword's text, else LibreOffice's; the note says why each tool tried gave nothing."""
    if not body.startswith(OLE):
        if body.lstrip()[:5] == b"{\\rtf":
            return _with_soffice(body, "rtf", "RTF saved as .doc")
        return saved_html_text(body, kind)
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
    rows = done.stdout.decode("utf-8", "replace").splitlines()
    return lines(_antiword_row(row) for row in rows), ""


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
        return lines(output.read_text("utf-8-sig", "replace").splitlines()), ""


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
        return f"could not start: {describe(exc)}"
    try:
        stdout, stderr = process.communicate(timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return f"timed out after {TOOL_TIMEOUT:g} s"
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
