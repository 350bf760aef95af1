"""Fujian's government-site platform (TRS-built, 福建省政府网站集约化平台): lists "动静结合".

A column page renders only its first pages as static HTML; its script then hands the rest to a
list model that reads the site's search API (domain notes; the real 平潭 column in
tests/fixtures/pages/fjdzapp/):

    listModel({ quickMode: "动静结合", maxStaticIndex: 1,
                listArgs: { channelid: SiteInfo.searchId, classsql: "" || "chnlid=1813",
                            sortfield: "-docorderpri,-docreltime" },
                pagebar: { prepage: 10, recordCount: '20', … } })

so a column of 20 records shows 10 in its HTML, and the other 10 come only from
`POST /fjdzapp/search` with the form fields channelid, classsql, sortfield, page (1-based) and
prepage, answering JSON `{"pageCount": N, "data": [{"doctitle", "docpuburl" or "chnldocurl",
"pubdate", "docreltime", …}]}`. `channelid` is often `SiteInfo.searchId`, a number set in
another script of the page. The static pages are index.htm, index_1.htm … up to
maxStaticIndex; every API page after them, up to ceil(recordCount / prepage), is announced by
the column page, and the answers announce nothing (nothing beyond recordCount is asked for).
A column page without recordCount or prepage yields its static entries only. The answers'
links are resolved against the API's URL: real ones are absolute (docpuburl), and a fixture's
host-relative ones work the same.

Articles are TRS t-date pages (`/YYYYMM/tYYYYMMDD_ID.htm`), read by the `trs` family.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.dates import parse_date
from crawler.families import generic
from crawler.families.base import Entry, ListRequest
from crawler.page import Page
from crawler.urls import canonical

PRIORITY = 65  # after ucap (60), before easysite (70) and TRS (100), whose article URLs it shares

API_PATH = "/fjdzapp/search"
_MAX_PAGES = 100  # API pages announced per column, at most
_CALL = re.compile(r"\bquickMode\s*:")
_WINDOW = 3000  # how far around quickMode the list model's options are looked for
_TAG = re.compile(r"<[^>]+>")
_STRING = re.compile(r"""(['"])(.*?)\1""")


def recognise(page: Page) -> bool:
    return is_api(page.url) or (bool(_CALL.search(page.text)) and "listArgs" in page.text)


def is_api(url: str) -> bool:
    return urlsplit(url).path.endswith(API_PATH)


def options(page: Page) -> str:
    """The list model's call: the script text around `quickMode`."""
    match = _CALL.search(page.text)
    if not match:
        return ""
    return page.text[max(0, match.start() - _WINDOW) : match.start() + _WINDOW]


def _number(name: str, script: str) -> int | None:
    match = re.search(rf"\b{name}\s*:\s*['\"]?(\d+)", script)
    return int(match.group(1)) if match else None


def _literal(name: str, script: str) -> str | None:
    """The value of `name: <expression>`: its last non-empty string literal (`"" || "x"` → x)."""
    match = re.search(rf"\b{name}\s*:\s*([^\n]*)", script)
    if not match:
        return None
    strings = [s for _q, s in _STRING.findall(match.group(1)) if s]
    return strings[-1] if strings else None


def channel_id(page: Page, script: str) -> str | None:
    """`channelid: 200210`, or `channelid: SiteInfo.searchId` with `searchId: 200210` elsewhere."""
    match = re.search(r"\bchannelid\s*:\s*['\"]?([\w.]+)", script)
    if not match:
        return None
    value = match.group(1)
    if value.isdigit():
        return value
    name = value.rsplit(".", 1)[-1]
    found = re.search(rf"\b{re.escape(name)}\s*:\s*['\"]?(\d+)", page.text)
    return found.group(1) if found else None


def record_count(page: Page) -> int | None:
    """The column's record count as its page states it (`recordCount`), if it does."""
    return _number("recordCount", options(page)) if not is_api(page.url) else None


def stated_entries(page: Page) -> int | None:
    return record_count(page)


def list_entries(page: Page) -> Iterator[Entry]:
    if is_api(page.url):
        yield from api_entries(page)
        return
    static = list(static_entries(page))
    yield from static or generic.list_entries(page)


def static_entries(page: Page) -> Iterator[Entry]:
    """The static list (`ms-visible="showStatic"`): one `<dl>` per record, its date in a `<dd>`."""
    for row in page.sel.xpath('//*[@ms-visible="showStatic"]//dl'):
        href = row.xpath(".//a/@href").get()
        title = row.xpath(".//a/@title").get() or " ".join(row.xpath(".//a//text()").getall())
        if not href or not title.strip():
            continue
        date_text = " ".join(row.xpath(".//dd[not(.//a)]//text()").getall())
        found = parse_date(date_text) if date_text.strip() else None
        yield Entry(
            url=canonical(urljoin(page.base, href.strip()), page.encoding),
            text=" ".join(title.split()),
            date=found.isoformat() if found else None,
        )


def next_pages(page: Page) -> Iterator[str | ListRequest]:
    if is_api(page.url):
        return  # every API page was announced by the column page
    script = options(page)
    static = _number("maxStaticIndex", script)
    for k in range(1, static or 0):
        yield urljoin(page.url, f"index_{k}.htm")
    yield from api_requests(page, script, static or 0)


def api_requests(page: Page, script: str, static: int) -> Iterator[ListRequest]:
    """POSTs for the pages after the static ones, up to ceil(recordCount / prepage)."""
    total, size, channel = _number("recordCount", script), _number("prepage", script), None
    channel = channel_id(page, script)
    if not total or not size or not channel:
        return
    form = {
        "channelid": channel,
        "classsql": _literal("classsql", script) or "",
        "sortfield": _literal("sortfield", script) or "-pubdate",
        "prepage": str(size),
    }
    url = urljoin(page.url, API_PATH)
    last = min(math.ceil(total / size), static + _MAX_PAGES)
    for number in range(static + 1, last + 1):
        yield ListRequest(url=url, method="POST", formdata={**form, "page": str(number)})


def api_answer(page: Page) -> dict[str, Any]:
    try:
        answer = json.loads(page.text)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def api_entries(page: Page) -> Iterator[Entry]:
    data = api_answer(page).get("data")
    for doc in data if isinstance(data, list) else []:
        if not isinstance(doc, dict):
            continue
        link = str(doc.get("docpuburl") or doc.get("chnldocurl") or "").strip()
        title = " ".join(html.unescape(_TAG.sub(" ", str(doc.get("doctitle") or ""))).split())
        if not link or not title:
            continue
        url = urlsplit(urljoin(page.url, html.unescape(link)))
        if url.scheme not in ("http", "https"):
            continue
        yield Entry(url=canonical(url.geturl()), text=title, date=_date(doc))


def _date(doc: dict[str, Any]) -> str | None:
    """The date the list shows (`docreltime`), else `pubdate`, as YYYY-MM-DD."""
    for key in ("docreltime", "pubdate"):
        found = parse_date(str(doc.get(key) or "")) if doc.get(key) else None
        if found:
            return found.isoformat()
    return None
