"""Seeded fuzzing of every parser of archived content over mutated fixture pages.

Agencies' pages are Word-pasted, truncated by a timeout, half-rendered, served with the wrong
charset: whatever bytes arrive, a parser must answer (possibly "nothing found"), never raise.
A parser that raises on one page would otherwise lose that page's entries in the crawl, or
stop a cycle's extraction. Each case mutates a saved page or a fixture site's page the way the
web does (truncation, cut ranges, inserted markup and control bytes, broken JSON, deep nesting)
and passes it through every family verb, the classifier, the date parser, report_page and the
statistics extractor. The seed is fixed, so a failure names a case that can be replayed.
"""

from __future__ import annotations

import random
import traceback
from pathlib import Path

from archive import extraction
from archive.extract import stats
from archive.text import report_text
from crawler.classify import classify, is_column_link
from crawler.dates import labelled_date, parse_date, pick_published_on, url_date
from crawler.families import FAMILIES, Entry
from crawler.page import Page
from crawler.report_page import describe_page
from tests.saved_pages import content_type_of, declared_url, saved_pages

ROOT = Path(__file__).parent
SEED = 20261204
CASES = 2000
MAX_SEED_BYTES = 40_000  # larger pages are cut: the mutations, not the size, find the bugs

MARKUP = [
    b"<table>", b"</table>", b"<tr>", b"<td>", b"</td></tr>", b"<th rowspan=99999>", b"</div>",
    b"<div>", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<script>", b"</script>", b"<style>",
    b"<a href='javascript:'>", b"<a href='http://[::1'>", b"<a href=''>", b"<meta charset=x>",
    b'<meta name="PubDate" content="9999-99-99">', b'<meta name="ArticleTitle" content="">',
    b"&#0;", b"&#xD800;", b"&#1114112;", b"&nbsp;", b"<br>", b"<p>", b"<h1>", b"<?xml ?>",
    b"<!DOCTYPE x>", b"\xef\xbb\xbf", b"2023\xe5\xb9\xb4\xe5\xba\xa6", b"\xe5\x8f\x91\xe5\xb8\x83"
    b"\xe6\x97\xa5\xe6\x9c\x9f\xef\xbc\x9a", b"createPageHTML(", b"createPageHTML(1e309, -1, ",
    b"<datastore>", b"<record>", b"</datastore>", b"window._CONFIG = {", b"<ucaptitle>",
    b"<publishtime>", b"99999999999999999999", b"-0", b"NaN", b"\xe4\xb8\x80",
]  # fmt: skip
CONTROL = [bytes([n]) for n in (*range(0, 32), 127)] + [b"\xff", b"\xfe\xff", b"\xc3", b"\x80"]
JSON_BREAKS = [
    b"null", b"[]", b"{}", b'""', b"1e999", b"true", b'{"a":', b"[[[[", b'"\\ud800"', b"-",
    b'{"articles": null}', b'{"articles": [null, 1, "x", {}]}', b'{"total": "x", "data": {}}',
]  # fmt: skip


