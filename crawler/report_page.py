"""What a fetched report page says about itself: title, year, published date, issuer.

Also recognises soft-404s: sites that answer a deleted page with 200 and a "page not found"
template. Only such a page, a 404 or a 410 counts as evidence that a report is gone.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from archive import issuers
from archive.readers.output import describe
from crawler.classify import classify
from crawler.dates import pick_published_on
from crawler.families import BY_NAME, Entry, ReportFields, detect
from crawler.families.generic import FILE
from crawler.page import Page

_NOT_FOUND = re.compile(
    r"页面不存在|页面未找到|找不到(该|您要访问的)?页面|您访问的页面不存在|信息已(被)?删除|"
    r"文章不存在|内容不存在|已被撤(销|下)|404 ?Not Found|Page Not Found",
    re.IGNORECASE,
)
log = logging.getLogger(__name__)
_SOFT_404_MAX_TEXT = 1500
_SOFT_404_MAX_BYTES = 16 * 1024


def content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


def is_attachment(url: str, ctype: str | None) -> bool:
    if FILE.search(urlsplit(url).path):
        return True
    return bool(ctype) and not any(t in ctype for t in ("html", "xml", "text/"))


def is_soft_404(response: Response) -> bool:
    """A 200 page that is really a "not found" template: short, and saying so."""
    if response.status != 200 or is_attachment(response.url, content_type(response)):
        return False
    if len(response.body) > _SOFT_404_MAX_BYTES:
        return False  # a "not found" template is small; parsing every report twice is not
    page = Page.parse(response.url, response.body, content_type(response))
    text = page.visible_text()
    return len(text) <= _SOFT_404_MAX_TEXT and bool(_NOT_FOUND.search(text))


def describe_body(
    url: str,
    body: bytes,
    ctype: str | None,
    entry: Entry | None,
    family: str | None = None,
    page: Page | None = None,
) -> tuple[dict[str, Any], tuple[Entry, ...]]:
    """`describe_page`, contained: a page that breaks a parser is still a sighting (and so a
    version, archived and extracted later), described from its list entry alone, and the
    failure is logged with the page's URL. One malformed page must not lose its report."""
    try:
        return describe_page(url, body, ctype, entry, family, page)
    except Exception as error:  # any parser bug, on any page
        why = describe(error, 300)
    log.warning("report_page: %s could not be described (%s); using its list entry", url, why)
    note = f"described from its list entry: {why}"
    try:
        return {**_found(None, url, ctype, entry), "note": note}, ()
    except Exception:  # the list entry itself breaks a parser
        return {"title": entry.text if entry else None, "year": None, "published_on": None,
                "published_on_evidence": None, "content_type": ctype, "note": note}, ()  # fmt: skip


def describe_page(
    url: str,
    body: bytes,
    ctype: str | None,
    entry: Entry | None,
    family: str | None = None,
    page: Page | None = None,
) -> tuple[dict[str, Any], tuple[Entry, ...]]:
    """Sighting fields for a fetched report page (or attachment), and the files it links.

    Plain values in and out, no Scrapy response, so that a worker process can run it
    (crawler.describer).

    `family` is the list page's, when a list linked the page: a column's articles come from the
    same CMS as the column, so only pages from a generic list (or none) are recognised anew —
    running every recogniser on every report page was a third of the page's CPU (profiled).

    `page` is `body` already parsed (`Page.adopt`: the describing worker parses a new report
    page once for describing and reading it).
    """
    fields = None if is_attachment(url, ctype) else _fields(url, body, ctype, family, page)
    return _found(fields, url, ctype, entry), fields.attachments if fields else ()


def _found(
    fields: ReportFields | None, url: str, ctype: str | None, entry: Entry | None
) -> dict[str, Any]:
    """The sighting's fields from what the page says (`fields`) and what its list said."""
    list_text = entry.text if entry else None
    title = choose_title(fields, list_text)
    published, evidence = pick_published_on(
        fields.text if fields else None,
        fields.meta_pubdate if fields else None,
        entry.date if entry else None,
        url,
    )
    year = (classify(title).year if title else None) or (
        classify(list_text).year if list_text else None
    )
    issuer, issuer_evidence = issuers.stated(
        title or list_text,
        fields.meta_source if fields else None,
        fields.text if fields else None,
    )
    return {
        "title": title,
        "year": year,
        "published_on": published.isoformat() if published else None,
        "published_on_evidence": evidence,
        "content_type": ctype,
        "issuer": issuer,
        "issuer_evidence": issuer_evidence,
    }


def _fields(
    url: str, body: bytes, ctype: str | None, family: str | None, page: Page | None
) -> ReportFields:
    page = page or Page.parse(url, body, ctype)
    known = BY_NAME.get(family) if family and family != "generic" else None
    return (known or detect(page)).report_fields(page)


def choose_title(fields: ReportFields | None, list_text: str | None) -> str | None:
    """ArticleTitle, then the page heading that names a report, then the list's text."""
    if fields:
        candidates = [fields.meta_title, *fields.headings] if fields.meta_title else fields.headings
        for candidate in candidates:
            if candidate and classify(candidate).is_report:
                return candidate
    return list_text
