"""A .doc or .xls that is not an Office binary: Word/Excel "save as web page" HTML or MHT.

Agencies upload these under Office names, so they are read as the web pages they are, with
`archive.text` (which finds the main text of a page), and the note says what they really were.
"""

from __future__ import annotations

import email

from archive.text import report_text


def saved_html_text(body: bytes, kind: str) -> tuple[str | None, str]:
    """The page's text if `body` is HTML or MHT; else None and the bytes it starts with."""
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
    """The HTML part of a MIME web archive, re-labelled UTF-8 when it declares a charset."""
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
