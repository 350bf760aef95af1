"""Canonical URLs: one page, one URL, however many tracking and session tokens point at it.

Only parameters known to carry no content are dropped (analytics tags, session ids, cache
busters); anything else may select content (`?page=2`, gkmlpt's `sid=`) and is kept in order.
This list is a cheap first filter, never complete: a parameter it does not know
(`?source=weixin`) is caught at detection, where a new URL that serves a known report's body or
text is recorded as that report's alias (`archive.aliases`).

The query is the site's, not ours: it is never decoded and re-encoded. Older Chinese sites link
`down.asp?filename=%B9%AB%BF%AA.pdf` (GBK bytes) and `art.asp?123` (no name); decoding those as
UTF-8 name-value pairs turns different files into one URL the site does not know. So its pieces
are kept byte for byte; only raw characters a URL cannot carry are percent-encoded, non-ASCII
ones in the encoding of the page that linked them (as browsers do), the rest as Scrapy would
(w3lib's safe_url_string), so that the URL stored is the URL requested.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urldefrag, urlsplit, urlunsplit

_DROP = re.compile(
    r"^(utm_\w+|spm|isappinstalled|scene|share_\w+|jsessionid|phpsessid|aspsessionid\w*|"
    r"sessionid|session_id|sid_token|_|_t|timestamp|random|rnd|v_cache)$",
    re.IGNORECASE,
)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)
# Left as written in a query: w3lib's safe set for http(s) queries, plus "%" (escapes stay).
_QUERY_SAFE = "!$&()*+,/:;=?@~%"


def canonical(url: str, encoding: str = "utf-8") -> str:
    """`url` without fragment, path session tokens or tracking parameters; host lowercased.

    `encoding` is the linking page's: raw non-ASCII characters in the query are sent in it.
    """
    url, _fragment = urldefrag(url)
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path) or "/"
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), path, _query(parts.query, encoding), "")
    )


def _query(query: str, encoding: str) -> str:
    """The query's pieces in order, as written, minus tracking ones; unsafe characters escaped."""
    if not query:
        return ""
    kept = "&".join(p for p in query.split("&") if not _DROP.match(unquote(p.split("=", 1)[0])))
    raw = kept.encode(_url_codec(encoding), "xmlcharrefreplace")
    return quote(raw, safe=_QUERY_SAFE)


def _url_codec(encoding: str) -> str:
    """Browsers send UTF-8 for a page in UTF-16/32 (a URL's bytes cannot be UTF-16)."""
    return (
        "utf-8" if encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")) else encoding
    )
