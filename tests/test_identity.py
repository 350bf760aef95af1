"""Identity on real columns (issue 14): one report, one row, however many URLs lead to it.

Real cycles on fixture sites that link one report at several URLs differing only by
parameters nobody told the crawler about.
"""

from __future__ import annotations

from pathlib import Path

from archive import alerts, issuers
from archive.db import open_db
from crawler.page import Page
from crawler.report_page import describe_body
from gongkai import cycle
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
    wechat = page(
        2020,
        nav='<a href="weixin://">分享到微信</a> <span>来自公众号推送</span>'
        ' <a href="/files/2020-full.pdf">下载</a>',
    )
    (root / "files").mkdir(exist_ok=True)
    (root / "files" / "2020-full.pdf").write_bytes(b"%PDF-1.4 not really a PDF\n")
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

    tied = db.execute(
        "SELECT r.url FROM attachments a JOIN reports r ON r.id = a.report_id"
        " WHERE a.url LIKE '%/2020-full.pdf'"
    ).fetchall()
    assert [row[0].rsplit("/", 1)[-1] for row in tied] == ["2020.html"], (
        "a file linked only from the alias belongs to the report"
    )

    # Later nights: the aliases are still linked, then the 推荐 box goes; nothing happens.
    for box in (True, False):
        write_aliased_site(site, box=box)
        before = len(server.requests)
        result = cycle.run(config)
        assert events_of(config.database, result.id) == [], box
        asked = [r.path for r in server.requests[before:]]
        assert not [p for p in asked if "source=weixin" in p or "channel=wx" in p], (
            "an alias is noted as listed, not fetched again"
        )
        assert db.execute("SELECT count(*) FROM reports").fetchone() == (4,)
        assert db.execute("SELECT count(*) FROM report_aliases").fetchone() == (2,)
        statuses = {row[0] for row in db.execute("SELECT status FROM reports")}
        assert statuses == {"active"}, box
    assert result.outcomes[0].reports == 4 and result.outcomes[0].new_reports == 0


# ---------------------------------------------------------------------------------------------
# Whose report is it?

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = FIXTURES / "stats"  # copies of shared/seeds/


def test_the_issuer_is_read_from_what_a_real_report_page_states():
    body = (FIXTURES / "pages" / "trs" / "pingtan-difangshuiwu-2013-report.html").read_bytes()
    url = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201402/t20140225_80774.htm"
    found, _files = describe_body(url, body, "text/html; charset=utf-8", None)
    assert (found["issuer"], found["issuer_evidence"]) == ("平潭综合实验区地方税务局", "title"), (
        "the title names the issuer; 来源 (平潭县人民政府) is the site that posted it"
    )
    # In the zone's own column it is the tax office's report, reposted; in the office's, its own.
    assert not issuers.is_own(found["issuer"], "平潭综合实验区管理委员会")
    assert issuers.is_own(found["issuer"], "平潭综合实验区地方税务局")
    assert issuers.is_own(found["issuer"], "福建省平潭综合实验区地方税务局")
    # Without the title, the page's 来源 label is what it states.
    page = Page.parse(url, body, "text/html; charset=utf-8")
    assert issuers.stated(None, page.meta("ContentSource"), page.visible_text()) == (
        "平潭县人民政府",
        "source_label",
    )


def test_short_older_and_renamed_forms_of_the_sources_name_are_the_source_itself():
    port = "深圳市人民政府口岸办公室"
    seed = (SEEDS / "shenzhen-port-office-2014.txt").read_text("utf-8")
    title = next(line.strip() for line in seed.splitlines() if "2014年政府信息公开工作" in line)
    issuer, how = issuers.stated(title, None, seed)
    assert (issuer, how) == ("市口岸办", "title")
    assert issuers.is_own(issuer, port), "市口岸办 is the office's short name"
    customs = (SEEDS / "guangzhou-customs-2015.txt").read_text("utf-8")
    assert issuers.stated(None, None, customs) == (None, None), (
        "a footer's 版权所有：海关总署 is not a signature: no issuer stated, so the source's"
    )
    assert issuers.is_own(None, "广州海关")
    zone = "平潭综合实验区管理委员会"
    for own in ("平潭综合实验区", "区管委会", "平潭综合实验区党工委管委会"):
        assert issuers.is_own(own, zone), own
    assert issuers.is_own("深圳市工商行政管理局", "深圳市市场监督管理局"), "renamed in 2018"
    assert not issuers.is_own("深圳市科技工贸和信息化委员会", "深圳市科技创新委员会")
    assert issuers.is_own(
        "深圳市科技工贸和信息化委员会", "深圳市科技创新委员会", ["深圳市科技工贸和信息化委员会"]
    ), "a former name listed in the source's aliases"
    for other in ("深圳市人民政府", "广东省人民政府", "深圳市交通运输局"):
        assert not issuers.is_own(other, port), other
    assert not issuers.is_own("广东省市场监督管理局", "深圳市市场监督管理局")
    district = "深圳市福田区人民政府"
    assert issuers.is_own("福田区", district) and issuers.is_own(
        "深圳市城管局", "深圳市城市管理和综合执法局"
    )
    assert not issuers.is_own("深圳市人民政府", district), "the city is not its district"
    assert not issuers.is_own("深圳市交通运输局", "深圳市福田区交通运输局")
    assert issuers.stated("我办2019年政府信息公开工作年度报告") == (None, None)


