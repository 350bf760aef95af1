# ruff: noqa: E501 — the site templates below are HTML, CSS and JavaScript as sites ship them
"""A deterministic synthetic government web: report columns of city governments, rendered once.

Each source is one city's 政府信息公开年报 column — the kind that aggregates every department's
report — on its own loopback address (127.77.x.y): Scrapy keys its per-host limit on the host
name without the port, so distinct ports on 127.0.0.1 would all share one `per_host` slot and
the benchmark would measure that limit, not the crawler. Distinct addresses are distinct hosts,
as 200 agencies' sites are.

A column is `pages` list pages of `entries` reports each, newest first: TRS-style
(index.html, index_1.html … announced by `createPageHTML(…)`) for even sources, plain HTML
pagers (1 2 3 … 下一页 尾页) for odd ones. Report pages are ~`report_kb` KB of UTF-8 HTML: a site
template (head, navigation, footer, scripts), the TRS info table, narrative sections assembled
from a phrase bank with numbers and policy terms drawn per page (no two pages share their
text, so compression is earned, not given), and the statistics tables of the regime of the
report's year (the 2014 统计指标 table up to 2018, the 2019/2021 tables after), every third
source in Word-pasted markup (MsoNormal spans), the rest clean. Nothing depends on the clock
or the port: the same spec renders the same bytes, so ETags are stable across runs.

`mutate` adds a new report at the top of page 1 of 1% of the columns (every list page of those
columns shifts by one entry, as on a real site).
"""

from __future__ import annotations

import hashlib
import math
import random
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email.utils import format_datetime

COLUMN = "/xxgk/ndbg/"
FIRST_YEAR, LAST_YEAR = 2008, 2024  # report years of the base web (all published by 2025-03)
NEW_YEAR = LAST_YEAR + 1  # the year of reports added by `mutate`
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Spec:
    sources: int = 200
    pages: int = 5
    entries: int = 20
    report_kb: float = 30.0
    seed: int = 1

    @property
    def reports(self) -> int:
        return self.sources * self.pages * self.entries


@dataclass(frozen=True)
class Report:
    rid: int
    dept: str
    year: int
    published: datetime
    title: str

    @property
    def path(self) -> str:
        p = self.published
        return f"{COLUMN}{p:%Y%m}/t{p:%Y%m%d}_{self.rid}.html"


@dataclass
class Site:
    index: int
    host: str
    city: str
    domain: str
    code: str
    flavor: str  # "trs" or "plain"
    word: bool  # Word-pasted report markup
    depts: list[str]
    reports: list[Report]  # newest first
    next_rid: int

    @property
    def id(self) -> str:
        return f"s{self.index:04d}"

    @property
    def agency(self) -> str:
        return f"{self.city}人民政府办公室"

    def list_path(self, k: int) -> str:
        return f"{COLUMN}index.html" if k == 0 else f"{COLUMN}index_{k}.html"


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    kind: str  # list, report, robots
    etag: str
    last_modified: str  # an HTTP date


@dataclass
class Web:
    spec: Spec
    sites: list[Site] = field(default_factory=list)

    @classmethod
    def build(cls, spec: Spec) -> Web:
        web = cls(spec)
        web.sites = [_site(spec, i) for i in range(spec.sources)]
        return web

    def render(self) -> dict[tuple[str, str], Resource]:
        """Every resource of the web, by (host, path); `COLUMN` itself is page 1."""
        out: dict[tuple[str, str], Resource] = {}
        for site in self.sites:
            out.update(render_site(self.spec, site))
        return out

    def mutate(self, fraction: float, today: date) -> tuple[list[Site], list[dict]]:
        """Add one new report at the top of page 1 of `fraction` of the columns (at least one),
        spread evenly; return the changed sites and the new reports."""
        count = max(1, round(len(self.sites) * fraction))
        chosen = sorted({int((j + 0.5) * len(self.sites) / count) for j in range(count)})
        changed, new = [], []
        for i in chosen:
            site = self.sites[i]
            taken = {r.dept for r in site.reports if r.year == NEW_YEAR}
            dept = next((d for d in site.depts if d not in taken), f"第{len(taken) + 1}工作局")
            published = datetime.combine(today, time(9, 30))
            report = Report(site.next_rid, dept, NEW_YEAR, published, _title(site, dept, NEW_YEAR))
            site.next_rid += 1
            site.reports.insert(0, report)
            changed.append(site)
            new.append({"source_id": site.id, "path": report.path, "title": report.title})
        return changed, new


def host_of(i: int) -> str:
    """The loopback address of source `i`: 127.77.0.1 … 127.77.0.250, 127.77.1.1 …"""
    return f"127.77.{i // 250}.{i % 250 + 1}"


# ---------------------------------------------------------------------------------- the sites

