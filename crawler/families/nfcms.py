"""Shenzhen NFCMS column pages: `…/content/post_<id>.html`, lists `index.html`, `index_2.html` …

Seen on the Shenzhen portals outside gkmlpt (domain notes §2.4; seed 004,
http://ka.sz.gov.cn/xxgk/qt/ndbg/content/post_2295602.html). Every page declares
`var NFCMS_SITE_ID = …` plus `NFCMS_CAT_ID` (lists) or `NFCMS_POST_ID` (articles); articles
carry the standard metas ArticleTitle / PubDate / ContentSource and a 附件 block below the body
`div.news_cont_d_wrap`. List pages are plain links with the date in the row and a visible
pager (首页 / 上一页 / 1 2 / 下一页 / 尾页 → index_2.html), which the generic family already
follows, so only recognition and report fields live here.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from crawler.families import generic
from crawler.families.base import Entry, ReportFields
from crawler.families.markup import links_in, text_of, unique
from crawler.page import Page

# After gkmlpt (40): Shenzhen gkmlpt pages come from the same sites and may declare NFCMS_SITE_ID
# too (not verified; gkmlpt's SID is the same number). Before TRS (100) and generic.
PRIORITY = 80
_SCRIPT_VAR = re.compile(r"\bNFCMS_(?:SITE|POST|CAT)_ID\s*=")
# post_ on the desktop site, mpost_ on the mobile one; not gkmlpt's /content/<a>/<b>/post_<id>.
_ARTICLE = re.compile(r"/content/m?post_\d+\.html$")
_BODY = "//div[contains(@class, 'news_cont_d_wrap')]"
_ATTACHMENT_BLOCK = "//*[contains(@class, 'fujian')]"
_ATTACHMENT_STORE = re.compile(r"^/attachment/\d+/")  # /attachment/0/698/698713/6987135.pdf


def recognise(page: Page) -> bool:
    if "NFCMS_" in page.text and _SCRIPT_VAR.search(page.text):  # `in` first: a 30 KB scan
        return True
    if _ARTICLE.search(urlsplit(page.url).path):
        return True
    if "post_" not in page.text:  # no NFCMS article link can be on the page
        return False
    host = urlsplit(page.url).netloc
    return any(link.host == host and _ARTICLE.search(link.path) for link in page.links())


def report_fields(page: Page) -> ReportFields:
    fields = generic.report_fields(page)
    title = page.meta("ArticleTitle") or text_of(page.sel.css(".news_cont_d h1, .tit h1"))
    return replace(fields, meta_title=title, attachments=attachments(page))


def attachments(page: Page) -> tuple[Entry, ...]:
    """Every link of the 附件 block, then files linked from the body or the attachment store."""
    in_block = links_in(page, _ATTACHMENT_BLOCK, files_only=False)
    in_body = links_in(page, _BODY, files_only=True)
    stored = (
        entry
        for entry in links_in(page, "//div[contains(@class, 'news_cont_d')]", files_only=False)
        if _ATTACHMENT_STORE.match(urlsplit(entry.url).path)
    )
    return unique(in_block, in_body, stored)
