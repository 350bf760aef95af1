"""Anti-bot challenge pages: recognised, recorded as "blocked", never evaded.

A WAF answers a crawler with a tiny page whose script sets a cookie and reloads (Ruishu's
412 + `$_ts`, Jiasule's `__jsl_clearance`, Tencent EdgeOne, generic JS-cookie walls). Such a
page is not the agency's content: archiving it as a report version would fake an edit, and
treating it as a missing list would fake a removal. Gongkai records it and moves on; it does
not run the script, fake a browser, or replay cookies.

Where a challenge can be: in an error answer (403, 412, 503 …: its first 64 KB are searched),
or in a *small* 2xx answer — a challenge is a loader, a script and almost nothing else. A 2xx
page of 16 KB or more is the site's own page and is not searched: it costs ~0.26 ms of the
crawl's one event-loop thread a 30 KB page, and a real page can name a WAF in its text (a
report on the agency's website security mentioning 创宇盾 or jiasule) or its script URLs.
"""

from __future__ import annotations

import re

_SIGNATURES = (
    ("Jiasule __jsl_clearance", re.compile(rb"__jsl_clearance")),
    ("Ruishu $_ts challenge", re.compile(rb"\$_ts\s*=|\$_ts\[|window\[.\$_ts.\]")),
    ("Tencent EdgeOne challenge", re.compile(rb"EO_Bot_Ssid|__tst_status|edgeone", re.I)),
    ("Cloudflare challenge", re.compile(rb"cf-browser-verification|challenge-platform|cf_chl_")),
    (
        "Knownsec (创宇) block",
        re.compile(rb"jiasule|yunaq|knownsec|\xe5\x88\x9b\xe5\xae\x87\xe7\x9b\xbe"),
    ),
)
_JS_COOKIE = re.compile(rb"document\.cookie\s*=.{0,400}?(location|window\.location)", re.S)
_SMALL = 8 * 1024
_SMALL_PAGE = 16 * 1024  # a 2xx answer this size or more is a page, not a challenge's loader
_HEAD = 64 * 1024
# Every signature contains one of these (lower-cased) literals. Finding a literal is a memchr-speed
# scan; the five regexes, one case-insensitive, cost ~0.3 ms per 30 KB page, on every response.
_CLUES = (b"__jsl_clearance", b"$_ts", b"eo_bot_ssid", b"__tst_status", b"edgeone",
          b"cf-browser-verification", b"challenge-platform", b"cf_chl_", b"jiasule", b"yunaq",
          b"knownsec", "创宇盾".encode())  # fmt: skip


_RECENT = 64  # answers remembered: the pipeline and the spider ask about the same body
_recent: dict[int, tuple[bytes, int, str | None]] = {}


def blocked_by(status: int, body: bytes) -> str | None:
    """The kind of challenge this answer is, or None if it looks like the site's own page.

    Remembered for the last few bodies by identity (the entry holds the body, so its id cannot
    be reused while remembered): the archive pipeline and the spider both ask about every
    response, from the crawl's one event-loop thread.
    """
    seen = _recent.get(id(body))
    if seen is not None and seen[0] is body and seen[1] == status:
        return seen[2]
    answer = _blocked_by(status, body)
    if len(_recent) >= _RECENT:
        del _recent[next(iter(_recent))]
    _recent[id(body)] = (body, status, answer)
    return answer


def _blocked_by(status: int, body: bytes) -> str | None:
    if len(body) < _SMALL_PAGE or status >= 400:
        head = body[:_HEAD].lower()
        if any(clue in head for clue in _CLUES):
            head = body[:_HEAD]
            for name, pattern in _SIGNATURES:
                if pattern.search(head):
                    return name
    if status in (412, 521) and len(body) < 64 * 1024:
        return f"HTTP {status} challenge"
    if len(body) < _SMALL and _JS_COOKIE.search(body):
        return "JavaScript cookie challenge"
    return None
