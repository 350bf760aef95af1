"""Discovery notes: what the spider recognised and rejected, for `scheduler.py check`.

Written as JSON lines to the file named by the GONGKAI_NOTES setting (nothing when unset), so
a user adding an agency can see the family, the pagination, and every entry skipped with why.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from crawler.families import Entry, ListRequest


class DiscoveryNotes:
    def __init__(self, path: str | None, logger: logging.LoggerAdapter | logging.Logger) -> None:
        self.file = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115
        self.logger = logger

    def rejected(self, source_id: str, list_url: str, entry: Entry, reason: str) -> None:
        self.logger.debug("%s: skipped %r: %s", source_id, entry.text, reason)
        self._write(source=source_id, note="rejected", list_url=list_url, url=entry.url,
                    text=entry.text, reason=reason)  # fmt: skip

    def list_page(
        self, source_id: str, url: str, family: str, reports: int, pages: list[Any]
    ) -> None:
        self.logger.debug("%s: %s is a %s list page (%d reports)", source_id, url, family, reports)
        targets = [p.key if isinstance(p, ListRequest) else p for p in pages]
        self._write(source=source_id, note="list", url=url, family=family, reports=reports,
                    next=targets)  # fmt: skip

    def _write(self, **note: Any) -> None:
        if self.file:
            self.file.write(json.dumps(note, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.file:
            self.file.close()
