"""Table labels as printed → a form that can be compared, and prefix matching against aliases.

Real tables drift from the templates (domain notes §1.5): full-width and half-width punctuation
mix, Word paste inserts spaces and line breaks, numbering is "（一）", "(一)", "1." or "1、", and
labels grow parenthetical instructions ("规章（设区的市、自治州人民政府应提供相关数据）"). So a
label is normalised, then matched by prefix against the aliases of a template label, the longest
alias winning ("其他处理" beats "其他").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")

_NUMBERING = re.compile(
    r"^(?:"
    r"[一二三四五六七八九十]+[、.．]"  # 一、
    r"|\([一二三四五六七八九十]+\)[、.]?"  # （一）
    r"|\(\d+\)[、.]?"  # (1)
    r"|\d+(?:[、)]|\.(?!\d))"  # 1. 1、 1)
    r"|其中[:，,]?"  # 其中：
    r")"
)
_CIRCLED = re.compile(r"^\s*[\u2460-\u2473]")  # ①…⑳, before NFKC turns them into digits
_QUOTES = re.compile(r"[\"'“”‘’「」『』《》]")
_SPACE = re.compile(r"\s+")
# compact and normalise see the same labels and numbers in every report (~700 calls a report):
# remembered, a call is a dictionary lookup (-15 % of extraction's CPU). Bounded: a run over an
# archive of endless distinct labels holds ~10 MB of them at most.
_REMEMBERED = 1 << 14


def fold(text: str) -> str:
    """Full-width → half-width (NFKC), non-breaking and ideographic spaces → plain spaces."""
    return unicodedata.normalize("NFKC", text.replace("\xa0", " ").replace("\u3000", " "))


@lru_cache(maxsize=_REMEMBERED)
def compact(text: str) -> str:
    """Folded text with every space removed: Word paste splits words with them."""
    return _SPACE.sub("", fold(text))


@lru_cache(maxsize=_REMEMBERED)
def normalise(label: str) -> str:
    """The comparable form of a label: folded, spaces, quotes and leading numbering removed."""
    text = _QUOTES.sub("", compact(_CIRCLED.sub("", label)))
    while True:
        stripped = _NUMBERING.sub("", text, count=1)
        if stripped == text or not stripped:
            return stripped or text
        text = stripped


@lru_cache(maxsize=_REMEMBERED)  # every cell of every table: labels and numbers repeat
def tidy(raw: str) -> str:
    """A label as printed, with runs of whitespace (line breaks from Word paste) made one space."""
    return _SPACE.sub(" ", raw.replace("\xa0", " ").replace("\u3000", " ")).strip()


def best(label: str, candidates: Iterable[tuple[tuple[str, ...], T]]) -> T | None:
    """The candidate whose longest alias is a prefix of the normalised `label`, or None."""
    found, length = None, 0
    for aliases, item in candidates:
        for alias in aliases:
            if len(alias) > length and label.startswith(alias):
                found, length = item, len(alias)
    return found


def is_continuation(label: str) -> bool:
    """A piece that continues the label before it: a parenthetical ("（不同方式回应同一热点或舆情
    计1次）") or the rest of one wrapped onto the next line ("政府应提供相关数据）")."""
    text = compact(label)
    if text.startswith("("):
        return _NUMBERING.match(text) is None
    close = text.find(")")
    return close >= 0 and "(" not in text[:close]


def pieces(text: str) -> list[str]:
    """The cells a line of PDF text joins with spaces; a lone "（一）" stays with what follows."""
    out: list[str] = []
    for part in text.split():
        if out and _NUMBERING.fullmatch(compact(out[-1])):
            out[-1] += part
        else:
            out.append(part)
    return out


_INNER_NUMBERING = re.compile(r"(?<=.)(?=\([一二三四五六七八九十]+\)|(?<![\d.])\d+\.(?!\d))")


def last_numbered(label: str) -> str:
    """The part of a normalised label from its last inner numbering on: two cells run together
    ("本年度办理结果(一)予以公开" → "予以公开"), or the label itself."""
    parts = _INNER_NUMBERING.split(label)
    return normalise(parts[-1]) if len(parts) > 1 else label
