"""classify(): real-world list-entry titles, reports and the distractors that sit beside them.

Titles are from domain notes §5 (seen on real sites) or follow the same grammar with a different
agency; each case asserts both the verdict and the year.
"""

import pytest

from crawler.classify import Verdict, classify, normalise_title, report_year

REPORTS = [
    # Seen verbatim (domain notes §5 "Titles").
    ("市口岸办2014年政府信息公开工作年度报告", 2014),
    ("广州海关2015年海关政府信息公开年度报告", 2015),
    ("宿迁市政府办公室2014年政府信息公开年度报告", 2014),
    ("舒兰市市场监督管理局2016年政务信息公开年度报告", 2016),
    ("2009年北京市文化局政府信息公开年度报告", 2009),
    ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）", 2019),
    ("上海市黄浦区人民政府2022年政府信息公开工作年度报告（超链版）", 2022),
    ("上海市黄浦区人民政府2022年政府信息公开工作年度报告（更正版）", 2022),
    ("2025年黄浦区财政局政府信息公开工作年度报告", 2025),
    ("2022年上海市政府信息公开工作年度报告", 2022),
    ("国家公务员局2019年政府信息公开工作年度报告", 2019),
    ("沭阳县发展和改革局2023年政府信息公开年度报告", 2023),
    ("沭阳县人民政府2025年政府信息公开工作年度报告", 2025),
    ("高岭镇_2017年_政府信息公开工作年度报告", 2017),
    ("广州市人民政府2012年政府信息公开工作年度报告", 2012),
    # 年报 / 年度 / older 工作报告 wording.
    ("北京市通州区财政局2020年政府信息公开年报", 2020),
    ("2018年度信息公开工作年度报告", 2018),
    ("深圳市人民政府口岸办公室2013年度政府信息公开工作年度报告", 2013),
    ("广州市人民政府2020年度政府信息公开工作报告", 2020),
    ("二〇一五年度广州海关政府信息公开工作报告", 2015),
    ("广州海关2016年度海关政府信息公开工作年度报告", 2016),
    ("某局关于2015年政府信息公开工作情况的报告", 2015),
    ("某县2020年政务公开工作年度报告", 2020),
    # The statistics table's caption year comes after the phrase (seed 000).
    ("广州海关政府信息公开情况统计表（2015年度）", 2015),
    ("广州海关政府信息公开情况统计表\n(2015年度)", 2015),
    ("政府信息公开工作年度报告（2019年）", 2019),
    ("政府信息公开工作年度报告2019", 2019),
    ("【2019】政府信息公开工作年度报告", 2019),
    # Chinese-numeral years, with 〇 (U+3007), ○ (U+25CB), 零, or a stray Arabic 0.
    ("北京市文化局二〇一四年政府信息公开工作年度报告", 2014),
    ("二○一二年南平市政府信息公开工作年度报告", 2012),
    ("二零一三年度某县政府信息公开年度报告", 2013),
    ("二0一四年政府信息公开年度报告", 2014),
    # Several years: the one right before the phrase is the covered year.
    ("2021年某区2020年度政府信息公开工作年度报告", 2020),
    ("2019年度某镇人民政府政府信息公开工作年度报告", 2019),
    # Whitespace, full-width and list noise.
    ("  市口岸办 2014 年 政府信息公开 工作年度报告  ", 2014),
    ("市口岸办２０１４年政府信息公开工作年度报告", 2014),
    ("市口岸办2014年政府信息公开\u3000工作年度报告", 2014),
    ("市口岸办2014年政府信息公开工作年度报告\xa02015-02-04", 2014),
    ("市口岸办2014年政府信息公开工作年度报告 [2015/02/04]", 2014),
    ("某市2014年政府信息公开工作年度报告 发布日期：2015年02月04日", 2014),
    ("沭阳县发展和改革局2023年政府信息公开年度报告[PDF]", 2023),
    ("某区2019年政府信息公开工作年度报告.pdf (1.2MB)", 2019),
    ("某区2019年政府信息公开工作年度报告（PDF 356KB）", 2019),
    ("附件：某局2019年政府信息公开工作年度报告.docx", 2019),
    ("广州海关政府信息公开年度报告 2016-03-30", None),
    ("政府信息公开工作年度报告", None),
    # Agencies whose names contain a distractor-looking word.
    ("某市生态环境局2019年政府信息公开工作年度报告", 2019),
    ("某市住房公积金管理中心2019年政府信息公开工作年度报告", 2019),
    ("中国证券监督管理委员会2019年政府信息公开工作年度报告", 2019),
    ("某市机构编制委员会办公室2020年政府信息公开工作年度报告", 2020),
    ("国家统计局2016年政府信息公开年度报告", 2016),
    # Summaries and announcements that carry the report.
    ("南平市2012年政府信息公开工作年度报告（汇总）", 2012),
    ("某区人民政府关于2019年政府信息公开工作年度报告的公告", 2019),
    ("北京市东城区东华门街道2021年政府信息公开工作年度报告", 2021),
    ("某省人力资源和社会保障厅2008年政府信息公开工作年度报告", 2008),
    # List columns cut long titles; the tail already reaches 年度/报.
    ("市口岸办2014年政府信息公开工作年度...", 2014),
    ("广州海关2015年海关政府信息公开年度报…", 2015),
    ("某市人民政府2020年度政府信息公开工作报……", 2020),
]

