"""The downloader: Scrapy's own, with its per-host concurrency limit made exact.

Scrapy 2.19 (asyncio reactor) takes a request off a host's queue and starts its download in a
task that only runs later; until it runs, the request does not count as transferring, so every
other request queued for that host in the same pass finds the slot "free" too. With `delay = 0`
a list page's reports all went out at once despite `per_host = 1` (tests/test_polite.py).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    """Scrapy's Downloader; only the moment a request starts counting against its host moves."""

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred
    ) -> Coroutine[Any, Any, None]:
        """Count the request against its host now, before its download task is even scheduled.

        Deliberately not `async`: this body runs when Scrapy creates the coroutine, i.e. while
        it is still deciding how many more requests the slot may start. `_download` adds the
        request again (a set) and removes it when the response or failure is in.
        """
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
