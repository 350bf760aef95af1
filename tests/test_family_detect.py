"""Every saved page is recognised by exactly its own family, and detect() picks that family.

One test over every file in tests/fixtures/pages/<family>/: a new family's pages are checked
against every other family's recognise() (generic, the fallback, recognises everything). A page
is parsed with the URL it declares (tests/saved_pages.py); one without is skipped, visibly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.families import FAMILIES, detect
from crawler.page import Page
from tests.helpers import SITES
from tests.saved_pages import PAGES, declared_url, parse, saved_pages

DEMO = Path(__file__).parent.parent / "sitefixtures" / "demo"


@pytest.mark.parametrize("path", saved_pages(), ids=lambda p: str(p.relative_to(PAGES)))
def test_exactly_the_intended_family_recognises_each_saved_page(path):
    if declared_url(path) is None:
        pytest.skip("declare its URL: <!-- saved from url=(NNNN)… --> or a url in _headers.toml")
    page = parse(path)

    claimed = {f.name for f in FAMILIES if f.name != "generic" and f.recognise(page)}

    assert claimed == {path.parent.name}
    assert detect(page).name == path.parent.name


@pytest.mark.parametrize(
    ("folder", "path", "family"),
    [
        (SITES / "trs_paginated", "/xxgk/zfxxgknb/index.html", "trs"),
        (SITES / "plain_gbk_nextpage", "/zwgk/gknb/index_2.htm", "generic"),
        (SITES / "ucap_gknb", "/snfgj/gknb/xxgk_list_2.shtml", "ucap"),
        (DEMO / "szka", "/xxgk/qt/ndbg/index_2.html", "nfcms"),
        (DEMO / "gzhg", "/guangzhou_customs/381558/381575/58527f05-2.html", "easysite"),
    ],
)
def test_the_fixture_sites_list_pages_keep_their_family(folder, path, family):
    page = Page.parse("http://127.0.0.1:8000" + path, (folder / path[1:]).read_bytes(), None)

    assert detect(page).name == family


def test_the_specific_families_are_tried_before_trs_and_generic():
    names = [f.name for f in FAMILIES]

    for name in ("nfcms", "easysite", "ucap", "fjdzapp"):  # fjdzapp's articles are TRS t-date
        assert names.index(name) < names.index("trs") < names.index("generic")


def test_these_families_saved_pages_all_declare_their_url():
    for family in ("nfcms", "easysite", "ucap", "fjdzapp", "trs"):
        pages = [p for p in saved_pages() if p.parent.name == family]
        assert pages, family
        assert all(declared_url(p) for p in pages), family
