"""The date a report was published, from the page's labels, its metas, the list entry or its URL.

Overdue detection compares this date with a statutory deadline, so the wrong date is worse than
none.  Report pages carry several dates: the metadata table's 成文日期 / 发文日期 (when the text
was signed), 归档时间 (archiving), print/generation stamps, and in-body dates such as the period
"2014年1月1日至12月31日".  Only a date labelled 发布 / 公开 / 发表 is the publish date; a bare
时间 / 日期 label is a weaker second tier (domain notes §5 "Dates").  Then the standard ``PubDate``
meta, the date shown on the list page, and last the URL's date (TRS/Hanweb paths embed the publish
date).  Every date must be a real calendar date between 1990-01-01 and tomorrow.  A 发布 label
whose date cannot be read (二〇二三年十三月…) leaves the page's other labels out — 统计时间 or
截至时间 lie inside the report's own year — and, with no meta, list or URL date, the report undated
with the evidence ``unreadable_label``.

``today`` is a keyword argument everywhere so tests and replays can fix the clock.
Pure functions: no Scrapy, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

__all__ = ["UNREADABLE_LABEL", "labelled_date", "parse_date", "pick_published_on", "url_date"]

# The evidence of an undated report whose 发布/公开 label holds a date we cannot read: no other
# label (统计时间, 截至时间, a bare 时间) may stand in for it.
UNREADABLE_LABEL = "unreadable_label"

EARLIEST = dt.date(1990, 1, 1)

# The 〇 of 二〇二三 as agencies type it: ○, ◯, 零, ASCII or full-width 0, the letter O (both
# widths). 元月 is January (元 only as a month).
_ZEROS = "〇○◯零0０OＯ"
_CN_NUM = {c: i for i, c in enumerate("〇一二三四五六七八九")} | dict.fromkeys(_ZEROS, 0)
_CN_CHARS = "".join(_CN_NUM) + "十"

# Separators allow spaces but not newlines: "2017年3月\n12…" is a month followed by a number.
_ARABIC_DATE = re.compile(
    r"(?<!\d)(\d{4})[ \t]*[-/.年][ \t]*(\d{1,2})[ \t]*[-/.月][ \t]*(\d{1,2})(?!\d)"
)
# Chinese numerals, or Chinese mixed with Arabic ("2023年元月15日", "2023年一月十五日"); an
# all-Arabic date is _ARABIC_DATE's, which is found first at the same offset.
_CHINESE_DATE = re.compile(
    rf"([{_CN_CHARS}]{{4}}|\d{{4}})[ \t]*年[ \t]*(元|[{_CN_CHARS}]{{1,2}}|\d{{1,2}})[ \t]*月"
    rf"[ \t]*([{_CN_CHARS}]{{1,3}}|\d{{1,2}})[ \t]*日"
)
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:[\sT]*\d{1,2}:?\d{2}(?::?\d{2})?)?\s*$")


def _plausible(day: dt.date, today: dt.date | None) -> bool:
    latest = (today or dt.date.today()) + dt.timedelta(days=1)
    return EARLIEST <= day <= latest


def _make_date(year: int, month: int, day: int, today: dt.date | None) -> dt.date | None:
    """A valid, plausible date or None (2015-02-30 and 1900-01-01 are both None)."""
    try:
        candidate = dt.date(year, month, day)
    except ValueError:
        return None
    return candidate if _plausible(candidate, today) else None


def _cn_number(text: str) -> int:
    """十 = 10, 十二 = 12, 二十 = 20, 二十三 = 23, 三十一 = 31; other numerals digit by digit.

    Arabic digits are read as such; 元 (as in 元月) is 1.
    """
    if text.isdecimal():  # 2023, 15, ２０２３ (a Chinese numeral is not decimal)
        return int(text)
    if text == "元":
        return 1
    if "十" in text:
        tens, _, units = text.partition("十")
        return _cn_number(tens or "一") * 10 + (_cn_number(units) if units else 0)
    value = 0
    for char in text:
        value = value * 10 + _CN_NUM[char]
    return value


def _chinese_date(match: re.Match[str], today: dt.date | None) -> dt.date | None:
    if "十" in match.group(1):
        return None
    year, month, day = (_cn_number(group) for group in match.groups())
    return _make_date(year, month, day, today)


def _first_date(text: str, today: dt.date | None) -> tuple[dt.date | None, int]:
    """The first date written in ``text`` (None if invalid) and its offset (-1 when none)."""
    arabic = _ARABIC_DATE.search(text)
    chinese = _CHINESE_DATE.search(text)
    if arabic and (not chinese or arabic.start() <= chinese.start()):
        year, month, day = (int(group) for group in arabic.groups())
        return _make_date(year, month, day, today), arabic.start()
    if chinese:
        return _chinese_date(chinese, today), chinese.start()
    return None, -1


def parse_date(text: str | None, *, today: dt.date | None = None) -> dt.date | None:
    """One date string → a date, or None when it does not hold a full, valid, plausible date.

    Accepts 2015-02-04, 2015/2/4, 2015.02.04, 2015年2月4日, 二〇一五年二月四日 and 20150204, each
    with an optional time ("2015-02-04 01:35", "2022-04-17T14:46:00+08:00").  Month-only
    strings ("2015年2月", "2015-02") are None: a month is not a publish date.
    """
    if not text:
        return None
    compact = _COMPACT_DATE.match(text)
    if compact:
        year, month, day = (int(group) for group in compact.groups())
        return _make_date(year, month, day, today)
    return _first_date(text, today)[0]


# 成文日期 / 归档时间 are never publish dates; the label regexes below cannot match them because
# they require 发布/公开/发表 (tier 1) or check the words before a bare 时间/日期 (tier 2).
_PUBLISH_LABEL = re.compile(r"(?:发布|公开|发表|发稿)(?:日期|时间)|发布于|发布[:：]")
_BARE_LABEL = re.compile(r"(?:时间|日期)")
_NOT_PUBLISH = (
    "成文", "归档", "发文", "生成", "打印", "印发", "实施", "施行", "生效", "失效", "废止",
    "截止", "受理", "办结", "申请", "访问", "浏览", "更新", "创建", "修改",
    "统计", "截至", "起止", "数据",  # a statistics cut-off lies inside the report's own year
)  # fmt: skip
_GAP = re.compile(r"[\s:：\]】)）|｜]*")
_DATEISH = re.compile(rf"(?:\d{{4}}|[{_CN_CHARS}]{{4}})[ \t]*[-/.年]")
# "发 布 日 期" — spaced-out labels; drop horizontal spaces between two CJK characters.
_SPACED_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000\xa0]+(?=[\u4e00-\u9fff])")


def _date_right_after(text: str, start: int, today: dt.date | None) -> dt.date | None:
    """The date that follows a label at ``start``, allowing only colons/spaces/newlines between."""
    gap = _GAP.match(text, start)
    rest = text[gap.end() if gap else start : start + 80]
    found, offset = _first_date(rest, today)
    return found if offset == 0 else None


def _dateish_right_after(text: str, start: int) -> bool:
    """A label followed by what starts like a date ("2023年…", "二〇二三年…", "2015-02-30")."""
    gap = _GAP.match(text, start)
    return bool(_DATEISH.match(text, gap.end() if gap else start))


def _bare_label_ok(text: str, start: int) -> bool:
    before = text[max(0, start - 2) : start]
    return not any(before.endswith(word) for word in _NOT_PUBLISH)


def labelled_date(page_text: str | None, *, today: dt.date | None = None) -> dt.date | None:
    """The first date written right after a publish label in a page's text, or None.

    Tier 1: 发布日期 / 发布时间 / 公开日期 / 公开时间 / 发表时间 / 发布于 / "发布：".
    Tier 2, only when no tier-1 label carries a date: a bare 时间 / 日期 not preceded by
    成文 / 归档 / 发文 / 生成 / 打印 and similar.  Labels may be spaced out (发 布 日 期), use
    full-width colons, or have the date on the next line.
    """
    return _labelled(page_text, today)[0]


def _labelled(page_text: str | None, today: dt.date | None) -> tuple[dt.date | None, bool]:
    """(labelled date, whether a publish label held a date that could not be read).

    When a 发布/公开 label is followed by something date-like that is not a full valid date
    (二〇二三年十三月, 2023年1月) and no other publish label gives one, the bare tier is not
    tried: a 统计时间 or 时间 elsewhere on the page would date the report wrongly.
    """
    if not page_text:
        return None, False
    text = _SPACED_CJK.sub("", page_text)
    unreadable = False
    for match in _PUBLISH_LABEL.finditer(text):
        found = _date_right_after(text, match.end(), today)
        if found:
            return found, False
        unreadable = unreadable or _dateish_right_after(text, match.end())
    if unreadable:
        return None, True
    for match in _BARE_LABEL.finditer(text):
        if _bare_label_ok(text, match.start()):
            found = _date_right_after(text, match.end(), today)
            if found:
                return found, False
    return None, False


# Full dates in URL paths (domain notes §2.1, §2.2, §2.7).  Month-only directories (/201502/) are
# ignored: they say when, roughly, but not the day.
_URL_DATES = tuple(
    re.compile(pattern)
    for pattern in (
        r"/t(\d{4})(\d{2})(\d{2})_\d+",  # TRS: /201502/t20150204_123.html
        r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/",  # Hanweb: /art/2015/2/4/art_1_2.html
        r"/(\d{4})-(\d{2})/(\d{2})/",  # /2015-02/04/content_123.htm
        r"/(\d{4})(\d{2})/(\d{2})/",  # Hebei: /columns/<uuid>/201502/04/<uuid>.html
        r"/(\d{4})/(\d{2})(\d{2})/",  # SAFE: /safe/2015/0204/123.html
        r"/(\d{4})/(\d{1,2})/(\d{1,2})/",  # Sichuan: /2015/2/4/<hex>.shtml
        r"/(\d{4})(\d{2})(\d{2})/",  # /20150204/<hex>/c.html, /20150204/<id>.html
    )
)


def url_date(url: str | None, *, today: dt.date | None = None) -> dt.date | None:
    """The full publish date a CMS wrote into the URL path, or None."""
    if not url:
        return None
    path = urlsplit(url).path
    for pattern in _URL_DATES:
        for match in pattern.finditer(path):
            year, month, day = (int(group) for group in match.groups())
            found = _make_date(year, month, day, today)
            if found:
                return found
    return None


def pick_published_on(
    page_text: str | None,
    meta_pubdate: str | None,
    list_date: str | None,
    url: str,
    *,
    today: dt.date | None = None,
) -> tuple[dt.date | None, str | None]:
    """The publish date with its evidence: "label", "meta", "list" or "url"; else (None, None),
    or (None, UNREADABLE_LABEL) when the page's publish label held a date we could not read.

    The order is by trust: the label is what the agency shows readers; ``PubDate`` is reliable
    when present but sometimes a template default; the list date is a second rendering of the
    same field; the URL date is when the CMS created the page, which can precede publication.
    A publish label we cannot read rules out the page's other labels, not these.
    """
    labelled, unreadable = _labelled(page_text, today)
    if labelled:
        return labelled, "label"
    candidates = (
        ("meta", lambda: parse_date(meta_pubdate, today=today)),
        ("list", lambda: parse_date(list_date, today=today)),
        ("url", lambda: url_date(url, today=today)),
    )
    for evidence, find in candidates:
        found = find()
        if found:
            return found, evidence
    return None, UNREADABLE_LABEL if unreadable else None
