"""Guangdong gkmlpt (政府信息公开目录管理平台): a Vue app whose lists come only from a JSON API.

The server HTML of /gkmlpt/index, /gkmlpt/annualreport … is a shell holding
`window._CONFIG = { SID: '755001', TREE: [...] }`; the browser reads the list from
`GET /gkmlpt/api/all/<catid>?page=N&sid=<SID>` → `{"classify": {"post_count"}, "articles":
[{"title", "url", "display_publish_time", …}]}` (domain notes §2.3).

The category is the URL fragment (`/gkmlpt/annualreport#2629`), which HTTP never sends: Scrapy
keeps it in `request.url` but not in `response.url`, from which pages are built. So the fragment
is used when the page URL still carries one, and otherwise the annual-report category is found
in TREE by name (政府信息公开年报, 信息公开年报, 政府信息公开工作年度报告 …; never a 报表, 图解
or 网站 category, and a leaf before its parent); a category with a `jump_url` sends the crawl
there instead, unless the jump leads back to the page being read (fragment aside) or to a page
the walk has already read: Scrapy's duplicate filter would drop it and the column would yield
nothing, so the category's JSON API is read instead (the jump's `ListRequest.fallback`).

Paging: page 0 and page 1 answer the same, so the walk starts at page 1. Page size is ~100 but
varies (88–99 seen), so page 1 announces pages 2‥ceil(post_count / its own size) and later pages
announce nothing: an empty or repeated page ends the walk by itself. Without post_count only
page 1 is read. The API's URLs may say https while every gkmlpt host answers only HTTP, so an
article on the API's own host takes the API page's scheme. API pages are read from `page.text`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from crawler.dates import parse_date
from crawler.families import generic
from crawler.families.base import Entry, ListRequest, ReportFields
from crawler.families.markup import text_of
from crawler.page import Page
from crawler.urls import canonical

PRIORITY = 40

_MAX_PAGES = 50
_API = re.compile(r"/gkmlpt/api/all/(\d+)$")
_SID = re.compile(r"\bSID\s*:\s*['\"]?([\w-]+)")
_TREE = re.compile(r"\bTREE\s*:\s*\[")
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")
_PERCENT = re.compile(r"%([0-9a-fA-F]{2})")
_TAG = re.compile(r"<[^>]+>")
_REPORT_NAMES = ("年报", "年度报告")
_NOT_REPORT_NAMES = ("报表", "图解", "解读", "网站")
_CHINA = dt.timezone(dt.timedelta(hours=8))
# Publish-side fields first; `date` is the 成文日期 (china-governance stores it as date_written).
_DATE_FIELDS = ("display_publish_time", "create_time", "created_at", "date")


def recognise(page: Page) -> bool:
    if "/gkmlpt/" in urlsplit(page.url).path:
        return True
    return "window._CONFIG" in page.text and bool(_SID.search(page.text)) and "TREE" in page.text


def is_api(url: str) -> bool:
    return bool(_API.search(urlsplit(url).path))


def list_entries(page: Page) -> Iterator[Entry]:
    """The articles of an API page; the HTML shell itself lists nothing."""
    if not is_api(page.url):
        return
    for article in articles(page):
        url = article_url(page.url, article)
        title = clean_title(str(article.get("title") or ""))
        if url and title:
            yield Entry(url=url, text=title, date=article_date(article))


def next_pages(page: Page) -> Iterator[str | ListRequest]:
    if is_api(page.url):
        yield from more_api_pages(page)
        return
    sid, node = site_id(page.text), annual_report_category(page)
    api = api_url(page.url, node["id"], sid, 1) if sid and node else None
    jump = None
    if node and node.get("jump_url"):
        try:
            jump = canonical(urljoin(page.url, str(node["jump_url"])))
        except ValueError:  # a malformed jump_url ("http://[::1"): nothing to follow
            jump = None
    if jump and jump != canonical(page.url):
        # the jump's page may have been read already (it jumps back here): then the API
        yield ListRequest(url=jump, fallback=api)
    elif api:
        yield api  # no jump, or one back to this very page (fragment aside)


def stated_entries(page: Page) -> int | None:
    """`classify.post_count` of an API answer: the category's article count."""
    if not is_api(page.url):
        return None
    total = (api_answer(page).get("classify") or {}).get("post_count")
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def api_answer(page: Page) -> dict[str, Any]:
    try:
        answer = json.loads(page.text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
        return {}
    return answer if isinstance(answer, dict) else {}


def articles(page: Page) -> list[dict[str, Any]]:
    found = api_answer(page).get("articles")
    return [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []


def more_api_pages(page: Page) -> Iterator[str]:
    """From page 1 (or 0): pages 2‥ceil(post_count / this page's size), at most _MAX_PAGES."""
    query = dict(parse_qsl(urlsplit(page.url).query))
    if query.get("page", "1") not in ("0", "1"):
        return
    size = len(articles(page))
    total = (api_answer(page).get("classify") or {}).get("post_count")
    if not size or not isinstance(total, int) or total <= size:
        return
    catid = _API.search(urlsplit(page.url).path).group(1)  # type: ignore[union-attr]
    for number in range(2, min(math.ceil(total / size), _MAX_PAGES) + 1):
        yield api_url(page.url, catid, query.get("sid", ""), number)


def api_url(page_url: str, catid: object, sid: str, number: int) -> str:
    """The list API beside the page's /gkmlpt/ folder."""
    path = urlsplit(page_url).path
    root = path[: path.find("/gkmlpt/")] if "/gkmlpt/" in path else ""
    return urljoin(page_url, f"{root}/gkmlpt/api/all/{catid}?page={number}&sid={sid}")


def site_id(text: str) -> str | None:
    match = _SID.search(text)
    return match.group(1) if match else None


def tree(text: str) -> list[dict[str, Any]]:
    """`_CONFIG.TREE`, or [] when the page has none or it is not JSON."""
    match = _TREE.search(text)
    if not match:
        return []
    try:
        value, _end = json.JSONDecoder().raw_decode(text, match.end() - 1)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def annual_report_category(page: Page) -> dict[str, Any] | None:
    """The category named by the URL fragment, else the best annual-report name in TREE."""
    nodes = list(_walk(tree(page.text)))
    fragment = urlsplit(page.url).fragment
    if fragment.isdigit():
        chosen = next((n for n in nodes if str(n.get("id")) == fragment), None)
        return chosen or {"id": fragment}
    named = [n for n in nodes if _report_name_score(str(n.get("name") or "")) and "id" in n]
    return max(named, key=_preference, default=None)


def _preference(node: dict[str, Any]) -> tuple[int, bool]:
    """Best name first; between equals a leaf, not a parent that also holds e.g. 网站年度报表."""
    return _report_name_score(str(node["name"])), not node.get("children")


def _walk(nodes: list[Any]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        if isinstance(node, dict):
            yield node
            yield from _walk(node.get("children") or [])


def _report_name_score(name: str) -> int:
    """2 for a disclosure annual report (公开 in the name), 1 for a bare 年报/年度报告, else 0."""
    if not any(w in name for w in _REPORT_NAMES) or any(w in name for w in _NOT_REPORT_NAMES):
        return 0
    return 2 if "公开" in name else 1


def article_url(page_url: str, article: dict[str, Any]) -> str | None:
    """The gkmlpt content URL (`url`, else `post_url`); on the API's host, in the API's scheme."""
    links = [str(article.get(k) or "").strip() for k in ("url", "post_url")]
    links = [link for link in links if link]
    link = next((x for x in links if "/gkmlpt/content/" in x), links[0] if links else None)
    if not link:
        return None
    try:
        url = urlsplit(urljoin(page_url, html.unescape(link)))
    except ValueError:  # a malformed URL in the answer ("http://[::1"): no article link
        return None
    here = urlsplit(page_url)
    if url.scheme not in ("http", "https"):
        return None
    if url.netloc.lower() == here.netloc.lower():
        url = url._replace(scheme=here.scheme)
    return canonical(urlunsplit(url))


def clean_title(title: str) -> str:
    """Titles may come `%uXXXX`-escaped (JavaScript escape()) or with tags and entities."""
    if _PERCENT_U.search(title):
        title = _PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), title)
        title = _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), title)
    return " ".join(html.unescape(_TAG.sub(" ", title)).split())


def article_date(article: dict[str, Any]) -> str | None:
    """The first publish-side date of an article as YYYY-MM-DD (epochs read in China time)."""
    for key in _DATE_FIELDS:
        found = _as_date(article.get(key))
        if found:
            return found.isoformat()
    return None


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not value:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return dt.datetime.fromtimestamp(seconds, tz=_CHINA).date()
    return parse_date(str(value))


def report_fields(page: Page) -> ReportFields:
    """Generic fields, with the metadata table's 名称 and h1.content-title first among headings."""
    fields = generic.report_fields(page)
    name = table_value(page, "名称")
    title = text_of(page.sel.css("h1.content-title"))
    headings = dict.fromkeys([t for t in (name, title) if t] + list(fields.headings))
    return replace(fields, headings=tuple(headings))


def table_value(page: Page, label: str) -> str | None:
    """The cell after a metadata-table label cell ("名称：" → its value), or None."""
    for cell in page.sel.xpath("//td | //th | //span | //label"):
        text = "".join(cell.css("::text").getall())
        if "".join(text.split()).rstrip(":：") != label:
            continue
        value = text_of(cell.xpath("following-sibling::*[1]"))
        if value:
            return value
    return None