NOT_REPORTS = [
    # Explainers.
    "2019年政府信息公开工作年度报告图解",
    "图解：上海市2022年政府信息公开工作年度报告",
    "一图读懂某区2021年政府信息公开工作年度报告",
    "一图看懂2020年政府信息公开年报",
    "《某市2019年政府信息公开工作年度报告》解读",
    "某局2020年政府信息公开年报图解",
    "2019年政府信息公开工作年度报告视频解读",
    # The government-website annual form.
    "武汉市民政局2019年政府网站工作年度报表",
    "2019年度网站年度报表",
    "上海市黄浦区人民政府门户网站2020年政府网站工作年度报表",
    "某区2019年政府网站年度工作报表",
    # Other annual reports.
    "深圳市某区2020年法治政府建设年度报告",
    "襄阳市住房公积金2024年年度报告",
    "某市住房公积金2019年年度报告（披露）",
    "某市人民政府2020年政府工作报告",
    "某市2019年国民经济和社会发展统计公报",
    "某市2019年统计年报",
    "某市2021年度部门整体支出绩效评价报告",
    # Plans and summaries (customs' 计划总结 column).
    "广州海关2015年工作总结",
    "广州海关2016年工作计划",
    "某局2019年政府信息公开工作总结",
    "某局2018年工作总结和2019年工作计划",
    "2020年政务公开工作要点",
    "某区2021年政务公开工作要点",
    "某市人民政府办公室关于印发2020年政务公开工作要点的通知",
    # Guides, catalogues, forms.
    "某市人民政府政府信息公开指南",
    "广州海关政府信息公开指南",
    "政府信息公开申请表",
    "政府信息公开目录",
    "海关政府信息公开办法",
    # Notices and rules about reports.
    "关于做好2019年政府信息公开工作年度报告编制和发布工作的通知",
    "中华人民共和国政府信息公开工作年度报告格式",
    "国务院办公厅政府信息与政务公开办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知",
    "海南省政府信息公开工作年度报告制度（试行）",
    "国务院办公厅关于加强和规范政府信息公开情况统计报送工作的通知",
    "国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知",
    "关于2019年度政府信息公开工作年度报告发布情况的通报",
    "某省2019年政府信息公开第三方评估报告",
    "某县2019年政府信息公开工作年度报告抽查情况",
    "2019年政府信息公开工作年度报告（征求意见稿）",
    # Budgets.
    "某市2019年部门决算",
    "某局2021年部门预算公开",
    # Enterprises and listed companies.
    "某科技有限公司2019年度企业年度报告公示",
    "企业年度报告公示",
    "某股份有限公司2023年年度报告",
    "某股份有限公司2023年年度报告摘要",
    "某供水有限公司2019年信息公开工作年度报告",
    # Environmental disclosure.
    "某化工有限公司2020年度环境信息公开报告",
    "某市2019年企业环境信息公开年度报告",
    # No disclosure sense at all.
    "市口岸办2014年工作动态",
    "信息公开",
    "市口岸办2014年政府信息公开工作...",  # could be 工作要点 / 工作总结
    "市口岸办2014年政府信息公开工作要…",
    "",
    "   ",
]