_CITY_A = "江湖临清安宁永平长和东西南北新丰华文兴泰嘉云桂金石龙凤瑞明德泉汉阳春"
_CITY_B = "州阳宁平山川城原江海林溪水丘陵港都昌安"
DEPTS = (
    "发展和改革委员会", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局",
    "财政局", "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局",
    "交通运输局", "水务局", "农业农村局", "商务局", "文化广电旅游体育局", "卫生健康委员会",
    "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
    "城市管理和综合执法局", "林业局", "信访局", "人民防空办公室", "政务服务数据管理局",
    "机关事务管理局", "地方金融监督管理局", "国有资产监督管理委员会", "民族宗教事务局",
    "外事办公室", "档案局", "粮食和物资储备局", "乡村振兴局", "体育局", "气象局", "粮食局",
)  # fmt: skip
_TITLE_FORMS = (
    "{city}{dept}{year}年政府信息公开工作年度报告",
    "{city}{dept}{year}年政府信息公开工作年度报告",
    "{city}{dept}{year}年度政府信息公开工作年度报告",
    "{city}{dept}关于{year}年政府信息公开工作年度报告",
)


class _Random(random.Random):
    """random.Random with cheaper randint/choice (rendering draws ~1,000 numbers a page)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):  # type: ignore[no-untyped-def]
        return seq[int(self.random() * len(seq))]


def _rng(*key: object) -> random.Random:
    return _Random(":".join(map(str, key)))


def _site(spec: Spec, i: int) -> Site:
    rng = _rng(spec.seed, "site", i)
    city = _CITY_A[i % len(_CITY_A)] + _CITY_B[(i // len(_CITY_A)) % len(_CITY_B)] + "市"
    wanted = spec.pages * spec.entries
    years = LAST_YEAR - FIRST_YEAR + 1
    depts = rng.sample(DEPTS, min(len(DEPTS), max(1, math.ceil(wanted / years))))
    rid = 500000 + i * 1000
    site = Site(
        index=i, host=host_of(i), city=city, domain=f"www.s{i:04d}.gov.cn",
        code=f"{3300000000 + i * 37:010d}", flavor="trs" if i % 2 == 0 else "plain",
        word=i % 3 == 0, depts=depts, reports=[], next_rid=0,
    )  # fmt: skip
    reports = []
    for year in range(LAST_YEAR, FIRST_YEAR - 1, -1):
        for dept in depts:
            if year >= 2019:  # departments: by 31 January since the 2019 regulations
                day = date(year + 1, 1, rng.randint(6, 30))
            else:
                day = date(year + 1, rng.randint(2, 3), rng.randint(1, 28))
            when = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
            reports.append((when, dept, year))
    reports.sort(key=lambda r: r[0], reverse=True)
    for when, dept, year in reports[:wanted]:
        title = _title(site, dept, year, rng)
        site.reports.append(Report(rid, dept, year, when, title))
        rid += 1
    site.next_rid = rid
    return site


def _title(site: Site, dept: str, year: int, rng: random.Random | None = None) -> str:
    form = _TITLE_FORMS[rng.randrange(len(_TITLE_FORMS))] if rng else _TITLE_FORMS[0]
    return form.format(city=site.city, dept=dept, year=year)


# ------------------------------------------------------------------------------ the rendering


def render_site(spec: Spec, site: Site) -> dict[tuple[str, str], Resource]:
    out: dict[tuple[str, str], Resource] = {}
    robots = b"User-agent: *\nDisallow: /admin/\nDisallow: /search/\n"
    out[(site.host, "/robots.txt")] = _resource(robots, "text/plain", "robots", _EPOCH)
    pages = max(1, math.ceil(len(site.reports) / spec.entries))
    for k in range(pages):
        entries = site.reports[k * spec.entries : (k + 1) * spec.entries]
        body = render_list(site, k, pages, entries).encode()
        modified = site.reports[0].published  # a column changes when a report is added
        resource = _resource(body, HTML, "list", modified)
        out[(site.host, site.list_path(k))] = resource
        if k == 0:
            out[(site.host, COLUMN)] = resource
    for report in site.reports:
        body = render_report(spec, site, report).encode()
        out[(site.host, report.path)] = _resource(body, HTML, "report", report.published)
    return out


_EPOCH = datetime(2020, 1, 1)


def _resource(body: bytes, content_type: str, kind: str, modified: datetime) -> Resource:
    etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
    modified = modified.replace(tzinfo=UTC)  # the pages' times are Beijing's; close enough
    return Resource(body, content_type, kind, etag, format_datetime(modified, usegmt=True))


_NAV = (
    ("首页", "/"), ("机构概况", "/jggk/"), ("政务公开", "/zwgk/"), ("政务服务", "/zwfw/"),
    ("互动交流", "/hdjl/"), ("走进{city}", "/zjcity/"), ("专题专栏", "/ztzl/"),
    ("政府信息公开", "/xxgk/"), ("政府信息公开指南", "/xxgk/gkzn/"),
    ("政府信息公开制度", "/xxgk/gkzd/"), ("法定主动公开内容", "/xxgk/fdzdgknr/"),
    ("政府信息公开年报", COLUMN), ("规范性文件", "/xxgk/gfxwj/"), ("政策解读", "/xxgk/zcjd/"),
    ("人事信息", "/xxgk/rsxx/"), ("财政资金", "/xxgk/czzj/"), ("规划计划", "/xxgk/ghjh/"),
    ("统计信息", "/xxgk/tjxx/"), ("应急管理", "/xxgk/yjgl/"), ("重点领域", "/xxgk/zdly/"),
    ("建议提案办理", "/xxgk/jyta/"), ("政府常务会议", "/xxgk/cwhy/"), ("领导信息", "/jggk/ldxx/"),
    ("机构职能", "/jggk/jgzn/"), ("12345热线", "/hdjl/rx/"), ("市长信箱", "/hdjl/szxx/"),
    ("征集调查", "/hdjl/zjdc/"), ("在线访谈", "/hdjl/zxft/"), ("办事指南", "/zwfw/bszn/"),
    ("便民服务", "/zwfw/bmfw/"), ("网站地图", "/wzdt/"), ("无障碍浏览", "/wza/"),
)  # fmt: skip

_STYLE = """<style type="text/css">
body{{margin:0;padding:0;font:14px/1.8 "Microsoft YaHei","微软雅黑",SimSun,sans-serif;color:#333;background:#{bg}}}
a{{color:#333;text-decoration:none}}a:hover{{color:#{accent};text-decoration:underline}}
.header{{height:{h}px;background:#{accent} url(/images/{theme}/banner.jpg) no-repeat center top}}
.header .logo{{width:1200px;margin:0 auto;padding-top:36px}}.nav{{background:#{accent};height:46px}}
.nav a{{float:left;padding:0 {pad}px;line-height:46px;color:#fff;font-size:16px}}
.main{{width:1200px;margin:20px auto;overflow:hidden}}.crumb{{height:40px;line-height:40px;border-bottom:1px solid #e5e5e5}}
.xxgk_left{{float:left;width:260px}}.xxgk_right{{float:right;width:910px}}
.xxgk_list li{{height:42px;line-height:42px;border-bottom:1px dashed #ddd;padding-left:14px}}
.xxgk_list li span{{float:right;color:#999}}.page{{text-align:center;padding:24px 0}}
.xxgk_table{{width:100%;border-collapse:collapse;margin-bottom:20px;background:#f7f9fc}}
.xxgk_table th,.xxgk_table td{{border:1px solid #d7dfe9;padding:6px 10px;font-weight:normal}}
.article h1{{font-size:24px;color:#{accent};text-align:center;line-height:40px}}
.TRS_Editor p{{text-indent:2em;margin:10px 0}}.TRS_Editor table{{margin:10px auto;border-collapse:collapse}}
.TRS_Editor td{{border:1px solid #000;padding:4px;text-align:center}}
.footer{{background:#{footer};color:#ccc;text-align:center;padding:20px 0;line-height:28px}}
</style>"""

_CREATE_PAGE = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	var nCurrIndex = _nCurrIndex || 0;
	document.write("<span class=\\"total\\">共" + _nPageCount + "页</span>&nbsp;");
	if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;");
	else if(nCurrIndex == 1) document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;<a href=\\""+_sPageName+"."+_sPageExt+"\\">上一页</a>&nbsp;");
	else document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;<a href=\\""+_sPageName+"_" + (nCurrIndex-1) + "."+_sPageExt+"\\">上一页</a>&nbsp;");
	for(var i=0; i<_nPageCount; i++){
		if(i == nCurrIndex) document.write("<span class=\\"current\\">"+(i+1)+"</span>&nbsp;");
		else if(i == 0) document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">1</a>&nbsp;");
		else document.write("<a href=\\""+_sPageName+"_" + i + "."+_sPageExt+"\\">"+(i+1)+"</a>&nbsp;");
	}
	if(nCurrIndex == (_nPageCount-1)) document.write("<span>下一页</span>&nbsp;<span>尾页</span>");
	else document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\\">下一页</a>&nbsp;<a href=\\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\\">尾页</a>");
}
</script>"""

_STATS_JS = """<script type="text/javascript">
var _hmt = _hmt || [];(function(){{var hm = document.createElement("script");
hm.src = "/js/stat.js?sid={code}&t={t}";var s = document.getElementsByTagName("script")[0];
s.parentNode.insertBefore(hm, s);}})();
function doZoom(size){{var el=document.getElementById("zoom");if(!el)return;el.style.fontSize=size+"px";}}
</script>"""


def _head(site: Site, title: str, extra_meta: str = "", script: str = "") -> str:
    rng = _rng("style", site.index)
    style = _STYLE.format(
        bg="fff" if site.index % 4 else "f4f6f9",
        accent=rng.choice(["1a5aa6", "b8141b", "0b6e4f", "2d4f8b", "9c1f1f", "1d5d9b"]),
        h=rng.choice([120, 140, 160]),
        theme=f"t{site.index % 7}",
        pad=rng.choice([18, 20, 22, 24]),
        footer=rng.choice(["2b2b2b", "1d3557", "333a45"]),
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'<meta name="SiteName" content="{site.city}人民政府">\n'
        f'<meta name="SiteDomain" content="{site.domain}">\n'
        f'<meta name="SiteIDCode" content="{site.code}">\n'
        '<meta name="ColumnName" content="政府信息公开年报">\n'
        f'<meta name="ColumnDescription" content="{site.city}各部门政府信息公开工作年度报告">\n'
        '<meta name="ColumnKeywords" content="政府信息公开年报,政府信息公开工作年度报告">\n'
        '<meta name="ColumnType" content="信息公开年报">\n'
        f"{extra_meta}<title>{title}_{site.city}人民政府</title>\n"
        f'<link rel="stylesheet" type="text/css" href="/css/{site.index % 7}/common.css">\n'
        f"{style}\n{script}</head>\n"
    )


def _header(site: Site) -> str:
    links = "".join(
        f'<a href="{href}" target="_blank">{text.format(city=site.city)}</a>'
        for text, href in _NAV[:7]
    )
    side = "\n".join(
        f'<li><a href="{href}">{text}</a></li>' for text, href in _NAV[7:] if href != "/"
    )
    return (
        '<body>\n<div class="topbar"><div class="w1200"><span class="date" id="today"></span>'
        '<a href="/wza/">无障碍浏览</a> | <a href="/ghb/">关怀版</a> | <a href="/m/">手机版</a>'
        ' | <a href="/wzdt/">网站地图</a></div></div>\n'
        f'<div class="header"><div class="logo"><a href="/" title="{site.city}人民政府">'
        f'<img src="/images/logo_{site.index % 7}.png" alt="{site.city}人民政府"></a></div>'
        '<form class="search" action="/search/" method="get"><input type="text" name="q" '
        'placeholder="请输入关键词"><button type="submit">搜索</button></form></div>\n'
        f'<div class="nav">{links}</div>\n'
        '<div class="main">\n'
        '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a>'
        f' &gt; <a href="{COLUMN}">政府信息公开年报</a></div>\n'
        f'<div class="xxgk_left"><div class="tit">政府信息公开</div><ul class="menu">\n{side}\n'
        "</ul></div>\n"
    )


def _footer(site: Site) -> str:
    return (
        '</div>\n<div class="footer">\n'
        '<p><a href="/gywm/">关于我们</a> | <a href="/bqsm/">版权声明</a> | '
        '<a href="/lxwm/">联系我们</a> | <a href="/wzdt/">网站地图</a></p>\n'
        f"<p>主办单位：{site.city}人民政府办公室　　承办单位：{site.city}政务服务数据管理局</p>\n"
        f"<p>地址：{site.city}人民大道{100 + site.index % 800}号　　邮编："
        f"{330000 + site.index * 7 % 9999:06d}　　联系电话：0{571 + site.index % 300}-"
        f"{87000000 + site.index * 131 % 999999}</p>\n"
        f'<p>网站标识码：{site.code}　　<a href="https://beian.miit.gov.cn/" target="_blank">'
        f"ICP备{10000000 + site.index * 17:08d}号-1</a>　　"
        f"公网安备 {33010002000000 + site.index * 3}号</p>\n"
        "<p>建议使用1366×768以上分辨率、IE10以上版本浏览器访问本网站</p>\n</div>\n"
        + _STATS_JS.format(code=site.code, t=site.index)
        + "\n</body>\n</html>\n"
    )


def render_list(site: Site, k: int, pages: int, entries: list[Report]) -> str:
    rows = "\n".join(
        f'<li><a href="./{r.path[len(COLUMN) :]}" target="_blank" title="{r.title}">{r.title}'
        f"</a><span>{r.published:%Y-%m-%d}</span></li>"
        for r in entries
    )
    if site.flavor == "trs":
        pager = f'<script>createPageHTML({pages}, {k}, "index", "html");</script>'
        script = _CREATE_PAGE + "\n"
    else:
        pager = _plain_pager(k, pages)
        script = ""
    return (
        _head(site, "政府信息公开年报", script=script)
        + _header(site)
        + '<div class="xxgk_right">\n<div class="col_title">政府信息公开年报</div>\n'
        f'<ul class="xxgk_list">\n{rows}\n</ul>\n<div class="page">{pager}</div>\n</div>\n'
        + _footer(site)
    )


def _plain_pager(k: int, pages: int) -> str:
    def name(i: int) -> str:
        return "index.html" if i == 0 else f"index_{i}.html"

    parts = [f'<span class="total">共{pages}页</span>']
    if k == 0:
        parts.append("<span>首页</span><span>上一页</span>")
    else:
        parts.append(f'<a href="{name(0)}">首页</a><a href="{name(k - 1)}">上一页</a>')
    for i in range(pages):
        parts.append(
            f'<span class="current">{i + 1}</span>'
            if i == k
            else f'<a href="{name(i)}">{i + 1}</a>'
        )
    if k == pages - 1:
        parts.append("<span>下一页</span><span>尾页</span>")
    else:
        parts.append(f'<a href="{name(k + 1)}">下一页</a><a href="{name(pages - 1)}">尾页</a>')
    return "&nbsp;".join(parts)


def render_report(spec: Spec, site: Site, report: Report) -> str:
    rng = _rng(spec.seed, "report", site.index, report.rid)
    agency = f"{site.city}{report.dept}"
    pub = report.published
    written = pub.date().replace(day=max(1, pub.day - rng.randint(0, 5)))
    meta = (
        f'<meta name="ArticleTitle" content="{report.title}">\n'
        f'<meta name="PubDate" content="{pub:%Y-%m-%d %H:%M}">\n'
        f'<meta name="ContentSource" content="{agency}">\n'
        '<meta name="Keywords" content="政府信息公开,年度报告">\n'
        f'<meta name="Url" content="http://{site.domain}{report.path}">\n'
    )
    head = _head(site, report.title, meta) + _header(site)
    info = (
        '<div class="xxgk_right">\n<table class="xxgk_table">\n'
        f"<tr><th>索引号：</th><td>{site.code[:9]}/{pub.year}-{report.rid % 100000:05d}</td>"
        "<th>主题分类：</th><td>综合政务\\政务公开</td></tr>\n"
        f"<tr><th>发布机构：</th><td>{agency}</td><th>公开方式：</th><td>主动公开</td></tr>\n"
        f"<tr><th>成文日期：</th><td>{written:%Y-%m-%d}</td>"
        f"<th>发布日期：</th><td>{pub:%Y-%m-%d %H:%M}</td></tr>\n"
        "<tr><th>文号：</th><td></td><th>有效性：</th><td>有效</td></tr>\n"
        f'<tr><th>名称：</th><td colspan="3">{report.title}</td></tr>\n</table>\n'
        f'<div class="article">\n<h1 class="artT">{report.title}</h1>\n'
        f'<div class="art_infos"><span>来源：{agency}</span><span>浏览次数：'
        f'<em id="count">{rng.randint(50, 9000)}</em></span><span class="font">字号：'
        '<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> '
        '<a href="javascript:doZoom(12)">小</a></span></div>\n'
        '<div class="TRS_Editor" id="zoom">\n'
    )
    tail = (
        "</div>\n"
        '<div class="art_tools"><a href="javascript:window.print()">打印本页</a>　'
        '<a href="javascript:window.close()">关闭窗口</a></div>\n</div>\n</div>\n'
    )
    text = _Text(rng, site, report, agency)
    tables = text.tables()
    footer = _footer(site)
    fixed = sum(len(part.encode()) for part in (head, info, tables, tail, footer))
    return head + info + text.body(int(spec.report_kb * 1024) - fixed, tables) + tail + footer


# ------------------------------------------------------------------------------- the text

_TERMS = (
    "重大建设项目", "公共资源配置", "社会公益事业建设", "财政预决算", "减税降费", "优化营商环境",
    "乡村振兴", "安全生产", "生态环境保护", "食品药品安全", "义务教育", "医疗卫生", "就业创业",
    "社会救助", "养老服务", "住房保障", "征地拆迁", "国有企业运营监管", "政府采购",
    "行政许可", "行政处罚", "行政强制", "双随机一公开", "权责清单", "公共法律服务",
    "突发事件应对", "疫情防控", "防汛抗旱", "城市更新", "老旧小区改造", "公共交通",
    "水资源管理", "耕地保护", "高标准农田建设", "农村人居环境整治", "民生实事项目",
    "重点项目建设", "招商引资", "科技创新", "知识产权保护", "数字政府建设", "一网通办",
    "最多跑一次", "证明事项告知承诺制", "政务服务事项", "公共文化服务", "全民健身",
    "退役军人服务保障", "残疾人帮扶", "未成年人保护", "妇女儿童发展", "统计数据发布",
    "审计整改", "人事任免", "公务员招录", "事业单位公开招聘", "预算绩效管理", "专项资金分配",
    "政府债务", "惠企政策", "涉企收费", "市场监管执法", "消费者权益保护", "产品质量抽检",
    "特种设备安全", "道路交通安全", "消防安全", "燃气安全", "危险化学品监管", "矿山安全",
    "地质灾害防治", "森林防火", "大气污染防治", "水污染防治", "土壤污染防治", "垃圾分类",
    "节能减排", "碳达峰碳中和", "河湖长制", "林长制", "基层政务公开标准化规范化",
    "政策文件库", "政府网站集约化", "政务新媒体", "政务服务热线", "人大代表建议",
    "政协委员提案", "规范性文件备案审查", "合法性审查", "重大行政决策", "公众参与",
    "专家论证", "风险评估", "集体讨论决定", "政策解读", "回应关切", "舆情处置",
)  # fmt: skip
_OPENERS = (
    "{year}年，", "报告期内，", "全年，", "一年来，", "今年以来，", "{year}年度，", "本年度，",
    "过去一年，", "{year}年上半年，", "{year}年下半年，", "按照年度工作要点，", "",
)  # fmt: skip
_SUBJECTS = (
    "我局", "本机关", "我单位", "局党组", "局办公室", "各科室", "局属各单位", "我局政务公开领导小组",
    "机关各处室", "我局信息公开工作机构",
)  # fmt: skip
# Clauses: a sentence is an opener, a subject and one to three clauses, so sentences rarely
# repeat within a page while the vocabulary stays that of real reports.
_CLAUSES = (
    "坚持以公开为常态、不公开为例外",
    "围绕{t1}和{t2}等重点领域主动公开政府信息{n1}条",
    "认真贯彻落实《中华人民共和国政府信息公开条例》",
    "把{t1}作为政务公开的重要内容，全年发布相关信息{n2}条",
    "通过门户网站、政务微博和政务微信等渠道发布{t1}方面的信息{n2}条",
    "相关信息阅读量累计{n4}人次",
    "制定印发《{doc}》",
    "明确{t1}信息公开的责任分工、工作流程和时限要求",
    "组织召开政务公开专题会议{n3}次",
    "研究部署{t1}、{t2}等领域信息公开工作",
    "举办政务公开业务培训{n3}期，参训人员{n2}人次",
    "进一步提升工作人员依法公开的意识和能力",
    "发布{t1}政策解读{n3}篇，其中图文解读{n3}篇、视频解读{n3}个",
    "主要负责同志解读重要政策{n3}次",
    "对涉及{t1}的{n2}件规范性文件进行清理，废止{n3}件、修改{n3}件",
    "及时向社会公布{t1}文件清理结果",
    "依法受理政府信息公开申请{n2}件，均在法定期限内予以答复",
    "持续优化政府信息公开专栏，新增“{t1}”“{t2}”等子栏目{n3}个",
    "全年栏目信息更新{n2}次",
    "严格落实公开前保密审查制度，审查拟公开信息{n1}条",
    "未发生泄密事件和因公开不当引发的舆情",
    "开展{t1}领域信息公开专项检查{n3}次，发现并整改问题{n3}个",
    "通过新闻发布会、在线访谈等形式回应社会关切{n3}次",
    "其中涉及{t1}的{n3}次",
    "在{t1}工作中推行决策、执行、管理、服务、结果“五公开”",
    "将公开要求嵌入公文办理全流程，公文公开属性源头认定率达{pct}%",
    "办理人大代表建议{n3}件、政协委员提案{n3}件，复文全文公开{n3}件",
    "更新完善政府信息公开指南和主动公开目录",
    "梳理{t1}、{t2}等公开事项{n2}项",
    "深化{t1}信息公开，按月公开{t2}进展情况",
    "依托政务服务热线受理群众诉求{n4}件，其中涉及{t1}的{n2}件，办结率{pct}%",
    "将政务公开工作纳入年度绩效考核，考核分值占比{n3}%",
    "压实{t1}等领域公开责任",
    "建立健全政策解读与文件同步组织、同步审签、同步部署机制",
    "开展政府开放日活动{n3}场，邀请{n2}名市民代表走进机关",
    "在门户网站开设“{t1}”专题，集中发布政策文件、工作动态和办事指南{n2}条",
    "公开{t1}相关行政处罚决定{n2}件、行政许可决定{n1}件",
    "公示期满后及时撤下涉及个人隐私的内容",
    "实行登记、审核、答复、归档全流程台账管理，平均答复时间{n3}个工作日",
    "加强政务新媒体管理，关停整合账号{n3}个",
    "保留的{n3}个账号全年发布信息{n2}条",
    "围绕{t1}开展政策宣传进社区、进企业活动{n3}场，发放宣传资料{n2}份",
    "对照《{doc}》逐项梳理{t1}领域标准目录",
    "完成{n3}类{n2}项公开事项的规范化建设",
    "{t1}相关数据按季度在统计信息栏目发布",
    "针对{t1}中群众反映集中的问题，在{n3}个工作日内公开处理结果",
    "会同{dept}联合发布{t1}工作通报{n3}期",
    "邀请{n3}名利益相关方代表列席局务会议，就{t1}听取意见",
    "{t1}领域的{n3}项重大行政决策事项全部向社会公开征求意见，收到意见建议{n2}条",
    "采纳合理化建议{n3}条并在网站公开采纳情况",
    "对{n3}个乡镇（街道）的政务公开专区开展业务指导",
    "编印《{year}年{t1}政策汇编》{n2}册，免费向群众发放",
    "在政务服务中心设置政府信息公开查阅点{n3}个，接待查阅群众{n2}人次",
    "向档案馆、图书馆移送政府信息公开文件{n2}件",
    "完成{year}年度政府信息公开工作年度报告的编制和发布",
    "推动{t1}和{t2}信息公开向基层延伸",
)
_DOC_SUFFIX = ("实施方案", "管理办法", "工作方案", "若干措施", "行动计划", "工作规则", "实施细则")
_PROBLEMS = (
    "一是{t1}方面的信息公开还不够及时全面；",
    "二是政策解读形式较为单一，图解、视频等形式运用不多；",
    "三是部分栏目更新不够及时，{t1}信息的时效性有待提高；",
    "四是依申请公开答复文书规范性还需进一步加强；",
    "五是基层单位政务公开工作人员变动频繁，业务能力有待提升。",
)


_YEAR, _CITY = "\x01", "\x02"  # filled in per page
_POOL: list[str] = []


def _pool() -> list[str]:
    """8,000 distinct sentences, drawn once: a page picks its ~100 from them, so sentences
    rarely repeat within a page (each body is compressed on its own) and rendering stays cheap."""
    if not _POOL:
        rng = _rng("sentences")
        fields = {
            "t1": lambda: rng.choice(_TERMS), "t2": lambda: rng.choice(_TERMS),
            "n1": lambda: rng.randint(100, 4000), "n2": lambda: rng.randint(10, 600),
            "n3": lambda: rng.randint(1, 40), "n4": lambda: rng.randint(1000, 90000),
            "pct": lambda: rng.randint(90, 100), "year": lambda: _YEAR,
            "dept": lambda: _CITY + rng.choice(DEPTS),
            "doc": lambda: _CITY + rng.choice(_TERMS) + rng.choice(_DOC_SUFFIX),
        }  # fmt: skip
        parsed = [list(string.Formatter().parse(c)) for c in _CLAUSES]

        def clause() -> str:
            parts = parsed[rng.randrange(len(parsed))]
            return "".join(lit + (str(fields[f]()) if f else "") for lit, f, _, _ in parts)

        for _ in range(8000):
            clauses = "，".join(clause() for _ in range(1 + rng.randrange(3)))
            opener = rng.choice(_OPENERS).format(year=_YEAR)
            _POOL.append(f"{opener}{rng.choice(_SUBJECTS)}{clauses}。")
    return _POOL


class _Text:
    def __init__(self, rng: random.Random, site: Site, report: Report, agency: str) -> None:
        self.rng, self.site, self.report, self.agency = rng, site, report, agency
        self.r = rng.random
        self.word = site.word

    def _p(self, text: str, bold: bool = False) -> str:
        if self.word:
            inner = (
                f"<b><span style='font-family:黑体'>{text}</span></b>"
                if bold
                else (f"<span style='font-family:仿宋_GB2312;font-size:16.0pt'>{text}</span>")
            )
            return f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'>{inner}</p>\n"
        return (
            f'<p style="text-indent:2em;">{"<strong>" + text + "</strong>" if bold else text}</p>\n'
        )

    def sentence(self) -> str:
        pool = _pool()
        return pool[int(self.r() * len(pool))]

    def paragraph(self, sentences: int) -> str:
        text = "".join(self.sentence() for _ in range(sentences))
        return text.replace(_YEAR, str(self.report.year)).replace(_CITY, self.site.city)

    def body(self, budget: int, tables: str) -> str:
        """The report's text and tables; the narrative grows until it fills `budget` bytes."""
        year, rng = self.report.year, self.rng
        intro = self._p(
            "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。全文包括总体"
            "情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政"
            f"诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告中所列数据的统计期限自{year}"
            f"年1月1日起至{year}年12月31日止。本报告的电子版可在{self.site.city}人民政府门户网站"
            f"（http://{self.site.domain}）下载。如对本报告有疑问，请与{self.agency}办公室联系。"
        )
        closing = (
            self._p("五、存在的主要问题及改进情况", bold=True)
            + self._p(
                "".join(p.format(t1=rng.choice(_TERMS)) for p in _PROBLEMS)
                + f"{year + 1}年，我们将"
                + self.paragraph(2)
            )
            + self._p("六、其他需要报告的事项", bold=True)
            + self._p(
                f"本年度未收取政府信息公开信息处理费。{self.paragraph(1)}"
                f'</p>\n<p style="text-align:right;">{self.agency}<br>'
                f"{self.report.published:%Y年%-m月%-d日}"
            )
        )
        used = len(intro.encode()) + len(closing.encode())
        parts = [intro, self._p("一、总体情况", bold=True)]
        heads = ("主动公开", "依申请公开", "政府信息管理", "平台建设", "监督保障")
        numerals = "一二三四五六七八九十"
        i = 0
        while used < budget or i < 3:
            label = f"（{numerals[i % 10]}）{heads[i % len(heads)]}。" if i < 10 else ""
            para = self._p(label + self.paragraph(rng.randint(3, 6)))
            used += len(para.encode())
            parts.append(para)
            i += 1
        return "".join(parts) + tables + closing

    def tables(self) -> str:
        if self.report.year >= 2019:
            return self._tables_2019()
        return self._table_2014()

    def _td(self, value: object, attrs: str = "") -> str:
        if self.word:
            return (
                f"<td{attrs}><p class=MsoNormal align=center><span lang=EN-US>{value}"
                "<o:p></o:p></span></p></td>"
            )
        return f"<td{attrs}>{value}</td>"

    def _table(self, rows: list[str]) -> str:
        open_ = (
            "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=600 "
            "style='border-collapse:collapse;border:none'>\n"
            if self.word
            else '<table border="1" cellspacing="0" cellpadding="0">\n'
        )
        return open_ + "".join(f"<tr>{r}</tr>\n" for r in rows) + "</table>\n"

    def _table_2014(self) -> str:
        rng, td = self.rng, self._td
        rows = [td("统计指标") + td("单位") + td("统计数")]
        items = (
            ("一、主动公开情况", "", ""), ("（一）主动公开政府信息数", "条", rng.randint(100, 3000)),
            ("其中：主动公开规范性文件数", "条", rng.randint(0, 60)),
            ("制发规范性文件总数", "件", rng.randint(0, 60)),
            ("（二）通过不同渠道和方式公开政府信息的情况", "", ""),
            ("1.政府公报公开政府信息数", "条", rng.randint(0, 100)),
            ("2.政府网站公开政府信息数", "条", rng.randint(100, 3000)),
            ("3.政务微博公开政府信息数", "条", rng.randint(0, 900)),
            ("4.政务微信公开政府信息数", "条", rng.randint(0, 900)),
            ("5.其他方式公开政府信息数", "条", rng.randint(0, 200)),
            ("二、回应解读情况", "", ""),
            ("（一）回应公众关注热点或重大舆情数", "次", rng.randint(0, 30)),
            ("（二）通过不同渠道和方式回应解读的情况", "", ""),
            ("1.参加或举办新闻发布会总次数", "次", rng.randint(0, 20)),
            ("2.政府网站在线访谈次数", "次", rng.randint(0, 12)),
            ("3.政策解读稿件发布数", "篇", rng.randint(0, 40)),
            ("三、依申请公开情况", "", ""), ("（一）收到申请数", "件", rng.randint(0, 200)),
            ("1.当面申请数", "件", rng.randint(0, 50)), ("2.传真申请数", "件", 0),
            ("3.网络申请数", "件", rng.randint(0, 150)), ("4.信函申请数", "件", rng.randint(0, 20)),
            ("（二）申请办结数", "件", rng.randint(0, 200)),
            ("1.按时办结数", "件", rng.randint(0, 200)), ("2.延期办结数", "件", rng.randint(0, 5)),
            ("四、行政复议数量", "件", rng.randint(0, 5)),
            ("五、行政诉讼数量", "件", rng.randint(0, 3)),
            ("六、举报投诉数量", "件", rng.randint(0, 3)),
            ("七、依申请公开信息收取的费用", "万元", 0),
            ("八、机构建设和保障经费情况", "", ""),
            ("（一）政府信息公开工作专门机构数", "个", rng.randint(1, 3)),
            ("（二）从事政府信息公开工作人员数", "人", rng.randint(1, 12)),
            ("九、政府信息公开会议和培训情况", "", ""),
            ("（一）召开政府信息公开工作会议或专题会议数", "次", rng.randint(1, 10)),
            ("（二）举办各类培训班数", "次", rng.randint(1, 10)),
            ("（三）接受培训人员数", "人次", rng.randint(10, 500)),
        )  # fmt: skip
        rows += [td(a) + td(b) + td(c) for a, b, c in items]
        return self._p("二、政府信息公开情况统计表", bold=True) + self._table(rows)

    def _tables_2019(self) -> str:
        rng, td = self.rng, self._td
        active = [td("第二十条第（一）项", " colspan=4")]
        active.append(td("信息内容") + td("本年制发件数") + td("本年废止件数") + td("现行有效件数"))
        for label in ("规章", "行政规范性文件"):
            active.append(
                td(label) + td(rng.randint(0, 30)) + td(rng.randint(0, 8)) + td(rng.randint(5, 200))
            )
        for item, labels in (
            ("第二十条第（五）项", ("行政许可",)),
            ("第二十条第（六）项", ("行政处罚", "行政强制")),
            ("第二十条第（八）项", ("行政事业性收费",)),
        ):
            active.append(td(item, " colspan=4"))
            active.append(td("信息内容") + td("本年处理决定数量", " colspan=3"))
            for label in labels:
                active.append(td(label) + td(rng.randint(0, 3000), " colspan=3"))
        applicants = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
        requests = [
            td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
               " colspan=3 rowspan=3") + td("申请人情况", " colspan=7"),
            td("自然人", " rowspan=2") + td("法人或其他组织", " colspan=5") + td("总计", " rowspan=2"),
            "".join(td(a) for a in applicants[1:]),
        ]  # fmt: skip
        outcomes = [
            ("（一）予以公开", None),
            ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
            *(("（三）不予公开", s) for s in (
                "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
                "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
                "7.属于行政执法案卷", "8.属于行政查询事项")),
            *(("（四）无法提供", s) for s in (
                "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
                "3.补正后申请内容仍不明确")),
            *(("（五）不予处理", s) for s in (
                "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物",
                "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息")),
            ("（六）其他处理", None),
        ]  # fmt: skip
        counts = [
            [rng.choice((0, 0, 0, 1, 2, rng.randint(0, 40))) for _ in range(6)] for _ in outcomes
        ]
        carried = [rng.randint(0, 3) for _ in range(6)]
        previous = [rng.randint(0, 3) for _ in range(6)]
        done = [sum(c[j] for c in counts) for j in range(6)]
        new = [done[j] + carried[j] - previous[j] for j in range(6)]
        new = [max(0, v) for v in new]

        def cells(values: list[int]) -> str:
            return "".join(td(v) for v in values) + td(sum(values))

        requests.append(td("一、本年新收政府信息公开申请数量", " colspan=3") + cells(new))
        requests.append(td("二、上年结转政府信息公开申请数量", " colspan=3") + cells(previous))
        group = None
        for n, ((head, sub), values) in enumerate(zip(outcomes, counts, strict=True)):
            first = td("三、本年度办理结果", f" rowspan={len(outcomes) + 1}") if n == 0 else ""
            if sub is None:
                requests.append(first + td(head, " colspan=2") + cells(values))
            else:
                span = sum(1 for h, _ in outcomes if h == head)
                lead = td(head, f" rowspan={span}") if head != group else ""
                requests.append(first + lead + td(sub) + cells(values))
            group = head
        requests.append(td("（七）总计", " colspan=2") + cells(done))
        requests.append(td("四、结转下年度继续办理", " colspan=3") + cells(carried))
        review = [
            td("行政复议", " colspan=5") + td("行政诉讼", " colspan=10"),
            "".join(td(h, " rowspan=2") for h in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
            + td("未经复议直接起诉", " colspan=5") + td("复议后起诉", " colspan=5"),
            "".join(td(h) for h in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2),
        ]  # fmt: skip
        figures = []
        for _ in range(3):
            part = [rng.choice((0, 0, 1, 2)) for _ in range(4)]
            figures += [*part, sum(part)]
        review.append("".join(td(v) for v in figures))
        return (
            self._p("二、主动公开政府信息情况", bold=True)
            + self._table(active)
            + self._p("三、收到和处理政府信息公开申请情况", bold=True)
            + self._table(requests)
            + self._p("四、政府信息公开行政复议、行政诉讼情况", bold=True)
            + self._table(review)
        )