def seeds() -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of every saved page and fixture-site page."""
    found = []
    for path in saved_pages():
        body = path.read_bytes()
        found.append((declared_url(path, body) or "http://example.gov.cn/x", body,
                      content_type_of(path)))  # fmt: skip
    for path in sorted((ROOT / "sites").rglob("*")):
        if path.is_file() and path.suffix in (".html", ".htm", ".shtml", ".json", ".xml", ""):
            if path.name in ("expected.json",) or path.name.startswith("_"):
                continue
            kind = "application/json" if path.suffix in (".json", "") else "text/html"
            found.append((f"http://127.0.0.1/{path.relative_to(ROOT)}", path.read_bytes(), kind))
    for path in sorted((ROOT / "fixtures" / "stats").glob("*.html")):
        found.append((f"http://example.gov.cn/{path.name}", path.read_bytes(), "text/html"))
    return [(url, body[:MAX_SEED_BYTES], ctype) for url, body, ctype in found]


def mutate(rng: random.Random, body: bytes) -> bytes:
    """One to four of the web's ways of breaking a page."""
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(body))
        how = rng.randrange(7)
        if how == 0:  # truncated download
            body = body[:at]
        elif how == 1:  # a range cut out
            body = body[:at] + body[at + rng.randint(1, 2000) :]
        elif how == 2:  # stray markup
            body = body[:at] + rng.choice(MARKUP) + body[at:]
        elif how == 3:  # control bytes and broken UTF-8, often where a tail text begins
            near = body.find(b">", at)
            at = near + 1 if near >= 0 and rng.random() < 0.7 else at
            body = body[:at] + b"".join(rng.choices(CONTROL, k=rng.randint(1, 4))) + body[at:]
        elif how == 4:  # broken JSON
            body = body[:at] + rng.choice(JSON_BREAKS) + body[at + rng.randint(0, 40) :]
        elif how == 5:  # deep nesting
            depth = rng.choice((200, 3000))
            open_, close = rng.choice(
                ((b"<div>", b"</div>"), (b"[", b"]"), (b"<table><tr><td>", b""))
            )
            body = body[:at] + open_ * depth + b"x" + close * depth + body[at:]
        else:  # a run of bytes duplicated (a retried chunk)
            body = body[:at] + body[at : at + rng.randint(1, 500)] * 2 + body[at:]
    return body


def exercise(url: str, body: bytes, ctype: str, rng: random.Random) -> None:
    """Every parser of archived content over one body; any exception escapes to the caller."""
    page = Page.parse(url, body, ctype)
    entries: list[Entry] = []
    for family in FAMILIES:
        family.recognise(page)
        entries += list(family.list_entries(page))
        list(family.next_pages(page))
    for family in rng.sample(FAMILIES, 2):  # the costly verb: two families a case, ~600 each
        family.report_fields(page)
    texts = [entry.text for entry in entries[:20]]
    text = page.visible_text()
    cut = rng.randint(0, len(text))
    texts += [text[cut : cut + rng.randint(0, 80)], page.text[:200]]
    for snippet in texts:
        verdict = classify(snippet)
        is_column_link(snippet, verdict.is_report)
        parse_date(snippet)
    labelled_date(text)
    url_date(url)
    pick_published_on(text, text[:30], text[-30:], url)
    entry = entries[0] if entries else None
    describe_page(url, body, ctype, entry, rng.choice((None, rng.choice(FAMILIES).name)))
    year = rng.choice((None, 2014, 2019, 2023))
    extraction.read(body, ctype, url, year)  # text and statistics (tables, else the text)
    stats.from_text(text, year)  # the flattened-text parser on its own
    report_text(body, ctype)  # detection's reading of a page's text


def _ours(error: Exception) -> str:
    """The innermost frame of the project's own code: where the exception escaped us."""
    frames = traceback.extract_tb(error.__traceback__)
    mine = [
        f
        for f in frames
        if f.filename.startswith(str(ROOT.parent))
        and "/.venv/" not in f.filename
        and "test_fuzz" not in f.filename
    ]
    where = (mine or frames)[-1]
    return f"{Path(where.filename).parent.name}/{Path(where.filename).name}:{where.lineno}"


def test_no_parser_raises_on_mutated_pages():
    rng = random.Random(SEED)
    pages = seeds()
    assert len(pages) > 50, "the seeds are the project's own pages"
    failures: dict[str, str] = {}
    for case in range(CASES):
        url, body, ctype = rng.choice(pages)
        mutated = mutate(rng, body)
        try:
            exercise(url, mutated, ctype, random.Random(case))
        except Exception as error:  # collect every kind, report them together
            key = f"{type(error).__name__} at {_ours(error)}"
            failures.setdefault(key, f"case {case} ({url}): {error!r}"[:300])
    assert not failures, "\n".join(f"{key}: {first}" for key, first in failures.items())


