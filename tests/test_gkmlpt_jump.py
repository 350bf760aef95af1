"""gkmlpt: a report category whose jump_url leads back to a page already read (issue 14 item 2).

End-to-end on a copy of tests/sites/gkmlpt_api whose TREE node 2629 (政府信息公开年报) carries a
`jump_url`: to the page itself (the fragment aside), or to another shell whose own node jumps
back. Scrapy's duplicate filter drops such a request; the column must still be read, from the
node's JSON API.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive.db import open_db
from gongkai import cycle
from tests.helpers import SITES, expected, write_config

NODE = '"id": 2629, "name": "政府信息公开年报", "parent": 2611, "jump_url": ""'


def with_jump(site: Path, page: str, jump_url: str) -> None:
    path = site / "gkmlpt" / page
    body = path.read_text("utf-8")
    assert NODE in body
    path.write_text(body.replace(NODE, NODE.replace('"jump_url": ""', f'"jump_url": "{jump_url}"')))


@pytest.mark.parametrize(
    "jumps",
    [
        {"annualreport": "/gkmlpt/annualreport#2629"},  # the page being read
        {"annualreport": "/gkmlpt/index#2629", "index": "/gkmlpt/annualreport"},  # visited
    ],
    ids=["itself", "already-visited"],
)
def test_a_jump_back_falls_through_to_the_api_and_finds_every_report(serve_site, tmp_path, jumps):
    site = tmp_path / "site"
    shutil.copytree(SITES / "gkmlpt_api", site)
    for page, jump_url in jumps.items():
        with_jump(site, page, jump_url)
    spec = expected("gkmlpt_api")
    server = serve_site(site)
    config = write_config(
        tmp_path,
        [{"id": "gd", "agency": spec["agency"], "start_urls": [server.url + spec["start_path"]]}],
    )

    result = cycle.run(config)

    [outcome] = result.outcomes
    assert (outcome.status, outcome.message) == ("ok", "")
    urls = {row[0] for row in open_db(config.database).execute("SELECT url FROM reports")}
    assert {u.removeprefix(server.url) for u in urls} == {r["path"] for r in spec["reports"]}
    assert "/gkmlpt/api/all/2629?page=1&sid=763012" in server.paths
