"""Archived copies in a real browser: a real crawl into a real archive, `make serve`'s Datasette
on 127.0.0.1, and headless Chromium (Debian's `chromium`, `make system-deps`) opening the copy.

The fixture site is the GBK county site with traps planted in its 2019 report: scripts inline,
from the live site and from a second server that counts hits, a stylesheet, an @import, images,
a nested frame, a form. Read from the archive, the page must show its title, run none of it and
ask nothing of anyone but the Datasette server.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from archive import fetches
from archive.clock import now_iso
from archive.db import open_db
from gongkai import cycle
from tests import browser
from tests.helpers import SITES, expected, write_config
from tests.makedocs import Cell, pdf_bytes
from tests.test_datasette import free_port, wait_for

ROOT = Path(__file__).parent.parent
# `make screenshot` sets it to docs/archived-copy.png, the README's picture; otherwise the
# screenshot goes to the test's temporary folder, so a test run leaves the repository as it was.
SCREENSHOT = os.environ.get("GONGKAI_SCREENSHOT")
REPORT = "/zwgk/gknb/content/1398.htm"
TITLE = "石桥县人民政府2019年政府信息公开工作年度报告"
PAGE_TITLE = f"{TITLE}-石桥县人民政府"  # its <title>, which a planted script would change
RAN = "SCRIPT RAN"
ONLOAD = f"<body onload=\"document.title = '{RAN}'\">"
MOVED = "本页已迁移"
PDF = pdf_bytes([Cell(0, 0, "总计")], [100.0])
CLEAN = "/zwgk/gknb/content/1365.htm"  # the 2018 report, untouched: no charset declared at all

pytestmark = pytest.mark.skipif(
    browser.chromium() is None,
    reason="headless Chromium is not installed (`make system-deps` installs Debian's chromium "
    "with apt-get when run as root; or `apt-get install chromium`)",
)


def traps(trap: str, live: str) -> tuple[str, str]:
    """What an archived page must not get to do, for its head and its body; each would show as
    a hit on `trap` or on the live site, or as a changed title or attribute."""
    return (
        f"""
<script>document.title = "{RAN}"; document.documentElement.setAttribute("data-ran", "inline");
new Image().src = "{trap}/inline-script";</script>
<script src="{trap}/external.js"></script>
<script src="{live}/js/common.js"></script>
<script src="/js/relative.js"></script>
<link rel="stylesheet" href="{trap}/style.css">
<link rel="stylesheet" href="{live}/css/site.css">
<link rel="prefetch" href="{trap}/prefetch">
<link rel="icon" href="{trap}/favicon.ico">
<style>@import url("{trap}/import.css");
body {{ background: url("{trap}/background.png"); }}</style>
""",
        f"""
