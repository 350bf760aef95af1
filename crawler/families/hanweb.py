"""Hanweb 大汉 jcms ("jpage"): column pages /col/colN/index.html whose records hide in XML.

The first records are inline in `<script type="text/xml"><datastore>`: each `<record>` wraps
one `<li>` in CDATA, so an HTML parser sees none of these links. The rest come only from
`POST /module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`, whose form fields
(webid, columnid, unitid, webname, path …) are copied from the datastore's `<nextgroup>` link;
one call answers `groupSize` pages (3 unless the page says otherwise). The totals exist only in
the page's jpage call (`totalRecord:N, perPage:M`), so every record range is announced from the
column page, starting after the inline records, and the proxy's answers announce nothing:
nothing beyond totalRecord is asked for. A page without totals, or whose nextgroup link is
encrypted (nhsa, nrta — domain notes §2.2), yields its inline records only.

Articles are /art/YYYY/M/D/art_COL_ID.html, with the standard metas when the template has them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawler.families import generic
from crawler.families.base import Entry, ListRequest, ReportFields
from crawler.families.markup import text_of
from crawler.page import Page

PRIORITY = 50

PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
_GROUP_SIZE = 3  # pages per proxy call when the page does not say (jpage's groupSize)
_MAX_CALLS = 100  # proxy calls announced per column, at most

_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.DOTALL | re.IGNORECASE)
_RECORD = re.compile(r"<record>(.*?)</record>", re.DOTALL | re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>(.*?)</nextgroup>", re.DOTALL | re.IGNORECASE)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*?)\]\]>\s*$", re.DOTALL)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_COLUMN = re.compile(r"/col/col(\d+)/")
_ARTICLE = re.compile(r"/art/\d{4}(?:[/-]\d{1,2}[/-]\d{1,2})?/art_\w+\.s?html?$")
# "2026-\n01-\n23" in proxy answers: whitespace is removed before this is matched.
_DATE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_CONFIG_WINDOW = 4000  # how far after a datastore its jpage call is looked for
_TITLE_SPOTS = ("h1", "td.title", "div.title", "#title", ".title")  # most telling first


@dataclass(frozen=True)
class Datastore:
    """One jpage unit: its records' HTML, its nextgroup link, and the script text after it."""

    records: tuple[str, ...]
    nextgroup: str | None
    config: str


def recognise(page: Page) -> bool:
    return (
        is_proxy(page.url)
        or ("<datastore>" in page.text and "<recordset>" in page.text)
        or bool(_ARTICLE.search(urlsplit(page.url).path))
    )


def is_proxy(url: str) -> bool:
    return urlsplit(url).path.endswith(PROXY_PATH)


def datastores(page: Page) -> list[Datastore]:
    """Every `<datastore>` in the page (a proxy answer is one), in page order."""
    matches = list(_DATASTORE.finditer(page.text))
    stores = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(page.text)
        config = page.text[match.end() : min(end, match.end() + _CONFIG_WINDOW)]
        if len(matches) == 1:
            config += page.text[: match.start()]  # the jpage call may precede its only unit
        nextgroup = _NEXTGROUP.search(match.group(1))
        href = _HREF.search(nextgroup.group(1)) if nextgroup else None
        stores.append(
            Datastore(
                records=tuple(_unwrap(r) for r in _RECORD.findall(match.group(1))),
                nextgroup=html.unescape(href.group(1)).strip() if href else None,
                config=config,
            )
        )
    return stores


def column_stores(page: Page) -> list[Datastore]:
    """The units that list this column (a page can carry others, e.g. a sidebar of another
    column): those whose nextgroup names the page's colN, else those naming no column (an
    opaque nextgroup), else the first."""
    stores = datastores(page)
    column = _COLUMN.search(urlsplit(page.url).path)
    if is_proxy(page.url) or not column:
        return stores if is_proxy(page.url) else stores[:1]
    named = [(s, _query(s.nextgroup).get("columnid")) for s in stores]
    own = [s for s, columnid in named if columnid == column.group(1)]
    unnamed = [s for s, columnid in named if not columnid]
    return own or unnamed or stores[:1]


def list_entries(page: Page) -> Iterator[Entry]:
    """The column's records, then (on a column page, not a proxy answer) the page's other links."""
    seen: set[str] = set()
    for entry in column_entries(page):
        seen.add(entry.url)
        yield entry
    if not is_proxy(page.url):
        yield from (e for e in generic.list_entries(page) if e.url not in seen)


