"""Identity on real columns (issue 14): one report, one row, however many URLs lead to it.

Real cycles on fixture sites that link one report at several URLs differing only by
parameters nobody told the crawler about.
"""

from __future__ import annotations

from pathlib import Path

import cycle
from archive.db import open_db
from tests.helpers import write_config
from tests.test_watch import events_of

AGENCY = "东江市审计局"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><title>{title}</title></head><body>
<div class="nav">{nav}</div><h1>{title}</h1><p>发布日期：{year1}-01-20</p>
<div class="TRS_Editor">{body}</div></body></html>"""


def title(year: int, agency: str = AGENCY) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def page(year: int, nav: str = '<a href="/">首页</a>', agency: str = AGENCY,
         body: str | None = None) -> str:  # fmt: skip
    text = body or "".join(
        f"<p>{year}年第{n}段：本机关主动公开政府信息{n * 7}条。</p>" for n in (1, 2)
    )
    return PAGE.format(title=title(year, agency), nav=nav, year1=year + 1, body=text)


def write_aliased_site(root: Path, box: bool = True) -> None:
    """A column of 2019-2021 whose 推荐 box links two of them again with tracking parameters:
    2021 with `?source=weixin` (the same bytes), 2020 with `?channel=wx` (the site's WeChat
    template: other bytes, the same report text). And two different documents, listed under
    different titles, whose pages happen to be byte-identical (a placeholder both still show)."""
    (root / "gknb").mkdir(parents=True, exist_ok=True)
    other = "东江市经济责任审计办公室"
    entries = [(f"/gknb/{y}.html", title(y)) for y in (2021, 2020, 2019)]
    entries.append(("/gknb/2019-jzb.html?ref=list", title(2019, other)))
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in entries)
    hot = (
        f'<div class="hot"><a href="/gknb/2021.html?source=weixin">{title(2021)}</a>'
        f'<a href="/gknb/2020.html?channel=wx">{title(2020)}</a></div>'
    )
    (root / "gknb" / "index.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul>'
        f"{hot if box else ''}</body></html>",
        "utf-8",
    )
    for year in (2021, 2020):
        (root / "gknb" / f"{year}.html").write_text(page(year), "utf-8")
    wechat = page(2020, nav='<a href="weixin://">分享到微信</a> <span>来自公众号推送</span>')
    (root / "gknb" / "2020-wx.html").write_text(wechat, "utf-8")
    placeholder = page(2019, body="<p>报告正在上传，请稍后查看。</p>")
    (root / "gknb" / "2019.html").write_text(placeholder, "utf-8")
    (root / "gknb" / "2019-jzb.html").write_text(placeholder, "utf-8")
    (root / "_headers.toml").write_text(
        '["/gknb/2020.html"]\nquery_files = { "channel=wx" = "2020-wx.html" }\n', "utf-8"
    )


def test_one_report_reached_at_urls_with_unknown_tracking_parameters_is_one_row(
    serve_site, tmp_path
):
    site = tmp_path / "site"
    write_aliased_site(site)
    server = serve_site(site)
    source = {"id": "djsj", "agency": AGENCY, "start_urls": [server.url + "/gknb/"]}
    config = write_config(tmp_path, [source])

    first = cycle.run(config)
    db = open_db(config.database)
    rows = db.execute("SELECT url, title FROM reports ORDER BY url").fetchall()
    assert [url.rsplit("/", 1)[-1] for url, _ in rows] == [
        "2019-jzb.html?ref=list", "2019.html", "2020.html", "2021.html",
    ], "one row per report: the tracking variants are not reports of their own"  # fmt: skip
    assert sorted(events_of(config.database, first.id)) == sorted(
        ("new", name, 1) for name in ("2019-jzb.html?ref=list", "2019.html", "2020.html",
                                      "2021.html")
    )  # fmt: skip
    aliases = db.execute(
        "SELECT r.url, a.url, a.how, a.cycle_id FROM report_aliases a"
        " JOIN reports r ON r.id = a.report_id ORDER BY a.url"
    ).fetchall()
    assert [(r.rsplit("/", 1)[-1], a.rsplit("/", 1)[-1], how, c) for r, a, how, c in aliases] == [
        ("2020.html", "2020.html?channel=wx", "same_text", first.id),
        ("2021.html", "2021.html?source=weixin", "same_body", first.id),
    ]

    # Later nights: the aliases are still linked, then the 推荐 box goes; nothing happens.
    for box in (True, False):
        write_aliased_site(site, box=box)
        result = cycle.run(config)
        assert events_of(config.database, result.id) == [], box
        assert db.execute("SELECT count(*) FROM reports").fetchone() == (4,)
        assert db.execute("SELECT count(*) FROM report_aliases").fetchone() == (2,)
        statuses = {row[0] for row in db.execute("SELECT status FROM reports")}
        assert statuses == {"active"}, box
    assert result.outcomes[0].reports == 4 and result.outcomes[0].new_reports == 0