<img src="{trap}/pixel.gif" onerror="document.title = '{RAN}'">
<img src="{live}/images/logo.gif"><img src="images/relative.gif">
<iframe src="{trap}/frame.html"></iframe>
<object data="{trap}/object.swf"></object>
<video src="{trap}/video.mp4" autoplay muted></video>
<svg><image href="{trap}/svg.png" width="1" height="1"/></svg>
<form action="{trap}/form" method="post"><input name="q" autofocus></form>
""",
    )


def archived(database: Path, url: str, body: str | bytes, content_type: str = "text/html") -> str:
    """A body the fixture site does not serve as such (Scrapy follows a meta refresh; the site
    has no PDF), archived through the archive's own API."""
    data = body.encode() if isinstance(body, str) else body
    fetch = fetches.Fetch(url, now_iso(), "other", status=200, body=data, content_type=content_type)
    db = open_db(database)
    with db.atomic():
        return fetches.record(db, fetch, None)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The county site with traps planted in its 2019 report, crawled into a real archive."""
    from sitefixtures.server import serve

    tmp = tmp_path_factory.mktemp("browser")
    site = tmp / "site"
    shutil.copytree(SITES / "plain_gbk_nextpage", site)
    live, trap = serve(site), serve(tmp / "nothing")
    page = site / REPORT.lstrip("/")
    head, body = traps(trap.url, live.url)
    html = page.read_bytes().decode("gbk").replace("</head>", head + "</head>", 1)
    html = html.replace('<body topmargin="0" leftmargin="0">', ONLOAD + body, 1)
    page.write_bytes(html.encode("gbk"))
    spec = expected("plain_gbk_nextpage")
    config = write_config(
        tmp, [{"id": "sq", "agency": spec["agency"], "start_urls": [live.url + spec["start_path"]]}]
    )
    result = cycle.run(config)
    assert result.status == "completed", result.error
    refresh = f'<html><head><meta http-equiv="refresh" content="0; url={trap.url}/refreshed">'
    archived(config.database, f"{live.url}/refresh.html", f"{refresh}</head><p>{MOVED}</p>")
    archived(config.database, f"{live.url}/2019.pdf", PDF, "application/pdf")
    yield config.database, live, trap
    live.stop()
    trap.stop()


@pytest.fixture(scope="module")
def served(archive):
    """Datasette as `make serve` starts it, on a free port of 127.0.0.1; yields its base URL."""
    database, _live, _trap = archive
    port = free_port()
    plan = subprocess.run(
        ["make", "-s", "-n", "serve", f"DB={database}", f"PORT={port}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    [command] = [line for line in plan.splitlines() if "datasette serve" in line]
    server = subprocess.Popen(shlex.split(command), cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/{database.stem}/reports.json?_shape=array")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def devtools(tmp_path_factory):
    with browser.browser(tmp_path_factory.mktemp("chromium")) as url:
        yield url


def report_sha256(database: Path, path: str = REPORT) -> str:
    db = open_db(database)
    [(sha256,)] = db.execute("SELECT sha256 FROM reports WHERE url LIKE ?", [f"%{path}"])
    return sha256


def untouched(html: str) -> bool:
    """No planted script ran: the title and the root element are as archived."""
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    return title is not None and title[1] == PAGE_TITLE and "data-ran" not in html.split(">")[0]


def outside(visit: browser.Visit, base: str) -> list[str]:
    """What the browser sent anywhere but the Datasette server (requests it refused itself,
    e.g. by the Content-Security-Policy, never left it)."""
    return [url for url in visit.sent() if not url.startswith((f"{base}/", "data:", "about:"))]


def body_frame(visit: browser.Visit) -> str:
    [frame] = [html for url, html in visit.documents[1:] if "/body/" in url]
    return frame


def test_the_archived_copy_shows_the_report_and_nothing_planted_in_it_runs_or_calls_out(
    archive, served, devtools
):
    database, live, trap = archive
    live_hits = len(live.requests)
    url = f"{served}/-/gongkai/{database.stem}/copy/{report_sha256(database)}"

    visit = browser.visit(devtools, url)

    page_url, page = visit.documents[0]
    assert page_url == url
    assert TITLE in page and "✓ matches" in page  # the bar: the report, its checksum verified
    frame = body_frame(visit)
    assert f">{TITLE}</h1>" in frame  # the GBK page, decoded as published
    assert untouched(frame)
    assert trap.requests == [], "the archived page reached a server outside Datasette"
    assert len(live.requests) == live_hits, "the archived page called the live site"
    assert outside(visit, served) == []
    assert f"{trap.url}/pixel.gif" in visit.refused()  # planted, tried, refused by the browser


def test_the_body_opened_on_its_own_is_sandboxed_too(archive, served, devtools):
    database, live, trap = archive
    live_hits = len(live.requests)
    url = f"{served}/-/gongkai/{database.stem}/body/{report_sha256(database)}"

    visit = browser.visit(devtools, url)

    _url, page = visit.documents[0]
    assert f">{TITLE}</h1>" in page
    assert untouched(page)
    assert trap.requests == []
    assert len(live.requests) == live_hits
    assert outside(visit, served) == []


def test_a_meta_refresh_in_an_archived_page_goes_nowhere(archive, served, devtools):
    database, _live, trap = archive
    db = open_db(database)
    [(sha256,)] = db.execute("SELECT sha256 FROM fetches WHERE url LIKE '%/refresh.html'")
    url = f"{served}/-/gongkai/{database.stem}/copy/{sha256}"

    visit = browser.visit(devtools, url, settle=2.0)

    assert MOVED in body_frame(visit)  # still the archived page, not where it would send us
    assert trap.requests == []
    assert outside(visit, served) == []


def test_a_pdf_opens_in_the_browsers_own_viewer(archive, served, devtools):
    database, _live, trap = archive
    db = open_db(database)
    [(sha256,)] = db.execute("SELECT sha256 FROM fetches WHERE url LIKE '%/2019.pdf'")

    visit = browser.visit(devtools, f"{served}/-/gongkai/{database.stem}/copy/{sha256}")

    assert any(url.startswith("chrome-extension://") for url, _html in visit.documents)
    assert trap.requests == []
    # The viewer's own files come from inside the browser, not from a server.
    assert [u for u in outside(visit, served) if not u.startswith(("chrome:", "chrome-ext"))] == []


def test_a_screenshot_of_an_archived_copy_for_the_readme(archive, served, devtools, tmp_path):
    """docs/archived-copy.png: the 2018 report, a GBK page that declares no charset anywhere."""
    database, _live, _trap = archive
    url = f"{served}/-/gongkai/{database.stem}/copy/{report_sha256(database, CLEAN)}"

    visit = browser.visit(devtools, url, screenshot=True)

    assert ">石桥县人民政府2018年政府信息公开工作年度报告</h1>" in body_frame(visit)
    assert visit.screenshot.startswith(b"\x89PNG")
    (Path(SCREENSHOT) if SCREENSHOT else tmp_path / "archived-copy.png").write_bytes(
        visit.screenshot
    )
