"""Saved pages of CMS families, parsed exactly as the crawler parses a response.

`tests/fixtures/pages/<family>/` holds pages that `<family>` must recognise. Each file carries
the comment browsers write when saving a page, `<!-- saved from url=(0044)http://… -->`, and is
parsed with that URL; the folder's `_headers.toml` gives the Content-Type it came with (the
format of the fixture sites' `_headers.toml`: fnmatch patterns on the file name, the first match
with the key wins; "text/html" without a charset when nothing matches) and, for a body that
cannot carry a comment (JSON), its `url`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

from crawler.dates import pick_published_on
from crawler.families import detect
from crawler.page import Page
from crawler.report_page import choose_title

PAGES = Path(__file__).parent / "fixtures" / "pages"
_SAVED_FROM = re.compile(rb"<!-- saved from url=\(\d{4}\)(\S+) -->")


def saved_page(family: str, name: str) -> Page:
    return parse(PAGES / family / name)


def saved_pages() -> list[Path]:
    """Every saved page, in every family's folder."""
    return sorted(p for p in PAGES.glob("*/*") if p.is_file() and not p.name.startswith("_"))


def parse(path: Path) -> Page:
    body = path.read_bytes()
    return Page.parse(url_of(path, body), body, content_type_of(path))


def url_of(path: Path, body: bytes | None = None) -> str:
    url = declared_url(path, body)
    if url is None:
        raise AssertionError(f"{path}: no <!-- saved from url=(NNNN)… --> comment or url rule")
    return url


def declared_url(path: Path, body: bytes | None = None) -> str | None:
    """The URL in the page's "saved from" comment, else the `url` of its `_headers.toml` rule.

    The rule is for bodies that cannot carry a comment (JSON). None when neither gives one.
    """
    match = _SAVED_FROM.search((body or path.read_bytes())[:4096])
    return match.group(1).decode("ascii") if match else _header(path, "url")


def content_type_of(path: Path) -> str:
    return _header(path, "content_type") or "text/html"


def _header(path: Path, key: str) -> str | None:
    """`key` from the first rule of the folder's `_headers.toml` that matches and has it."""
    headers = path.parent / "_headers.toml"
    rules = tomllib.loads(headers.read_text("utf-8")) if headers.exists() else {}
    for pattern, rule in rules.items():
        if fnmatch.fnmatchcase(path.name, pattern) and key in rule:
            return rule[key]
    return None


def described(page: Page, list_date: str | None = None) -> tuple[str | None, ...]:
    """(title, published_on, evidence) as `crawler.report_page.describe_body` derives them."""
    fields = detect(page).report_fields(page)
    published, evidence = pick_published_on(fields.text, fields.meta_pubdate, list_date, page.url)
    return choose_title(fields, None), published.isoformat() if published else None, evidence
