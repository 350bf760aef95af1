"""The 2019 (试行) and 2021 report-format tables: template labels → indicator keys.

Aliases are normalised label prefixes (labels.normalise). `regime` marks what only one template
prints; the extractor decides a report's regime by counting such cells. Every key here is listed
in docs/indicators.md, which a test keeps in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    key: str
    aliases: tuple[str, ...]
    regime: str | None = None  # "2019" or "2021" when only that template prints this label


# ---- Table 2: 主动公开政府信息情况 — indicator "disclosure.<row>.<column>" -----------------------

DISCLOSURE_ROWS = (
    Label("regulations", ("规章",)),
    Label("normative_documents", ("行政规范性文件", "规范性文件")),
    Label("licensing", ("行政许可",)),
    Label("other_services", ("其他对外管理服务事项",), "2019"),
    Label("penalty", ("行政处罚",)),
    Label("coercion", ("行政强制",)),
    Label("fees", ("行政事业性收费",)),
    Label("procurement", ("政府集中采购",), "2019"),
)
DISCLOSURE_COLUMNS = (
    Label("new", ("本年制发件数",), "2021"),
    Label("repealed", ("本年废止件数",), "2021"),
    Label("in_force", ("现行有效件数",), "2021"),
    Label("decisions", ("本年处理决定数量", "处理决定数量")),
    Label("amount", ("本年收费金额", "采购总金额")),
    Label("made", ("本年新制作数量",), "2019"),
    Label("published", ("本年新公开数量",), "2019"),
    Label("public_total", ("对外公开总数量",), "2019"),
    Label("items_prev_year", ("上一年项目数量",), "2019"),
    Label("items_change", ("本年增",), "2019"),
    Label("count", ("采购项目数量",), "2019"),
)
_DOCUMENTS_2021 = ("new", "repealed", "in_force")
_DOCUMENTS_2019 = ("made", "published", "public_total")
_ITEMS_2019 = ("items_prev_year", "items_change", "decisions")
# The cells each template prints: row key → column keys.
DISCLOSURE_2021 = {
    "regulations": _DOCUMENTS_2021,
    "normative_documents": _DOCUMENTS_2021,
    "licensing": ("decisions",),
    "penalty": ("decisions",),
    "coercion": ("decisions",),
    "fees": ("amount",),
}
DISCLOSURE_2019 = {
    "regulations": _DOCUMENTS_2019,
    "normative_documents": _DOCUMENTS_2019,
    "licensing": _ITEMS_2019,
    "other_services": _ITEMS_2019,
    "penalty": _ITEMS_2019,
    "coercion": _ITEMS_2019,
    "fees": ("items_prev_year", "items_change"),
    "procurement": ("count", "amount"),
}


# ---- Table 3: 收到和处理政府信息公开申请情况 — indicator per row, column per applicant ----


@dataclass(frozen=True)
class RequestLabel:
    indicator: str
    aliases: tuple[str, ...]
    parent: str | None = None  # the group this is a sub-row of
    opens: str | None = None  # the group this label heads (a rowspan label)
    regime: str | None = None


def _group(group: str, *subs: tuple[str, str], regime: str | None = None) -> list[RequestLabel]:
    return [
        RequestLabel(f"requests.result.{group}.{key}", (alias,), group, regime=regime)
        for key, alias in subs
    ]


REQUEST_ROWS = (
    RequestLabel("requests.received.new", ("本年新收政府信息公开申请数量", "本年新收")),
    RequestLabel("requests.carried_over", ("上年结转政府信息公开申请数量", "上年结转")),
    RequestLabel("", ("本年度办理结果",)),  # a group heading with no cells of its own
    RequestLabel("requests.result.granted", ("予以公开",)),
    RequestLabel("requests.result.partly_granted", ("部分公开",)),
    RequestLabel("requests.result.refused", ("不予公开",), opens="refused"),
    *_group(
        "refused",
        ("state_secret", "属于国家秘密"),
        ("prohibited_by_law", "其他法律行政法规禁止公开"),
        ("security_stability", "危及三安全一稳定"),
        ("third_party", "保护第三方合法权益"),
        ("internal_affairs", "属于三类内部事务信息"),
        ("process_info", "属于四类过程性信息"),
        ("enforcement_files", "属于行政执法案卷"),
        ("query_matters", "属于行政查询事项"),
    ),
    RequestLabel("requests.result.unavailable", ("无法提供",), opens="unavailable"),
    *_group(
        "unavailable",
        ("not_held", "本机关不掌握相关政府信息"),
        ("needs_creation", "没有现成信息需要另行制作"),
        ("unclear_after_correction", "补正后申请内容仍不明确"),
    ),
    RequestLabel("requests.result.not_processed", ("不予处理",), opens="not_processed"),
    *_group(
        "not_processed",
        ("petition", "信访举报投诉类申请"),
        ("repeated", "重复申请"),
        ("publications", "要求提供公开出版物"),
        ("mass_repeated", "无正当理由大量反复申请"),
        ("confirmation", "要求行政机关确认或重新出具已获取信息"),
    ),
    # 2019: one row with cells; 2021: a group heading over three sub-rows.
    RequestLabel("requests.result.other", ("其他处理",), opens="other", regime="2019"),
    *_group(
        "other",
        ("no_correction", "申请人无正当理由逾期不补正"),
        ("unpaid_fees", "申请人逾期未按收费通知要求缴纳费用"),
        ("other", "其他"),
        regime="2021",
    ),
    RequestLabel("requests.result.total", ("总计",)),
    RequestLabel("requests.carried_forward", ("结转下年度继续办理", "结转下年度")),
)
REQUEST_GROUPS = ("refused", "unavailable", "not_processed", "other")
# column_label key, label as printed in the template
APPLICANT_COLUMNS = (
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_services", "法律服务机构"),
    ("other", "其他"),
    ("total", "总计"),
)


# ---- Table 4: 行政复议、行政诉讼 — one row of 15 cells, read by position ------------------------

OUTCOMES = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
PROCEEDINGS = (
    ("review", "行政复议"),
    ("litigation.direct", "行政诉讼/未经复议直接起诉"),
    ("litigation.after_review", "行政诉讼/复议后起诉"),
)
# (indicator, row label, column key, column label) for the 15 cells in printed order
REVIEW_CELLS = tuple(
    (f"{prefix}.{key}", row_label, key, column)
    for prefix, row_label in PROCEEDINGS
    for key, column in OUTCOMES
)


def indicators() -> dict[str, set[str]]:
    """Every key of Tables 2–4 → the regimes whose template prints it."""
    keys: dict[str, set[str]] = {}
    for regime, cells in (("2019", DISCLOSURE_2019), ("2021", DISCLOSURE_2021)):
        for row, columns in cells.items():
            for column in columns:
                keys.setdefault(f"disclosure.{row}.{column}", set()).add(regime)
    for label in REQUEST_ROWS:
        if label.indicator:
            keys[label.indicator] = {label.regime} if label.regime else {"2019", "2021"}
    for indicator, *_ in REVIEW_CELLS:
        keys[indicator] = {"2019", "2021"}
    return keys
