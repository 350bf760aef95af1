"""Canonical URLs: one page, one URL, however many tracking and session tokens point at it.

Only parameters known to carry no content are dropped (analytics tags, session ids, cache
busters); anything else may select content (`?page=2`, gkmlpt's `sid=`) and is kept in order.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

_DROP = re.compile(
    r"^(utm_\w+|spm|isappinstalled|scene|share_\w+|jsessionid|phpsessid|aspsessionid\w*|"
    r"sessionid|session_id|sid_token|_|_t|timestamp|random|rnd|v_cache)$",
    re.IGNORECASE,
)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)


def canonical(url: str) -> str:
    """`url` without fragment, path session tokens or tracking parameters; host lowercased."""
    url, _fragment = urldefrag(url)
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path) or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _DROP.match(k)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query, safe="/:,"), "")
    )
