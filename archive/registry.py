"""The registry: real agencies' report columns, shipped as data (`archive/registry.csv`).

Each row names an agency, its level (central, provincial, city, county, department), its
region (the province, or 中央), the URL of its report column (or of its 信息公开 home, for the
spider to find the column from), where that URL came from (`provenance`), and `status`:
`unverified` for every entry, since none was crawled from this project's machines. A user opts
in with one line, `[include] sources = ["registry:central", "registry:广东省"]`, or imports the
file with `scheduler.py import archive/registry.csv`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from archive.config import ConfigError, Source
from archive.sources_file import canonical, origins

PATH = Path(__file__).with_name("registry.csv")
LEVELS = ("central", "provincial", "city", "county", "department")
COLUMNS = ("id", "agency", "level", "region", "url", "provenance", "confidence", "status", "notes")
PREFIX = "registry:"


@dataclass(frozen=True)
class Entry:
    id: str
    agency: str
    level: str
    region: str
    url: str
    provenance: str
    confidence: str
    status: str
    notes: str

    def source(self) -> Source:
        note = f"registry ({self.level}, {self.region}, {self.status}): {self.provenance}"
        return Source(id=self.id, agency=self.agency, start_urls=(self.url,), notes=note)


@cache
def entries(path: Path = PATH) -> tuple[Entry, ...]:
    """Every registry entry, as the file holds them."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ConfigError(f"{path}:1: registry columns must be {','.join(COLUMNS)}")
        return tuple(Entry(**{k: (row[k] or "").strip() for k in COLUMNS}) for row in reader)


def select(selector: str, where: str = "[include]") -> tuple[Entry, ...]:
    """The entries a selector names: `registry:all`, `registry:<level>` or
    `registry:<region>` (a province as written in the registry, e.g. 广东省, or 中央)."""
    if not selector.startswith(PREFIX):
        raise ConfigError(
            f"{where}: {selector!r} is not a registry selection (write registry:<level>, "
            "registry:<region> or registry:all)"
        )
    name = selector[len(PREFIX) :].strip()
    found = tuple(e for e in entries() if name in ("all", e.level, e.region))
    if not found:
        regions = sorted({e.region for e in entries()})
        raise ConfigError(
            f"{where}: {selector!r} selects no registry entry (levels: {', '.join(LEVELS)}; "
            f"regions: {', '.join(regions)})"
        )
    return found


def sources(selectors: tuple[str, ...], own: tuple[Source, ...]) -> tuple[Source, ...]:
    """The selected entries as sources, in registry order, each once. A source of the user's
    own with the same id or start URL (or `add`ed from the entry's URL) takes an entry's
    place: theirs is the one watched."""
    ids = {s.id for s in own}
    urls = {canonical(u) for s in own for u in (*s.start_urls, *origins(s))}
    picked: dict[str, Source] = {}
    for selector in selectors:
        for entry in select(selector):
            if entry.id in ids or canonical(entry.url) in urls or entry.id in picked:
                continue
            picked[entry.id] = entry.source()
    return tuple(picked.values())
