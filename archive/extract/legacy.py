"""The 2014–2018 《政府信息公开情况统计表》 (国办发〔2014〕32号; domain notes §1.6) → StatRows.

Three columns 统计指标 · 单位 · 统计数. Labels repeat between parts ("（二）被依法纠错数" under
both 行政复议 and 行政诉讼), so the part heading (一、… 九、) is carried as state. The unit is the
cell's, else the 单位 column's, else the national template's. A blank 统计数 stays None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archive.extract.labels import best, compact, is_continuation, normalise, tidy
from archive.extract.model import StatRow
from archive.extract.tables import Row
from archive.extract.values import is_unit, parse


@dataclass(frozen=True)
class Item:
    part: str
    indicator: str  # "" for a heading that carries no number
    aliases: tuple[str, ...]
    unit: str = ""


def _items(part: str, unit: str, *items: tuple[str, str]) -> list[Item]:
    return [Item(part, f"legacy.{key}", (alias,), unit) for key, alias in items]


# Part headings; 四–七 carry a number of their own.
PARTS = (
    Item("active_disclosure", "", ("主动公开情况",)),
    Item("responses", "", ("回应解读情况",)),
    Item("requests", "", ("依申请公开情况",)),
    Item("review", "legacy.review.total", ("行政复议数量", "行政复议"), "件"),
    Item("litigation", "legacy.litigation.total", ("行政诉讼数量", "行政诉讼"), "件"),
    Item("complaints", "legacy.complaints", ("举报投诉数量", "举报投诉"), "件"),
    Item("fees", "legacy.fees", ("依申请公开信息收取的费用",), "万元"),
    Item("organisation", "", ("机构建设和保障经费情况", "机构建设")),
    Item("meetings_training", "", ("政府信息公开会议和培训情况", "会议和培训情况")),
)
ITEMS = (
    *_items("active_disclosure", "条", ("active.items", "主动公开政府信息数")),
    *_items("active_disclosure", "条", ("active.normative_documents", "主动公开规范性文件数")),
    *_items("active_disclosure", "件", ("active.normative_documents_issued", "制发规范性文件")),
    *_items(
        "active_disclosure",
        "条",
        ("active.gazette", "政府公报公开政府信息数"),
        ("active.website", "政府网站公开政府信息数"),
        ("active.weibo", "政务微博公开政府信息数"),
        ("active.weixin", "政务微信公开政府信息数"),
        ("active.other_channels", "其他方式公开政府信息数"),
    ),
    Item("active_disclosure", "", ("通过不同渠道和方式公开政府信息",)),
    *_items(
        "responses",
        "次",
        ("responses.hot_topics", "回应公众关注热点或重大舆情数"),
        ("responses.press_conferences", "参加或举办新闻发布会总次数"),
        ("responses.press_conferences.by_head", "主要负责同志参加新闻发布会次数"),
        ("responses.online_interviews", "政府网站在线访谈次数"),
        ("responses.online_interviews.by_head", "主要负责同志参加政府网站在线访谈次数"),
        ("responses.weibo_weixin", "微博微信回应事件数"),
        ("responses.other_channels", "其他方式回应事件数"),
    ),
    *_items("responses", "篇", ("responses.interpretations", "政策解读稿件发布数")),
    Item("responses", "", ("通过不同渠道和方式回应解读",)),
    *_items(
        "requests",
        "件",
        ("requests.received", "收到申请数"),
        ("requests.received.in_person", "当面申请数"),
        ("requests.received.fax", "传真申请数"),
        ("requests.received.online", "网络申请数"),
        ("requests.received.letter", "信函申请数"),
        ("requests.completed", "申请办结数"),
        ("requests.completed.on_time", "按时办结数"),
        ("requests.completed.extended", "延期办结数"),
        ("replies.total", "申请答复数"),
        ("replies.already_public", "属于已主动公开范围数"),
        ("replies.granted", "同意公开答复数"),
        ("replies.partly_granted", "同意部分公开答复数"),
        ("replies.refused", "不同意公开答复数"),
        ("replies.state_secret", "涉及国家秘密"),
        ("replies.commercial_secret", "涉及商业秘密"),
        ("replies.privacy", "涉及个人隐私"),
        ("replies.security_stability", "危及国家安全、公共安全、经济安全和社会稳定"),
        ("replies.not_government_info", "不是条例所指"),
        ("replies.other_legal_grounds", "法律法规规定的其他情形"),
        ("replies.not_this_agency", "不属于本行政机关公开"),
        ("replies.not_exist", "申请信息不存在"),
        ("replies.asked_to_amend", "告知作出更改补充"),
        ("replies.other_channels", "告知通过其他途径办理"),
    ),
    *_items(
        "review",
        "件",
        ("review.upheld", "维持具体行政行为"),
        ("review.corrected", "被依法纠错"),
        ("review.other", "其他情形"),
    ),
    *_items(
        "litigation",
        "件",
        ("litigation.upheld", "维持具体行政行为"),
        ("litigation.corrected", "被依法纠错"),
        ("litigation.other", "其他情形"),
    ),
    *_items(
        "organisation",
        "个",
        ("offices", "政府信息公开工作专门机构数"),
        ("reading_points", "设置政府信息公开查阅点数"),
    ),
    *_items(
        "organisation",
        "人",
        ("staff.total", "从事政府信息公开工作人员数"),
        ("staff.full_time", "专职人员数"),
        ("staff.part_time", "兼职人员数"),
    ),
    *_items("organisation", "万元", ("budget", "政府信息公开专项经费")),
    *_items(
        "meetings_training",
        "次",
        ("meetings", "召开政府信息公开工作会议或专题会议数"),
        ("training.courses", "举办各类培训班数"),
    ),
    *_items("meetings_training", "人次", ("training.attendees", "接受培训人员数")),
)
_HEADERS = ("统计指标", "单位", "统计数")
_PARTS = [(item.aliases, item) for item in PARTS]


def parse_rows(rows: Iterable[Row]) -> list[StatRow] | None:
    """Rows of the 2014 table, or None when there is no 统计指标 header (not this regime)."""
    parser, started = _Parser(), False
    for row in rows:
        started = started or any(normalise(label).startswith("统计指标") for label in row.labels)
        if started:
            parser.feed(row)
    if not started:
        return None
    parser.flush(None)
    return parser.out


def indicators() -> set[str]:
    return {item.indicator for item in (*PARTS, *ITEMS) if item.indicator}


def merge_continuations(labels: Iterable[str]) -> list[str]:
    merged: list[str] = []
    for label in labels:
        if merged and is_continuation(label):
            merged[-1] += label
        else:
            merged.append(label)
    return merged


class _Parser:
    def __init__(self) -> None:
        self.out: list[StatRow] = []
        self.part = ""
        self.pending: tuple[Item | None, str] | None = None  # a label waiting for its number
        self.unit = ""  # the 单位 cell of the pending label
        self.bounded = True  # the pending label is in a real table row (not flattened text)

    def feed(self, row: Row) -> None:
        self.bounded = row.bounded
        for raw in merge_continuations(row.labels):
            if compact(raw).startswith(_HEADERS):
                continue
            if is_unit(raw):
                self.unit = compact(raw)
                continue
            self.flush(None)
            self._label(raw, normalise(raw))
        if row.values:
            self.flush(row.values[-1])

    def _label(self, raw: str, label: str) -> None:
        part = best(label, _PARTS)
        if part is not None:
            self.part = part.part
            self.pending = (part, raw) if part.indicator else None
            return
        here = [(item.aliases, item) for item in ITEMS if item.part == self.part]
        item = best(label, here) or best(label, [(item.aliases, item) for item in ITEMS])
        if item is not None:
            self.part = item.part
        self.pending = (item, raw) if item is None or item.indicator else None

    def flush(self, cell: str | None) -> None:
        """Emit the pending label with this 统计数 cell (None: the label had none)."""
        if self.pending is None:
            return
        (item, raw), unit, self.pending, self.unit = self.pending, self.unit, None, ""
        value, cell_unit = parse(cell) if cell is not None else (None, "")
        if item is None and (value is None or not self.bounded):
            return  # a note, page furniture, or (in flattened text) maybe prose
        section = f"legacy_2014.{self.part}" if self.part else "legacy_2014"
        indicator, label = (item.indicator, item.unit) if item else ("", "")
        unit = cell_unit or unit or label
        self.out.append(StatRow(section, normalise(raw), "", indicator, value, unit, tidy(raw), ""))
