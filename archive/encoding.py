"""Bytes of an HTML page → correct Chinese text, and the codec that produced it.

Disclosure sites mix UTF-8 (newer templates) with GBK/GB2312 (older ones), many servers send no
charset header, and error pages claim ISO-8859-1 (domain notes §2.8).  Decoding follows the
browser's order — byte-order mark, HTTP header, ``<meta>`` in the first 4 KB, then a sniff — with
three repairs that matter for Chinese pages:

* every GB label (gb2312, gbk, x-gbk, cp936, gb_2312-80, gb18030) decodes as **gb18030**, the
  superset, so rare characters outside GB2312 are not lost;
* a Latin-1/ASCII header is not trusted when the body declares a charset in ``<meta>`` or is
  plainly UTF-8/GB18030 Chinese text;
* a declared charset that does not decode the body strictly (a server that says utf-8 and sends
  GBK) yields to the next candidate instead of producing mojibake.

This module is part of ``archive`` and never imports Scrapy.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["NOT_XML", "codec_for", "declared_charset", "decode_html", "xml_safe"]

META_SCAN_BYTES = 4096

_GB_LABELS = frozenset(
    {
        "gb2312", "gb_2312", "gb_2312-80", "gb2312-80", "gb231280", "csgb2312", "iso-ir-58",
        "chinese", "csiso58gb231280", "euc-cn", "euccn", "x-euc-cn", "gbk", "x-gbk", "cp936",
        "ms936", "windows-936", "936", "gb18030", "gb-18030",
    }
)  # fmt: skip
# Codecs whose claim is weak: error pages and default server configs say these falsely.
_LATIN = frozenset({"iso8859-1", "ascii", "cp1252", "latin-1"})
# Not for HTML: utf-7 is an XSS vector; the others turn escapes or domain names into text, or
# ("undefined") raise even with errors="replace".
_REFUSED = frozenset(
    {"utf-7", "undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape"}
)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (b"\x84\x31\x95\x33", "gb18030"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
# A <meta …> tag up to its ">" — or up to the next "<" when the ">" is missing.
_META_TAG = re.compile(r"<meta\b[^<>]*", re.IGNORECASE)
_XML_DECL = re.compile(r"""^\s*<\?xml[^>]*encoding\s*=\s*["']?([A-Za-z0-9._:\-]+)""", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def codec_for(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when the label is unknown or refused.

    GB labels become gb18030; UTF-16/32 labels inside an HTML document mean UTF-8 (an actual
    UTF-16 page has a BOM, handled before any label is read), as browsers do.
    """
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _GB_LABELS:
        return "gb18030"
    if name.startswith(("utf-16", "utf16", "utf-32", "utf32", "unicode")):
        return "utf-8"
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    return "gb18030" if info.name in _GB_LABELS else info.name


def _bom(body: bytes) -> tuple[str, int] | None:
    for mark, codec in _BOMS:
        if body.startswith(mark):
            return codec, len(mark)
    return None


def _header_codec(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return codec_for(match.group(1)) if match else None


def _meta_codec(body: bytes) -> str | None:
    """The first known charset declared by a <meta> tag (or XML declaration) in the head."""
    head = _COMMENT.sub("", body[:META_SCAN_BYTES].decode("latin-1"))
    for tag in _META_TAG.findall(head):
        match = _CHARSET.search(tag)
        codec = codec_for(match.group(1)) if match else None
        if codec:
            return codec
    xml = _XML_DECL.match(head)
    return codec_for(xml.group(1)) if xml else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_chinese_as(body: bytes, codec: str) -> bool:
    text = _strict(body, codec)
    return text is not None and _CJK.search(text) is not None


def _declared(body: bytes, content_type: str | None) -> list[str]:
    """Trusted declarations, most authoritative first (header, then meta)."""
    header, meta = _header_codec(content_type), _meta_codec(body)
    if header in _LATIN and (
        meta or _is_chinese_as(body, "utf-8") or _is_chinese_as(body, "gb18030")
    ):
        header = None
    return [codec for codec in (header, meta) if codec]


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset the response trustworthily declares, as a Python codec name, or None.

    Order: BOM, then the HTTP Content-Type charset, then a ``<meta>`` charset in the first 4 KB.
    Unknown labels are ignored; a Latin-1 header is dropped when the body says or shows otherwise.
    """
    bom = _bom(body)
    if bom:
        return bom[0]
    declared = _declared(body, content_type)
    return declared[0] if declared else None


def _candidates(body: bytes, content_type: str | None) -> list[str]:
    """Codecs to try in order: declarations, then the UTF-8 / GB18030 sniff, without repeats.

    Valid UTF-8 that reads as Chinese goes ahead of a declared *legacy* charset: GBK text is
    practically never valid UTF-8, while templates moved to UTF-8 often keep an old gb2312 meta.
    """
    order = _declared(body, content_type)
    if order and order[0] != "utf-8" and _is_chinese_as(body, "utf-8"):
        order.insert(0, "utf-8")
    order += ["utf-8", "gb18030"]
    return list(dict.fromkeys(order))


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML response body; return (text, codec name used).

    Always returns text: when no candidate decodes strictly, the one that needs the fewest
    replacement characters is used with ``errors="replace"``.
    """
    bom = _bom(body)
    if bom:
        codec, skip = bom
        return body[skip:].decode(codec, errors="replace"), codec
    candidates = _candidates(body, content_type)
    for codec in candidates:
        text = _strict(body, codec)
        if text is not None:
            return text, codec
    decoded = [(body.decode(codec, errors="replace"), codec) for codec in candidates]
    return min(decoded, key=lambda pair: pair[0].count("\ufffd"))


# C0 controls other than tab, LF and CR, and the two non-characters: XML 1.0 forbids them, so
# lxml refuses any string holding one when a tree is changed (drop_tree, a new tail), and the
# Atom feed must not carry one. As a str.translate table that deletes them (archive/feed.py).
NOT_XML = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])
_NOT_XML = re.compile("[" + "".join(map(chr, NOT_XML)) + "]")


def xml_safe(text: str) -> str:
    """`text` without the control characters XML cannot hold (Word-pasted pages carry NULs,
    vertical tabs and form feeds); vertical tabs and form feeds, Word's line and page breaks,
    become spaces, the rest go. Invisible in a browser, so no text a reader sees is lost."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)
