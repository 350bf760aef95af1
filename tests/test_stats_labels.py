"""Label normalisation, prefix matching and cell values (archive.extract.labels / values), and
small Word-paste tables built here. Label variants are ones seen in real reports (domain notes
§1.5, §1.6): full-width digits and brackets, numbering styles, spaces inside words, 规范性文件 for
行政规范性文件, parenthetical instructions."""

from __future__ import annotations

import pytest

from archive.extract import stats
from archive.extract.labels import best, normalise, tidy
from archive.extract.templates import DISCLOSURE_COLUMNS, DISCLOSURE_ROWS
from archive.extract.values import is_value, parse


@pytest.mark.parametrize(
    ("printed", "normalised"),
    [
        ("（一）予以公开", "予以公开"),
        ("(一)予以公开", "予以公开"),
        ("（ 一 ）予以公开", "予以公开"),
        ("１．属于国家秘密", "属于国家秘密"),
        ("1、属于国家秘密", "属于国家秘密"),
        ("①属于国家秘密", "属于国家秘密"),
        ("一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量"),
        ("三、(二)被依法纠错数", "被依法纠错数"),
        ("其中：主动公开规范性文件数", "主动公开规范性文件数"),
        ("规　　章", "规章"),
        ("行政规范性\n  文件", "行政规范性文件"),
        ("3．危及“三安全一稳定”", "危及三安全一稳定"),
        ("不是《条例》所指政府信息", "不是条例所指政府信息"),
        ("第二十条第（一）项", "第二十条第(一)项"),
        ("本年增／减", "本年增/减"),
        ("１２３", "123"),
    ],
)
def test_normalise(printed, normalised):
    assert normalise(printed) == normalised


def row_key(printed: str) -> str | None:
    return best(normalise(printed), [(label.aliases, label.key) for label in DISCLOSURE_ROWS])


def column_key(printed: str) -> str | None:
    return best(normalise(printed), [(label.aliases, label.key) for label in DISCLOSURE_COLUMNS])


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("行政规范性文件", "normative_documents"),
        ("规范性文件", "normative_documents"),  # 2019 wording, still printed in 2021-format years
        ("规章（设区的市、自治州人民政府应提供相关数据）", "regulations"),
        ("规　章", "regulations"),
        ("行政事业性收费", "fees"),
        ("其他主动公开文件", None),
    ],
)
def test_table2_rows_match_by_normalised_prefix(printed, key):
    assert row_key(printed) == key


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("上一年项目数量（指2019年事项数）", "items_prev_year"),
        ("本年增/减", "items_change"),
        ("本年增／减", "items_change"),
        ("处理决定数量", "decisions"),
        ("本年处理决定数量", "decisions"),
        ("本年收费金额（单位：万元）", "amount"),
        ("本年制发件数", "new"),
    ],
)
def test_table2_columns_match_by_normalised_prefix(printed, key):
    assert column_key(printed) == key


@pytest.mark.parametrize(
    ("cell", "number", "unit"),
    [
        ("634", 634, ""),
        ("１２", 12, ""),
        ("1,036", 1036, ""),
        ("+12", 12, ""),
        ("-3", -3, ""),
        ("－3", -3, ""),
        ("251000元", 251000, "元"),
        ("386.5 万元", 386.5, "万元"),
        ("22（其中修订16件）", 22, ""),
        ("22(其中修订 16 件)", 22, ""),
        ("5人次", 5, "人次"),
        ("-", None, ""),
        ("—", None, ""),
        ("/", None, ""),
        ("无", None, ""),
        ("\xa0", None, ""),
        ("", None, ""),
    ],
)
def test_cell_values(cell, number, unit):
    assert is_value(cell)
    assert parse(cell) == (number, unit)


@pytest.mark.parametrize(
    "label", ["1.属于国家秘密", "2015年", "规章", "第二十条第（一）项", "万元"]
)
def test_labels_are_not_values(label):
    assert not is_value(label)


def test_tidy_keeps_the_printed_label_readable():
    assert (
        tidy(" （一） 回应公众关注热点\n或重大舆情数\u3000")
        == "（一） 回应公众关注热点 或重大舆情数"
    )


def table(*rows: str) -> str:
    return "<table border=1>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>"


def test_word_paste_label_split_over_two_cells_and_an_unknown_column():
    html = table(
        "<td colspan=3><b>第二十条第（八）项</b></td>",
        "<td>信息<span>内容</span></td><td><p>本年收费金额</p><p>（单位：万元）</p></td><td>备注</td>",
        "<td><span>行政事业性</span></td><td>收费</td><td>&nbsp;12.5</td><td>-</td>",
    )
    result = stats.from_html(html, 2022)
    assert result.regime == "2021"
    assert [(r.indicator, r.column_label, r.value, r.unit, r.row_label) for r in result.rows] == [
        ("disclosure.fees.amount", "amount", 12.5, "万元", "行政事业性收费"),
        ("", "备注", None, "", "行政事业性收费"),
    ]


def test_table3_group_subtotal_and_blank_heading_rows():
    """A report that prints （三） as its own row: blank → skipped, numbers → a subtotal row."""
    values = "".join(f"<td>{n}</td>" for n in (1, 0, 0, 0, 0, 0, 1))
    blanks = "<td>&nbsp;</td>" * 7
    html = table(
        "<td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>"
        "<td>法律服务机构</td><td>其他</td><td>总计</td>",
        f"<td>（三）不予公开</td>{blanks}",
        f"<td>1.属于国家秘密</td>{values}",
        f"<td>（四）无法提供</td>{values}",
        f"<td>3.其他</td>{values}",
    )
    result = stats.from_html(html)
    assert [
        (row.indicator, row.row_label) for row in result.rows if row.column_label == "total"
    ] == [
        ("requests.result.refused.state_secret", "属于国家秘密"),
        ("requests.result.unavailable", "无法提供"),
        ("", "其他"),  # a bare 其他 outside （六）其他处理 is kept unidentified, not guessed
    ]


def test_flattened_text_keeps_known_rows_and_drops_unknown_numbered_lines():
    text = "\n".join(
        [
            "第二十条第（六）项",
            "信息内容 本年处理决定数量",
            "行政处罚 215",
            "全年共办理 37",  # prose that happens to end in a number
            "行政强制 12",
            "第二十条第（一）项",
            "信息内容 本年制发件数",
            "规章（设区的市、自治州人民",  # a label wrapped over two lines of PDF text
            "政府应提供相关数据） 4",
            "第二十条第（八）项",
            "信息内容",
            "本年收费金额",
            "（单位：万元）",
            "行政事业性收费",
            "0.5",
        ]
    )
    result = stats.from_text(text, 2022)
    assert [(row.indicator, row.value) for row in result.rows] == [
        ("disclosure.penalty.decisions", 215),
        ("disclosure.coercion.decisions", 12),
        ("disclosure.regulations.new", 4),
        ("disclosure.fees.amount", 0.5),
    ]
    assert result.rows[-2].row_label_raw == "规章（设区的市、自治州人民政府应提供相关数据）"
    assert result.rows[-1].unit == "万元"
