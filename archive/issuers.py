"""Whose report is it? The issuing agency as the report states it, and whether that is the
source's own agency or another's report reposted in its column.

Real columns repost: a development zone's or a department's 年报 column often carries the
city's and the province's reports beside its own. The register must count only the source's
own reports, or it says an agency published on time when what its column holds is the city's.

The issuer is read from what the report itself says, strongest first: the title's prefix
(平潭综合实验区地方税务局2013年…), a closing signature (a name on its own line above the date),
then the page's 发布机构 label, `ContentSource` meta and 来源 label (often the site that posted
it, so they come last). Whether that names the source's agency is judged conservatively: a
false "repost" would hide a report from the register, so anything that can be read as a short,
older or other form of the source's name is the source itself — 市口岸办 is
深圳市人民政府口岸办公室, 区管委会 is 平潭综合实验区管理委员会, 工商局 is 市场监督管理局 (the 2018
reform renamed it), and a source's config may list further names (`aliases`). A report that
names no issuer is the source's. Only a name that cannot be the source's is a repost: another
agency (地方税务局 in a government's column), or a government in one of its departments'
columns (深圳市人民政府 in 口岸办's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from sqlite_utils import Database

TITLE = "title"
SIGNATURE = "signature"
PUBLISHER_LABEL = "publisher_label"
META = "meta"
SOURCE_LABEL = "source_label"

_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九○OＯ０◯]{4})\s*年"
_BEFORE_YEAR = re.compile(rf"^(?P<name>.+?)(?:关于)?[（(《]?{_YEAR}")
_AFTER_YEAR = re.compile(rf"^[（(《]?{_YEAR}度?(?P<name>.+?)(?:政府)?信息公开")
_SUFFIX = re.compile(
    r"(局|厅|委|委员会|办|办公室|办公厅|政府|院|署|会|中心|关|区|县|市|省|州|旗|盟|部|处|所|站|"
    r"队|馆|社|镇|乡|街道)$"
)
_SELF = re.compile(r"^(我|本)")
_GENERIC = {"政府", "人民政府", "机关", "部门", "单位"}  # a kind of agency, not one
_LABEL = re.compile(
    r"(?:^|\n|\s)(?P<label>发布机构|发文机关|来源|信息来源|文章来源)\s*[:：]\s*(?P<name>[^\s|｜:：]{2,40})"
)
_DATE_LINE = re.compile(
    rf"^{_YEAR}[\d〇零一二三四五六七八九十○OＯ０◯]{{1,3}}月[\d〇零一二三四五六七八九十○OＯ０◯]{{1,3}}日$"
)
_NOISE = re.compile(r"[\s\W_]+")
# A government's own name: a bare place, or its people's government or zone committee.
_GOVERNMENT = re.compile(
    r"(人民政府|政府|管委会|管理委员会|人民政府办公厅|人民政府办公室|政府办公厅|政府办公室|"
    r"省|市|县|区|州|旗|盟|自治区|自治州|自治县|特别行政区)$"
)
_LEVELS = "省市州县区旗盟"
_PLACE = re.compile(
    r"[\u4e00-\u9fff]{2,8}?(?:自治区|特别行政区|自治州|自治县|省|市|州|县|区|旗|盟)"
)
# Renamed by the 2018 institutional reform (and common short forms): one agency, old or new name.
_RENAMES = (
    (re.compile(r"工商行政管理局|工商局|质量技术监督局|质监局|食品药品监督管理局|食药监局"),
     "市场监督管理局"),
    (re.compile(r"环境保护局|环保局"), "生态环境局"),
    (re.compile(r"国土资源局|国土局"), "自然资源局"),
    (re.compile(r"卫生和计划生育委员会|卫生计生委|卫计委"), "卫生健康委员会"),
    (re.compile(r"地方税务局|地税局|国家税务局|国税局"), "税务局"),
    (re.compile(r"党工委管委会|党工委"), "管委会"),
    (re.compile(r"^中共"), ""),
)  # fmt: skip


def stated(
    title: str | None, meta_source: str | None = None, text: str | None = None
) -> tuple[str | None, str | None]:
    """(issuer, evidence) as the report states it, or (None, None) when it names none."""
    from_title = _from_title(title)
    if from_title:
        return from_title, TITLE
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    signature = _signature(lines)
    if signature:
        return signature, SIGNATURE
    labels = {m["label"]: m["name"] for m in _LABEL.finditer(text or "") if _agency_like(m["name"])}
    for label in ("发布机构", "发文机关"):
        if label in labels:
            return labels[label], PUBLISHER_LABEL
    if meta_source and _agency_like(meta_source.strip()):
        return meta_source.strip(), META
    for label in ("来源", "信息来源", "文章来源"):
        if label in labels:
            return labels[label], SOURCE_LABEL
    return None, None


def _from_title(title: str | None) -> str | None:
    if not title:
        return None
    title = "".join(title.split())
    for pattern in (_BEFORE_YEAR, _AFTER_YEAR):
        found = pattern.match(title)
        if found and _agency_like(found["name"]):
            return found["name"]
    return None


def _signature(lines: list[str]) -> str | None:
    """The last name standing on its own line right above a date line: the report's signature."""
    for name, date_line in reversed(list(pairwise(lines))):
        if _DATE_LINE.match(date_line) and len(name) <= 30 and _agency_like(name):
            return name
    return None


