"""ZIP text: each member read as a document of its own, under a `== name ==` line.

A ZIP is the one format whose content is other documents, so its reader is handed the dispatch
(`read`) rather than importing it. What it may read is bounded by a `Budget` shared with the ZIPs
inside it — in member count and uncompressed size, since a member's declared size may lie (zip
bombs), and in nesting depth; whatever is left out is named in the note, with the reason.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.readers.kinds import UNKNOWN, ZIP, kind_of
from archive.readers.output import describe

if TYPE_CHECKING:
    from archive.documents import DocumentText

MAX_ZIP_MEMBERS = 100  # files read from one archive, nested archives included
MAX_ZIP_BYTES = 200 * 2**20  # uncompressed bytes read from one archive, nested included
MAX_ZIP_DEPTH = 2  # a zip inside a zip is read; one level deeper is not


@dataclass
class Budget:
    """What a ZIP (with the ZIPs inside it) may still read."""

    members: int
    size: int
    depth: int = 0


def new_budget() -> Budget:
    """A fresh budget for one attachment, at the limits above."""
    return Budget(MAX_ZIP_MEMBERS, MAX_ZIP_BYTES)


Read = Callable[[str, bytes, Budget], "DocumentText"]  # (kind, body, budget) -> its text


def zip_text(body: bytes, kind: str, budget: Budget, read: Read) -> tuple[str | None, str]:
    """Each member's text under a `== name ==` line; the note says what was left out and why."""
    parts: list[str] = []
    notes: list[str] = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        for info in members:
            data = _take(archive, info, budget, notes)
            if data is not None:
                parts.extend(_member(data, _member_name(info), budget, notes, read))
    if not members:
        return None, "empty archive"
    if not parts:
        return None, "no readable member: " + "; ".join(notes)
    return "\n".join(parts), "; ".join(notes)


def _take(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, notes: list[str]):
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
        notes.append(f"{name}: {describe(exc)}")
        return None
    if len(data) > budget.size:
        budget.size = 0
        notes.append(f"{name}: not read, over the limit of {limit}")
        return None
    budget.size -= len(data)
    return data


def _member(data: bytes, name: str, budget: Budget, notes: list[str], read: Read) -> list[str]:
    """A member's text under its name (none if unreadable); its note joins the archive's."""
    kind = kind_of(data, None, name)
    if kind == UNKNOWN:
        notes.append(f"{name}: not a document format read here")
        return []
    if kind == ZIP and budget.depth + 1 >= MAX_ZIP_DEPTH:
        notes.append(f"{name}: archive nested too deep, not read")
        return []
    budget.depth += 1
    try:
        result = read(kind, data, budget)
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