def column_entries(page: Page) -> Iterator[Entry]:
    """The column's records only (inline or proxied), not the page's other links."""
    seen: set[str] = set()
    for store in column_stores(page):
        for record in store.records:
            for entry in record_entries(page, record):
                if entry.url not in seen:
                    seen.add(entry.url)
                    yield entry


def stated_entries(page: Page) -> int | None:
    """totalRecord of the column's jpage call(s); proxy answers state nothing."""
    if is_proxy(page.url):
        return None
    totals = [jpage_totals(store.config) for store in column_stores(page)]
    found = [total[0] for total in totals if total]
    return sum(found) if found else None


def record_entries(page: Page, record: str) -> Iterator[Entry]:
    """The links of one record, each with the date printed in it (outside the link if any)."""
    fragment = Page(
        url=page.base, text=record, sel=Selector(text=record or "<br>"), encoding=page.encoding
    )
    outside = "".join(fragment.sel.xpath("//text()[not(ancestor::a)]").getall())
    date = record_date(outside) or record_date("".join(fragment.sel.xpath("//text()").getall()))
    for link in fragment.links():
        if link.text:
            yield Entry(url=link.url, text=link.text, date=date)


def record_date(text: str) -> str | None:
    """The first date in a record's text as YYYY-MM-DD, line breaks inside it ignored."""
    match = _DATE.search(re.sub(r"\s+", "", text))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def next_pages(page: Page) -> Iterator[str | ListRequest]:
    if is_proxy(page.url):
        return  # every range was announced by the column page
    for store in column_stores(page):
        yield from proxy_requests(page, store)
    yield from generic.next_pages(page)


def proxy_requests(page: Page, store: Datastore) -> Iterator[ListRequest]:
    """POSTs for the records after the inline ones, `groupSize` pages per call, up to the total."""
    form, totals = proxy_form(store), jpage_totals(store.config)
    if not form or not totals or not store.nextgroup:
        return
    total, per_page, group = totals
    url = urljoin(page.url, urlsplit(store.nextgroup).path or PROXY_PATH)
    start, size = len(store.records) + 1, per_page * group
    for _ in range(_MAX_CALLS):
        if start > total:
            return
        end = start + size - 1
        query = f"startrecord={start}&endrecord={end}&perpage={per_page}"
        yield ListRequest(url=f"{url}?{query}", method="POST", formdata=form)
        start = end + 1


def proxy_form(store: Datastore) -> dict[str, str] | None:
    """The proxy's form fields, from the nextgroup link; None if it lacks webid/columnid/unitid."""
    link = _query(store.nextgroup)
    if not all(link.get(key) for key in ("webid", "columnid", "unitid")):
        return None
    content_type = _option("sourceContentType", store.config)
    return {
        "col": "1",
        "appid": link.get("appid") or "1",
        "webid": link["webid"],
        "path": link.get("path") or "/",
        "columnid": link["columnid"],
        "sourceContentType": str(content_type or 1),
        "unitid": link["unitid"],
        "webname": link.get("webname", ""),
        "permissiontype": link.get("permissiontype") or "0",
    }


def jpage_totals(config: str) -> tuple[int, int, int] | None:
    """(totalRecord, perPage, groupSize) from the jpage call, or None without the first two."""
    total, per_page = _option("totalRecord", config), _option("perPage", config)
    if total is None or not per_page:
        return None
    return total, per_page, _option("groupSize", config) or _GROUP_SIZE


def report_fields(page: Page) -> ReportFields:
    """Generic fields, the jcms title spots (h1, td.title, div.title …) first among headings."""
    fields = generic.report_fields(page)
    spots = [node for selector in _TITLE_SPOTS for node in page.sel.css(selector)]
    texts = (text_of(node) for node in spots)
    headings = dict.fromkeys([t for t in texts if t] + list(fields.headings))
    return replace(fields, headings=tuple(headings))


def _unwrap(record: str) -> str:
    match = _CDATA.match(record)
    return match.group(1) if match else record


def _query(url: str | None) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)) if url else {}


def _option(name: str, script: str) -> int | None:
    match = re.search(rf"\b{name}\s*[:=]\s*['\"]?(\d+)", script, re.IGNORECASE)
    return int(match.group(1)) if match else None
