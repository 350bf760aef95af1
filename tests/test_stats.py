"""Statistics extraction (archive.extract.stats) and the 勾稽 checks (archive.extract.checks).

Inputs: the Guangzhou Customs 2015 seed twice — the demo site's GBK HTML table and the flattened
seed text (tests/fixtures/stats/guangzhou-customs-2015.txt, a copy of shared/seeds/; the Shenzhen
2014 seed beside it has no table at all) — the demo
site's 2019 Shenzhen page, and report pages written from the 2019/2021 templates with Word-paste
mess (tests/fixtures/stats/report-20*.html; each says in a comment what it exercises). DOCX and PDF
attachments are built in the tests (tests/makedocs.py) from the 2021 page's Table 3.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pytest

from archive.encoding import decode_html
from archive.extract import checks, stats, templates
from archive.extract.stats import Stats
from tests.makedocs import docx_bytes, pdf_bytes, requests_table

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "stats"
DEMO = ROOT / "sitefixtures" / "demo"
CUSTOMS_HTML = DEMO / "gzhg/guangzhou_customs/381558/381575/391204/index.html"
SZKA_2019 = DEMO / "szka/xxgk/qt/ndbg/content/post_6987112.html"
PDF_WIDTHS = [60, 60, 240] + [40] * 7


def read_html(path: Path) -> str:
    return decode_html(path.read_bytes(), None)[0]


def customs_html() -> Stats:
    return stats.from_html(read_html(CUSTOMS_HTML), 2015)


def customs_text() -> Stats:
    return stats.from_text((FIXTURES / "guangzhou-customs-2015.txt").read_text("utf-8"), 2015)


def report_2021(name: str = "report-2021.html") -> Stats:
    return stats.from_html(read_html(FIXTURES / name), 2022)


def cells(result: Stats, section: str | None = None) -> set[tuple[str, str]]:
    return {
        (row.indicator, row.column_label)
        for row in result.rows
        if section is None or row.section == section
    }


def value(result: Stats, indicator: str, column: str = "") -> tuple[float | None, str]:
    row = result.get(indicator, column)
    assert row is not None, f"{indicator} [{column}] not extracted"
    return row.value, row.unit


def failing(result: Stats) -> set[str]:
    return {check.name for check in checks.run(result) if check.passed is False}


# ---- the 2014 table: the Guangzhou Customs seed, as HTML and as flattened text ----------------

SEED = {  # the acceptance list: indicator → (value, unit)
    "legacy.active.items": (634, "条"),
    "legacy.active.website": (421, "条"),
    "legacy.active.weibo": (132, "条"),
    "legacy.active.weixin": (81, "条"),
    "legacy.requests.received": (3, "件"),
    "legacy.requests.received.online": (3, "件"),
    "legacy.requests.completed": (3, "件"),
    "legacy.replies.not_government_info": (2, "件"),
    "legacy.staff.total": (24, "人"),
    "legacy.staff.full_time": (3, "人"),
    "legacy.staff.part_time": (21, "人"),
    "legacy.budget": (5, "万元"),
}


@pytest.mark.parametrize("extract", [customs_html, customs_text], ids=["html", "text"])
def test_seed_2014_table_acceptance_values(extract):
    result = extract()
    assert result.regime == "2014"
    for indicator, expected in SEED.items():
        assert value(result, indicator) == expected, indicator
    assert result.get("legacy.budget").section == "legacy_2014.organisation"
    assert result.get("legacy.fees").unit == "万元"  # from the 单位 column
    assert result.get("legacy.training.attendees").unit == "人次"


@pytest.mark.parametrize("extract", [customs_html, customs_text], ids=["html", "text"])
def test_seed_2014_every_row_and_blank_cell(extract):
    result = extract()
    assert len(result.rows) == 58  # every indicator of the national template
    assert value(result, "legacy.active.other_channels") == (None, "条")  # printed blank
    review = result.get("legacy.review.other")  # "（三）其他情形数" is under 四、行政复议 here
    assert (review.section, review.row_label_raw) == ("legacy_2014.review", "(三)其他情形数")
    assert result.get("legacy.litigation.other").section == "legacy_2014.litigation"
    assert all(row.indicator for row in result.rows)


def test_seed_html_table_and_flattened_text_give_identical_rows():
    assert customs_html().rows == customs_text().rows


def test_seed_checks_flag_the_reports_own_inconsistencies():
    results = {check.name: check for check in checks.run(customs_text())}
    assert {name for name, check in results.items() if check.passed} == {
        "legacy.requests.received_channels",
        "legacy.requests.completed_timing",
        "legacy.review.total",
        "legacy.litigation.total",
        "legacy.staff.total",
    }
    # 申请答复数 2, but items 5 (1) and 8 (2) add up to 3; 不同意公开 0 with a reason counted 2.
    kinds, reasons = results["legacy.replies.kinds"], results["legacy.replies.refused_reasons"]
    assert (kinds.passed, kinds.expected, kinds.actual) == (False, 3, 2)
    assert (reasons.passed, reasons.expected, reasons.actual) == (False, 2, 0)
    assert "mismatch" in kinds.detail and "申请答复数" in kinds.detail


# ---- the 2021 format -------------------------------------------------------------------------


def expected_2021_cells() -> set[tuple[str, str]]:
    table2 = {
        (f"disclosure.{row}.{column}", column)
        for row, columns in templates.DISCLOSURE_2021.items()
        for column in columns
    }
    # every Table 3 row but the group headings, which carry no numbers in the template
    rows = [r.indicator for r in templates.REQUEST_ROWS if r.indicator and not r.opens]
    table3 = {(key, column) for key in rows for column, _ in templates.APPLICANT_COLUMNS}
    table4 = {(key, column) for key, _, column, _ in templates.REVIEW_CELLS}
    return table2 | table3 | table4


def test_2021_report_yields_every_cell_of_its_three_tables():
    result = report_2021()
    assert result.regime == "2021"
    assert len(expected_2021_cells()) == 10 + 25 * 7 + 15
    assert cells(result) == expected_2021_cells()
    assert len(result.rows) == len(expected_2021_cells())  # no duplicates, no strays


def test_2021_report_values_units_and_word_paste_mess():
    result = report_2021()
    assert value(result, "disclosure.regulations.in_force", "in_force") == (35, "件")
    assert result.get("disclosure.regulations.new", "new").row_label_raw == "规 章"
    assert value(result, "disclosure.normative_documents.new", "new") == (22, "件")  # with note
    assert value(result, "disclosure.licensing.decisions", "decisions") == (1036, "")  # "1,036"
    assert value(result, "disclosure.fees.amount", "amount") == (0.5, "万元")
    assert value(result, "requests.received.new", "natural_person") == (120, "件")
    assert value(result, "requests.received.new", "total") == (145, "件")
    assert value(result, "requests.result.refused.state_secret", "research") == (
        None,
        "件",
    )  # &nbsp;
    assert value(result, "requests.result.other.other", "total") == (2, "件")
    assert value(result, "requests.result.total", "total") == (136, "件")
    assert value(result, "requests.carried_forward", "total") == (15, "件")
    assert value(result, "review.total", "total") == (4, "件")
    assert value(result, "litigation.after_review.pending", "pending") == (1, "件")
    partly = result.get("requests.result.partly_granted", "total")
    assert partly.row_label == "部分公开(区分处理的,只计这一情形,不计其他情形)"
    assert result.get("requests.result.refused.security_stability", "other").row_label_raw == (
        "3．危及“三安全一稳定”"
    )


def test_2021_report_passes_every_check():
    results = checks.run(report_2021())
    assert len(results) == 25 + 7 + 7 + 3
    assert [check for check in results if not check.passed] == []
    names = {check.name for check in results}
    assert {"requests.balance:total", "requests.result_total:other", "review.total"} <= names
    assert "requests.row_total:requests.result.other.no_correction" in names


def test_doctored_2021_report_fails_exactly_the_wrong_total():
    result = report_2021("report-2021-doctored.html")
    assert failing(result) == {"review.total"}
    check = next(check for check in checks.run(result) if check.name == "review.total")
    assert (check.expected, check.actual) == (4, 5)


def test_one_wrong_table3_cell_fails_its_row_and_its_column():
    result = report_2021()
    rows = tuple(
        replace(row, value=2.0)
        if (row.indicator, row.column_label)
        == ("requests.result.refused.state_secret", "natural_person")
        else row
        for row in result.rows
    )
    assert failing(Stats(result.regime, rows)) == {"requests.result_total:natural_person"}
    # the row's other cells are printed blank: 2 ≠ 1 may be a blank that is not 0, so skipped
    row = {c.name: c for c in checks.run(Stats(result.regime, rows))}[
        "requests.row_total:requests.result.refused.state_secret"
    ]
    assert row.outcome == "skipped"


# ---- the 2019 试行 format -------------------------------------------------------------------


def test_2019_report_is_recognised_with_its_cells():
    result = stats.from_html(read_html(FIXTURES / "report-2019.html"), 2019)
    assert result.regime == "2019"
    table2 = {
        (f"disclosure.{row}.{column}", column)
        for row, columns in templates.DISCLOSURE_2019.items()
        for column in columns
    }
    extra_row = {("", column) for column in ("made", "published", "public_total")}
    assert cells(result, "active_disclosure") == table2 | extra_row  # + 其他主动公开文件
    assert value(result, "requests.result.other", "natural_person") == (1, "件")
    assert not any(row.indicator.startswith("requests.result.other.") for row in result.rows)
    assert len(cells(result, "requests")) == 23 * 7
    assert len(cells(result, "review_litigation")) == 15
    assert [check for check in checks.run(result) if not check.passed] == []


def test_2019_report_drifted_labels_and_cells():
    result = stats.from_html(read_html(FIXTURES / "report-2019.html"))
    assert result.regime == "2019"  # labels decide without a year
    regulations = result.get("disclosure.regulations.made", "made")
    assert regulations.row_label_raw == "规章（设区的市、自治州人民政府应提供相关数据）"
    assert value(result, "disclosure.licensing.items_change", "items_change") == (12, "")  # +12
    assert value(result, "disclosure.other_services.items_change", "items_change") == (-3, "")
    assert value(result, "disclosure.coercion.items_change", "items_change") == (None, "")  # "-"
    assert value(result, "disclosure.procurement.amount", "amount") == (251000, "元")
    prev = result.get("disclosure.licensing.items_prev_year", "items_prev_year")
    assert prev.column_label_raw == "上一年项目数量（指2018年事项数）"
    extra = [row for row in result.rows if not row.indicator]
    assert {row.row_label for row in extra} == {"其他主动公开文件"}  # kept, unidentified
    assert [row.value for row in extra] == [120, 120, 560]


def test_demo_2019_page_with_partial_tables():
    result = stats.from_html(read_html(SZKA_2019), 2019)
    assert result.regime == "2019"
    assert value(result, "disclosure.normative_documents.public_total", "public_total") == (6, "")
    assert value(result, "disclosure.procurement.amount", "amount") == (386.5, "万元")
    assert len(cells(result, "review_litigation")) == 15
    assert cells(result, "requests") == set()  # Table 3 is prose on this page
    assert len(result.rows) == 8 + 15


@pytest.mark.parametrize(("year", "regime"), [(2020, "2019"), (2022, "2021"), (None, "2021")])
def test_year_breaks_a_tie_between_2019_and_2021(year, regime):
    html = read_html(FIXTURES / "report-2021.html")
    only_table4 = html[html.index("四、政府信息公开行政复议") :]
    result = stats.from_html(only_table4, year)
    assert (result.regime, len(result.rows)) == (regime, 15)


def test_no_table_means_no_regime():
    prose = (FIXTURES / "shenzhen-port-office-2014.txt").read_text("utf-8")  # seed 004: no table
    assert stats.from_text(prose, 2014) == Stats(None, ())
    assert stats.from_html("", 2014) == Stats(None, ())
    assert stats.from_html("<html><body><p>本年度无统计表。</p></body></html>") == Stats(None, ())


def test_html_without_tables_falls_back_to_its_text():
    lines = (FIXTURES / "guangzhou-customs-2015.txt").read_text("utf-8").splitlines()
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in lines) + "</body></html>"
    assert stats.from_html(html, 2015).rows == customs_text().rows


# ---- DOCX and PDF attachments ----------------------------------------------------------------


def table3_rows(result: Stats) -> tuple:
    return tuple(row for row in result.rows if row.section == "requests")


def test_docx_table3_gives_the_same_rows_as_html():
    html = report_2021()
    data = docx_bytes(requests_table(html), ("三、收到和处理政府信息公开申请情况",))
    result = stats.from_docx(data, 2022)
    assert result.regime == "2021"
    assert result.rows == table3_rows(html)


def test_docx_without_tables_falls_back_to_its_paragraphs():
    lines = (FIXTURES / "guangzhou-customs-2015.txt").read_text("utf-8").splitlines()
    assert stats.from_docx(docx_bytes([], tuple(lines)), 2015).rows == customs_text().rows


def test_pdf_ruled_table3_gives_the_same_rows_as_html():
    html = report_2021()
    result = stats.from_pdf(pdf_bytes(requests_table(html), PDF_WIDTHS), 2022)
    assert result.regime == "2021"
    assert result.rows == table3_rows(html)


def test_pdf_without_rules_falls_back_to_pdfplumber_text():
    html = report_2021()
    data = pdf_bytes(requests_table(html), PDF_WIDTHS, ruled=False)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert pdf.pages[0].extract_tables() == []
        text = pdf.pages[0].extract_text()
    assert "（三）不予公开 1．属于国家秘密 1 0 - - - 0 1" in text  # cells joined by spaces
    assert stats.from_pdf(data, 2022).rows == table3_rows(html)
    assert stats.from_text(text, 2022).rows == table3_rows(html)


@pytest.mark.parametrize("body", [b"", b"<html>404</html>", b"%PDF-1.4 truncated", b"PK\x03\x04"])
def test_unreadable_attachments_give_no_rows(body):
    assert stats.from_pdf(body, 2022) == Stats(None, ())
    assert stats.from_docx(body, 2022) == Stats(None, ())


# ---- the indicator documentation ------------------------------------------------------------


def test_every_indicator_is_documented_and_every_documented_key_exists():
    doc = (ROOT / "docs" / "indicators.md").read_text("utf-8").split("## Checks")[0]
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_.]+)` \|", doc, re.M))
    assert documented == set(stats.indicators())


# ---- blank is not zero (issue 14 item 5) -------------------------------------------------------

_LAST_CELL = re.compile(
    r"(<td><p class=MsoNormal align=center><span lang=EN-US>)[^<]*(<o:p></o:p>"
    r"</span></p></td></tr>)"
)


def blank_totals_2019_page() -> str:
    """report-2019.html with every 总计 cell of Table 3 printed blank, as real 2019-format
    reports often print it (the applicant columns hold the numbers, 总计 is left empty)."""
    page = read_html(FIXTURES / "report-2019.html")
    start, end = (
        page.index("三、收到和处理政府信息公开申请情况"),
        page.index("四、政府信息公开行政复议"),
    )
    table3 = _LAST_CELL.sub(r"\1&nbsp;\2", page[start:end])
    return page[:start] + table3 + page[end:]


def test_blank_total_cells_are_not_zero_and_skip_their_checks():
    result = stats.from_html(blank_totals_2019_page(), 2019)
    assert value(result, "requests.received.new", "total") == (None, "件")  # blank, not 0
    assert value(result, "requests.received.new", "natural_person") == (21, "件")
    results = checks.run(result)

    assert failing(result) == set(), "a blank cell is not a printed 0"
    skipped = {c.name: c for c in results if c.outcome == "skipped"}
    row = skipped["requests.row_total:requests.received.new"]
    assert row.passed is None and row.detail.startswith("skipped: ")
    assert "blank" in row.detail and "本年新收政府信息公开申请数量" in row.detail
    assert "requests.result_total:total" not in skipped  # its total and parts are all blank
    # the applicant columns were printed whole: their checks are still made, and pass
    assert {c.name for c in results if c.outcome == "passed"} >= {
        "requests.result_total:natural_person",
        "requests.balance:natural_person",
    }


def test_a_blank_part_skips_a_check_the_numbers_would_fail():
    result = stats.from_html(read_html(FIXTURES / "report-2019.html"), 2019)
    rows = tuple(  # 8 printed for （一）予以公开 [自然人] becomes blank: 21 = blank + … cannot tell
        replace(row, value=None)
        if (row.indicator, row.column_label) == ("requests.result.granted", "natural_person")
        else row
        for row in result.rows
    )
    results = {c.name: c for c in checks.run(Stats(result.regime, rows))}
    check = results["requests.result_total:natural_person"]
    assert check.outcome == "skipped" and "（一）予以公开" in check.detail
    assert failing(Stats(result.regime, rows)) == set()


def test_blank_parts_that_add_up_as_zero_still_pass():
    # report-2019.html leaves applicant cells blank (&nbsp;) where the count is 0: the printed
    # numbers agree with them read as 0, and those checks keep passing.
    result = stats.from_html(read_html(FIXTURES / "report-2019.html"), 2019)
    assert value(result, "requests.received.new", "research") == (None, "件")
    passed = {c.name: c for c in checks.run(result)}["requests.row_total:requests.received.new"]
    assert passed.outcome == "passed" and "blank part(s) read as 0" in passed.detail