def test_a_report_page_that_breaks_a_parser_is_described_from_its_list_entry(monkeypatch, caplog):
    """Whatever the fuzzing has not found yet: the page is still a sighting (so a version,
    archived and extracted later), described from its list entry, and the failure logged."""
    import crawler.report_page as report_page

    def broken(*args):
        raise RuntimeError("a parser bug met on this page")

    monkeypatch.setattr(report_page, "_fields", broken)
    url = "http://example.gov.cn/gknb/2023.html"
    entry = Entry(url=url, text="北河县水务局2023年政府信息公开工作年度报告", date="2024-01-18")

    found, files = report_page.describe_body(url, b"<html>...</html>", "text/html", entry, None)

    assert (found["title"], found["year"], found["published_on"]) == (
        entry.text,
        2023,
        "2024-01-18",
    )
    assert found["published_on_evidence"] == "list" and files == ()
    assert (
        found["note"]
        == "described from its list entry: RuntimeError: a parser bug met on this page"
    )
    assert url in caplog.text and "a parser bug met on this page" in caplog.text


def test_a_list_page_that_breaks_a_parser_keeps_what_was_found_and_the_crawl_goes_on(
    monkeypatch, caplog
):
    """The spider's list callback, contained: the entries read before the failure are
    followed, the page counts as not read (no removal judged from this walk), the failure is
    logged with the page's URL, and nothing escapes to Scrapy."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    import crawler.spiders.disclosure as disclosure
    from archive.config import CrawlConfig, Source
    from crawler.notes import DiscoveryNotes
    from crawler.sources import SourceState

    real = disclosure.classify

    def breaks_on_2022(text: str):
        if "2022" in text:
            raise RuntimeError("a parser bug met on this entry")
        return real(text)

    monkeypatch.setattr(disclosure, "classify", breaks_on_2022)
    column = "http://example.gov.cn/gknb/"
    source = Source(id="bhsw", agency="北河县水务局", start_urls=(column,))
    spider = disclosure.DisclosureSpider.__new__(disclosure.DisclosureSpider)
    spider.states = {"bhsw": SourceState(source, CrawlConfig(), load_known=lambda sid: {})}
    spider.notes = DiscoveryNotes(None, spider.logger)
    spider.crawler = get_crawler()
    items = "".join(
        f'<li><a href="/gknb/{year}.html">北河县水务局{year}年政府信息公开工作年度报告</a></li>'
        for year in (2023, 2022, 2021)
    )
    body = f"<html><body><ul>{items}</ul></body></html>".encode()
    request = Request(column, meta={"source_id": "bhsw"})
    headers = {"Content-Type": "text/html; charset=utf-8"}
    response = HtmlResponse(column, body=body, headers=headers, request=request)

    out = list(spider.parse_list(response))

    assert [request.url for request in out] == ["http://example.gov.cn/gknb/2023.html"]
    assert not spider.states["bhsw"].walk_complete
    assert spider.crawler.stats.get_value("gongkai/bhsw/parse_errors") == 1
    assert column in caplog.text and "a parser bug met on this entry" in caplog.text


def test_a_character_reference_to_a_control_character_breaks_no_reader():
    """`&#1;` puts a control character in the parsed tree, which lxml then refuses when the
    readers drop the scripts and navigation before it: each reader still gives the text."""
    body = (
        "<html><body><nav>menu</nav>x&#1;y<div>本机关主动公开政府信息4条</div>t&#x0b;u"
        "<script>s</script>v&#1;<table><tr><td>a&#2;</td><td>4</td></tr></table></body></html>"
    ).encode()

    text = report_text(body, "text/html")
    assert "本机关主动公开政府信息4条" in text and "xy" in text and "menu" not in text
    read_text, _stats = extraction.read(body, "text/html", "http://example.gov.cn/r.html", 2023)
    assert "本机关主动公开政府信息4条" in read_text and "\x01" not in read_text
