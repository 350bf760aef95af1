"""What every reader hands back: text as normalised lines, and notes that fit on one line."""

from __future__ import annotations

from collections.abc import Iterable


def lines(rows: Iterable[object]) -> str:
    """One line per paragraph / table row: whitespace collapsed, tab-separated cells, no blanks."""
    out = []
    for line in rows:
        for part in str(line).replace("\x00", "").splitlines():
            cells = [" ".join(cell.split()) for cell in part.split("\t")]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                out.append("\t".join(cells))
    return "\n".join(out)


def describe(exc: BaseException, limit: int = 200) -> str:
    """An exception as a short note on one line: its type and the first `limit` characters of
    its message."""
    message = " ".join(str(exc).split())[:limit]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