@pytest.mark.parametrize(("title", "year"), REPORTS)
def test_report_titles_are_accepted_with_their_year(title: str, year: int | None) -> None:
    verdict = classify(title)
    assert verdict.is_report, verdict.reason
    assert verdict.year == year
    assert verdict.reason.startswith("annual disclosure")


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_distractors_are_rejected(title: str) -> None:
    verdict = classify(title)
    assert not verdict.is_report
    assert verdict.year is None
    assert verdict.reason.startswith("rejected: ")


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("某局2020年政府信息公开年报图解", "图解"),
        ("一图读懂某区2021年政府信息公开工作年度报告", "一图"),
        ("《某市2019年政府信息公开工作年度报告》解读", "解读"),
        ("武汉市民政局2019年政府网站工作年度报表", "报表"),
        ("深圳市某区2020年法治政府建设年度报告", "法治政府"),
        ("襄阳市住房公积金2024年年度报告", "公积金"),
        ("2020年政务公开工作要点", "要点"),
        ("广州海关政府信息公开指南", "指南"),
        ("关于做好2019年政府信息公开工作年度报告编制和发布工作的通知", "通知"),
        ("中华人民共和国政府信息公开工作年度报告格式", "格式"),
        ("某市2019年部门决算", "决算"),
        ("某科技有限公司2019年度企业年度报告公示", "企业年度报告"),
        ("广州海关2015年工作总结", "工作总结"),
        ("某市2019年企业环境信息公开年度报告", "环境信息公开"),
        ("市口岸办2014年工作动态", "信息公开"),
    ],
)
def test_rejection_reason_names_the_distractor(title: str, named: str) -> None:
    assert named in classify(title).reason


def test_verdict_is_a_frozen_value() -> None:
    verdict = classify("市口岸办2014年政府信息公开工作年度报告")
    assert verdict == Verdict(True, 2014, "annual disclosure report")
    with pytest.raises(AttributeError):
        verdict.year = 2015  # type: ignore[misc]


def test_acceptance_reason_says_which_wording() -> None:
    assert "政务公开" in classify("某县2020年政务公开工作年度报告").reason
    assert "statistics" in classify("广州海关政府信息公开情况统计表（2015年度）").reason


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("关于做好2019年政府信息公开工作年度报告编制和发布工作的通知", 2019),
        ("1989年政府信息公开工作年度报告", None),
        ("2101年政府信息公开工作年度报告", None),
        ("第20190号政府信息公开工作年度报告", None),
        ("一九九九年度工作报告", 1999),
        ("某县二〇二〇年政府信息公开工作年度报告（2021年3月修订）", 2020),
        ("政府信息公开工作年度报告（2019年度）2020-01-31", 2019),
        ("", None),
    ],
)
def test_report_year_reads_any_title(title: str, year: int | None) -> None:
    assert report_year(title) == year


@pytest.mark.parametrize(
    "zero",
    ["〇", "○", "零", "0", "０", "O", "Ｏ", "o", "◯"],  # as agencies type the 〇 of 二〇二三
)
def test_chinese_numeral_years_with_any_zero(zero: str) -> None:
    title = f"某县人民政府二{zero}二三年度政府信息公开工作年度报告"
    assert report_year(title) == 2023
    assert classify(title).year == 2023


def test_normalise_title_folds_width_and_drops_noise() -> None:
    assert normalise_title(" 政府信息公开（２０１９年度） [PDF] 12KB ") == "政府信息公开(2019年度)"