def _agency_like(name: str) -> bool:
    """A name an agency could bear: two or more characters, no punctuation, an agency's ending,
    and not a self-reference (我办, 本局: the report's own agency, i.e. no name at all)."""
    return (
        len(name) >= 2
        and not _NOISE.search(name)
        and not re.search(r"\d", name)
        and bool(_SUFFIX.search(name))
        and not _SELF.match(name)
        and name not in _GENERIC
    )


def is_own(issuer: str | None, agency: str, aliases: Iterable[str] = ()) -> bool:
    """Whether `issuer` can be the source's agency (`agency`, or one of its `aliases`).

    True when no issuer is stated, when either name can be read as a short form of the other
    (its characters in order: 市口岸办 in 深圳市人民政府口岸办公室) once renames are applied,
    and both are a government or both are not (深圳市人民政府 is in 深圳市人民政府口岸办公室's name
    but is not that office).
    """
    if not issuer:
        return True
    return _is_own(issuer, agency, tuple(aliases))


@lru_cache(maxsize=65536)
def _is_own(issuer: str, agency: str, aliases: tuple[str, ...]) -> bool:
    mine = {_norm(n) for name in (agency, *aliases) for n in _names(name)}
    theirs = {_norm(n) for n in _names(issuer)}
    return any(_same(a, b) for a in theirs for b in mine if a and b)


def _names(name: str) -> list[str]:
    """A name with a second one in brackets (…办公室（…管理局）) is both."""
    return [part for part in re.split(r"[（）()]", name) if part.strip()]


def _norm(name: str) -> str:
    name = _NOISE.sub("", name)
    for pattern, new in _RENAMES:
        name = pattern.sub(new, name)
    return name


def _same(a: str, b: str) -> bool:
    if bool(_GOVERNMENT.search(a)) != bool(_GOVERNMENT.search(b)):
        return False
    if not _same_place(_places(a), _places(b)):
        return False  # 深圳市人民政府 is not 深圳市福田区人民政府, though its characters are in it
    return _in_order(a, b) or _in_order(b, a)


def _places(name: str) -> list[str]:
    """The administrative places a name starts with (广东省深圳市福田区… → three); a leading bare
    level (市口岸办, 区管委会) stands for "this one". A place is two to eight characters before
    its level, so 城市 in 广州市城市管理局 is not one."""
    places, pos = [], 0
    if name[:1] in _LEVELS:
        places, pos = [name[0]], 1
    while found := _PLACE.match(name, pos):
        places.append(found.group())
        pos = found.end()
    return places


def _same_place(a: list[str], b: list[str]) -> bool:
    """The most specific places named agree, or one of the names names none."""
    if not a or not b:
        return True
    last_a, last_b = a[-1], b[-1]
    if len(last_a) == 1 or len(last_b) == 1:  # a bare level: the same level
        return last_a[-1] == last_b[-1]
    return _in_order(last_a, last_b) or _in_order(last_b, last_a)


def _in_order(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def mark_reposts(db: Database, sources: Iterable) -> int:
    """Set `reports.repost` from each report's issuer and its source's names (the config may
    have changed them since); return how many reports are reposts."""
    names = {s.id: (s.agency, tuple(s.aliases)) for s in sources}
    pairs = db.execute(
        "SELECT DISTINCT source_id, issuer FROM reports WHERE issuer IS NOT NULL"
    ).fetchall()
    reposts = [
        (sid, issuer)
        for sid, issuer in pairs
        if sid in names and not is_own(issuer, names[sid][0], names[sid][1])
    ]
    db.execute("CREATE TEMP TABLE IF NOT EXISTS repost_pairs (source_id TEXT, issuer TEXT)")
    db.execute(
        "CREATE INDEX IF NOT EXISTS temp.repost_pairs_key ON repost_pairs (source_id, issuer)"
    )
    db.execute("DELETE FROM temp.repost_pairs")
    db.conn.executemany("INSERT INTO temp.repost_pairs VALUES (?, ?)", reposts)
    listed = (
        "EXISTS (SELECT 1 FROM temp.repost_pairs p"
        " WHERE p.source_id = reports.source_id AND p.issuer = reports.issuer)"
    )
    db.execute(f"UPDATE reports SET repost = 1 WHERE repost = 0 AND {listed}")
    db.execute(f"UPDATE reports SET repost = 0 WHERE repost = 1 AND NOT {listed}")
    db.execute("DELETE FROM temp.repost_pairs")
    return db.execute("SELECT count(*) FROM reports WHERE repost = 1").fetchone()[0]