PORT = "深圳市人民政府口岸办公室"
PORT_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><meta name="ContentSource" content="市口岸办">
<title>{title}</title></head><body><h1>{title}</h1>
<p><span>来源：市口岸办</span> <span>发布日期：{day}</span></p>
<div class="TRS_Editor"><p>{body}</p></div>{signature}</body></html>"""


def write_port_column(root: Path) -> None:
    """The port office's column: its own reports (short name, no name, a former name) and the
    city's 2020 report reposted beside them (the office published none of its own for 2020)."""
    reports = [
        ("2018.html", "深圳市口岸管理局2018年政府信息公开工作年度报告", "2019-03-12", "",
         "正文2018"),
        ("2019.html", "市口岸办2019年政府信息公开工作年度报告", "2020-01-17", "", "正文2019"),
        ("2020.html", "深圳市人民政府2020年政府信息公开工作年度报告", "2021-03-25", "",
         "全市主动公开政府信息31万余条"),
        ("2021.html", "2021年政府信息公开工作年度报告", "2022-01-20",
         f"<p>{PORT}</p><p>2022年1月20日</p>", "正文2021"),
    ]  # fmt: skip
    (root / "gknb").mkdir(parents=True, exist_ok=True)
    items = "".join(f'<li><a href="/gknb/{name}">{t}</a></li>' for name, t, *_ in reports)
    (root / "gknb" / "index.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul></body></html>', "utf-8"
    )
    for name, t, day, signature, body in reports:
        page = PORT_PAGE.format(title=t, day=day, body=body, signature=signature)
        (root / "gknb" / name).write_text(page, "utf-8")


def test_a_reposted_report_is_kept_marked_and_left_out_of_the_register(serve_site, tmp_path):
    site = tmp_path / "site"
    write_port_column(site)
    server = serve_site(site)
    source = {"id": "szka", "agency": PORT, "start_urls": [server.url + "/gknb/"],
              "aliases": ["深圳市口岸管理局"]}  # fmt: skip
    config = write_config(tmp_path, [source])
    cycle.run(config)

    db = open_db(config.database)
    rows = db.execute(
        "SELECT year, issuer, issuer_evidence, repost FROM reports ORDER BY year"
    ).fetchall()
    assert rows == [
        (2018, "深圳市口岸管理局", "title", 0),
        (2019, "市口岸办", "title", 0),
        (2020, "深圳市人民政府", "title", 1),
        (2021, PORT, "signature", 0),
    ], "the city's report is kept, and marked as a repost"
    register = {row["year"]: row for row in db.query("SELECT * FROM register")}
    assert register[2020]["report_id"] is None, "the city's report is not the office's"
    assert register[2020]["status"] != "on_time"
    assert all(register[y]["report_id"] is not None for y in (2018, 2019, 2021))
    city = db.execute(
        "SELECT e.id FROM events e JOIN reports r ON r.id = e.report_id WHERE r.year = 2020"
    ).fetchone()[0]
    assert "转载 Repost: 发布机关为 深圳市人民政府" in alerts.render(db, city)[1]

    # Without the former name in the config, the 2018 report names another agency.
    config = write_config(tmp_path, [{**source, "aliases": []}])
    cycle.run(config)
    assert db.execute("SELECT year FROM reports WHERE repost = 1 ORDER BY year").fetchall() == [
        (2018,),
        (2020,),
    ]
