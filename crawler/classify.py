"""Is a list-entry or page title an annual information-disclosure report, and for which year?

Annual-report columns are polluted (domain notes §0.6, §5): explainers (图解/解读), the
government-website annual form (网站年度报表), rule-of-law and housing-fund annual reports, plans
and summaries, budget documents and notices *about* reports sit beside the real reports, and an
enterprise 年度报告 floods any keyword search.  So a title is a report only when it carries an
information-disclosure sense (信息公开 / 政务公开) *and* a report noun, and none of the known
distractors.  Rejections name the distractor so a reviewer can see why an entry was dropped.

The year is the year the report *covers*, taken from the title; the publish date is a different
thing (report for year Y is published in Y+1) and lives in :mod:`crawler.dates`.

Pure functions: no Scrapy, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Verdict",
    "classify",
    "is_column_link",
    "is_hub_link",
    "normalise_title",
    "report_year",
]

YEAR_MIN = 1990
YEAR_MAX = 2100


@dataclass(frozen=True)
class Verdict:
    """The classification of one title.

    ``year`` is the year the report covers (from the title), or None when the title has no year
    or is not a report; ``reason`` is a short English explanation for logs and review queues.
    """

    is_report: bool
    year: int | None
    reason: str


@dataclass(frozen=True)
class _Distractor:
    """Words that mark a title as something other than the report, most telling word first."""

    words: tuple[str, ...]
    why: str
    only_without_disclosure: bool = False

    def named_in(self, text: str) -> str | None:
        if self.only_without_disclosure and "信息公开" in text:
            return None
        return next((word for word in self.words if word in text), None)


# Checked in order; the first hit decides the reason.  Explainers come first because
# "2019年…年度报告解读" would otherwise look like a perfect report title.
_DISTRACTORS = (
    _Distractor(
        ("图解", "一图", "读懂", "看懂", "解读", "图说", "漫画"),
        "an explainer of the report, not the report",
    ),
    _Distractor(("报表",), "the government-website annual form or another return, not the report"),
    _Distractor(("法治政府",), "the rule-of-law annual report, a different report"),
    # A 住房公积金管理中心 publishes a real disclosure report too, so only a 公积金 title without
    # 信息公开 (襄阳市住房公积金2024年年度报告) is the fund's own annual report.
    _Distractor(("公积金",), "the housing provident fund annual report, a different report", True),
    _Distractor(("环境信息公开",), "environmental disclosure, a different regime"),
    _Distractor(("决算", "预算"), "a budget document"),
    _Distractor(
        ("企业年度报告", "年度报告公示", "年报公示", "上市公司", "股份", "有限公司"),
        "an enterprise or company annual report",
    ),
    _Distractor(
        ("工作计划", "工作总结", "计划总结", "工作安排"),
        "a plan or summary, not the disclosure report",
    ),
    _Distractor(("要点",), "a work-points plan for the year, not a report"),
    _Distractor(("指南",), "the disclosure guide, not a report"),
    # Not bare 编制 or 评估: 机构编制委员会 and 评估中心 are agencies that publish reports.
    _Distractor(
        (
            "通知",
            "通报",
            "格式",
            "制度",
            "报送",
            "印发",
            "的函",
            "办法",
            "规定",
            "征求意见",
            "编制和发布",
            "编制发布",
            "编制工作",
            "做好",
            "第三方评估",
            "评估报告",
            "抽查",
            "测评",
        ),
        "a notice or rule about reports, not a report",
    ),
)

_DISCLOSURE = re.compile(r"信息公开|政务公开")
_REPORT_NOUN = re.compile(r"年度报告|年报|报告|统计表")

# List pages append dates, file types and sizes to the anchor text; a list date such as
# "2016-03-30" must not be mistaken for the report year.
_NOISE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"(?<!\d)\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?(?!\d)",
        r"(?<!\d)\d{4}年\d{1,2}月\d{1,2}日",
        r"(?<![\d.])\d+(?:\.\d+)?\s*(?:[KMG]B|[KMG]|字节|bytes?)(?![A-Za-z])",
        r"\.(?:pdf|docx?|wps|xlsx?|rtf|ofd|zip|rar|html?|shtml)\b",
        r"[\[【(]\s*(?:pdf|docx?|wps|xlsx?|rtf|ofd|附件|下载|new|hot|置顶)\s*[\]】)]",
        r"[\[【(]\s*[\]】)]",
    )
)

_ARABIC_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# The 〇 of 二〇二三 as agencies type it: ○ (circle), ◯ (large circle), 零, ASCII/full-width 0 and
# the letter O (full-width forms are folded to ASCII by normalise_title first).
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {
    "○": 0,
    "◯": 0,
    "零": 0,
    "O": 0,
    "o": 0,
}
_CN_YEAR = re.compile("([" + "".join(_CN_DIGITS) + "0-9]{4})年")


# Titles repeat: a site's menu and footer links are on every list page it has (~50 of the ~70
# links a list page's entries are), and the pure functions below answer them from memory.
_TITLES_KEPT = 8192


@lru_cache(maxsize=_TITLES_KEPT)
def normalise_title(title: str) -> str:
    """Fold full-width forms, drop list noise and all whitespace.

    Titles arrive as anchor text with full-width digits, ideographic spaces, underscores used as
    separators (高岭镇_2017年_…) and trailing dates/sizes; matching works on the folded form.
    """
    text = unicodedata.normalize("NFKC", title)
    for pattern in _NOISE:
        text = pattern.sub(" ", text)
    return re.sub(r"[\s_]+", "", text)


def _year_candidates(text: str) -> list[tuple[int, int]]:
    """(end offset, year) of every plausible year written in the title, in order."""
    found = [(m.end(1), int(m.group(1))) for m in _ARABIC_YEAR.finditer(text)]
    for m in _CN_YEAR.finditer(text):
        digits = "".join(str(_CN_DIGITS.get(c, c)) for c in m.group(1))
        found.append((m.end(1), int(digits)))
    return sorted((end, year) for end, year in found if YEAR_MIN <= year <= YEAR_MAX)


def _anchor(text: str) -> int:
    """Where the report phrase starts: the year written just before it is the covered year."""
    for pattern in (_DISCLOSURE, _REPORT_NOUN):
        match = pattern.search(text)
        if match:
            return match.start()
    return len(text)


def _year_in(text: str) -> int | None:
    candidates = _year_candidates(text)
    if not candidates:
        return None
    anchor = _anchor(text)
    before = [year for end, year in candidates if end <= anchor]
    return before[-1] if before else candidates[0][1]


def report_year(title: str) -> int | None:
    """The year a report title covers, or None.

    Accepts "2014年", "2014年度", "（2015年度）", a bare 4-digit year bounded by non-digits, and
    Chinese-numeral years ("二〇一四年").  When several years appear, the one nearest before the
    信息公开/年度报告 phrase wins ("2021年XX区2020年度政府信息公开…" covers 2020); a year only after
    the phrase (a caption such as "统计表（2015年度）") is used when none precedes it.
    """
    return _year_in(normalise_title(title))


def _rejection(text: str) -> str | None:
    for distractor in _DISTRACTORS:
        word = distractor.named_in(text)
        if word:
            return f"rejected: {word} ({distractor.why})"
    return None


@lru_cache(maxsize=_TITLES_KEPT)
def classify(title: str) -> Verdict:
    """Decide whether ``title`` names an annual information-disclosure report.

    Distractors are checked before the positive grammar because most of them also contain
    信息公开 and 年度报告.  A report title without a year is still a report (year None); a rejected
    title has year None because it covers nothing.
    """
    text = normalise_title(title)
    if not text:
        return Verdict(False, None, "rejected: empty title")
    rejected = _rejection(text)
    if rejected:
        return Verdict(False, None, rejected)
    if _is_truncated_report(text):
        return Verdict(True, _year_in(text), "annual disclosure report (truncated title)")
    if not _DISCLOSURE.search(text) or not _REPORT_NOUN.search(text):
        return Verdict(False, None, "rejected: no 信息公开 report wording")
    return Verdict(True, _year_in(text), _acceptance(text))


_TRUNCATED = re.compile(r"(?:\.{2,}|…+)$")
_REPORT_ENDINGS = ("工作年度报告", "年度报告", "工作报告", "工作情况报告")


def _is_truncated_report(text: str) -> bool:
    """A list title cut with "…" (fixed-width columns do this) that is heading for 年度报告.

    Only tails that already reach 年度 or 报 count: "政府信息公开工作…" could still become
    工作要点 or 工作总结.
    """
    if not _TRUNCATED.search(text):
        return False
    head = _TRUNCATED.sub("", text)
    match = re.search(r"(?:信息公开|政务公开)([^信]*)$", head)
    if not match or not ("年度" in match.group(1) or "报" in match.group(1)):
        return False
    return any(ending.startswith(match.group(1)) for ending in _REPORT_ENDINGS)


def _acceptance(text: str) -> str:
    if "政务公开" in text and "信息公开" not in text:
        return "annual disclosure report (政务公开 wording)"
    if "统计表" in text and "报告" not in text:
        return "annual disclosure statistics table"
    return "annual disclosure report"


_COLUMN_LABELS = re.compile(
    r"^(政府|政务)?信息公开(工作)?(年度)?(报告|年报)$|^(工作)?年度报告$|^年报$|^(政府)?信息公开年报$"
)


def is_column_link(text: str, reads_as_report: bool) -> bool:
    """A menu link to the report column (政府信息公开年报, 年度报告 …), not a report itself.

    Such links carry no year; following them is how a 信息公开 home page leads to its column.
    """
    label = normalise_title(text)
    if report_year(label) is not None or len(label) > 20:
        return False
    return reads_as_report or bool(_COLUMN_LABELS.match(label))


# An agency home page's link to its 信息公开 section: the page whose menu holds the column link.
_HUB_LABELS = re.compile(
    r"^(政府)?(信息|政务)公开(专栏|平台|目录)?$|^政府信息公开(专栏|平台|目录)$"
)


def is_hub_link(text: str) -> bool:
    """A home page's menu link to its 信息公开 section (信息公开, 政府信息公开, 政务公开 …):
    followed from a start page only, as the first of the two hops to the report column."""
    return bool(_HUB_LABELS.match(normalise_title(text)))
