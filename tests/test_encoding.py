"""decode_html(): bodies built by encoding real report text, declared every way sites declare it.

The Chinese strings are from the two seed reports (Shenzhen port office 2014, Guangzhou customs
2015); 镕 is in GBK but not GB2312, 䶮 only in GB18030 — both must survive a "gb2312" label.
"""

import codecs

import pytest

from archive.encoding import codec_for, declared_charset, decode_html

TITLE = "市口岸办2014年政府信息公开工作年度报告"
BODY = (
    "根据《中华人民共和国政府信息公开条例》和《广东省政府信息公开规定》要求，"
    "由深圳市人民政府口岸办公室负责组织编制。来源:市口岸办 发布日期:2015-02-04 01:35"
)
CUSTOMS = "广州海关2015年海关政府信息公开年度报告：我关接到3件海关信息公开申请。"
GBK_ONLY = "朱镕基"  # 镕 is outside GB2312
GB18030_ONLY = "刘䶮"  # 䶮 (CJK Ext. A) is outside GBK


def page(meta: str = "", text: str = BODY) -> str:
    return f"<html><head>{meta}<title>{TITLE}</title></head><body><p>{text}</p></body></html>"


def gbk_page(meta: str = "") -> bytes:
    return page(meta, BODY + GBK_ONLY).encode("gbk")


META_FORMS = [
    '<meta charset="gbk">',
    "<meta charset=gbk>",
    "<meta charset='gb2312'>",
    '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
    '<meta content="text/html; charset=gb2312" http-equiv="Content-Type">',
    "<meta http-equiv=Content-Type content=text/html;charset=gbk>",
    '<META HTTP-EQUIV="CONTENT-TYPE" CONTENT="TEXT/HTML; CHARSET=GB2312">',
    '<meta charset="gbk"\n',  # the closing ">" is missing; <title> follows
    '<meta http-equiv="Content-Type" content="text/html; charset=gbk"',
    '<meta charset = "GB2312" >',
    '<meta http-equiv="Content-Type" content="text/html;charset=gbk">',
    '<meta http-equiv="Content-Type" content="text/html; charset = gb2312 ">',
    '<meta charset="x-gbk">',
    '<meta charset="cp936">',
    '<meta charset="GB_2312-80">',
    '<meta charset="gb18030">',
    '<meta charset="EUC-CN">',
    '<meta name="viewport" content="width=device-width"><meta charset="gbk">',
]


@pytest.mark.parametrize("meta", META_FORMS)
def test_every_meta_form_decodes_gbk_as_gb18030(meta: str) -> None:
    body = gbk_page(meta)
    text, codec = decode_html(body, None)
    assert codec == "gb18030"
    assert TITLE in text and GBK_ONLY in text
    assert declared_charset(body, None) == "gb18030"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=GBK",
        "text/html;charset=gb2312",
        'text/html; charset="gb2312"',
        "text/html; Charset='GB18030'",
        "text/html; charset=x-gbk",
    ],
)
def test_header_charset_gb_labels(content_type: str) -> None:
    body = gbk_page()
    assert decode_html(body, content_type) == (page("", BODY + GBK_ONLY), "gb18030")
    assert declared_charset(body, content_type) == "gb18030"


@pytest.mark.parametrize("content_type", ["text/html; charset=UTF-8", 'text/html;charset="utf8"'])
def test_header_charset_utf8(content_type: str) -> None:
    body = page().encode("utf-8")
    assert decode_html(body, content_type) == (page(), "utf-8")
    assert declared_charset(body, content_type) == "utf-8"


def test_gb18030_only_characters_survive_a_gb2312_label() -> None:
    body = page('<meta charset="gb2312">', CUSTOMS + GB18030_ONLY).encode("gb18030")
    text, codec = decode_html(body, "text/html; charset=gb2312")
    assert codec == "gb18030"
    assert GB18030_ONLY in text


def test_header_beats_meta() -> None:
    body = page('<meta charset="gbk">').encode("utf-8")
    assert decode_html(body, "text/html; charset=utf-8") == (page('<meta charset="gbk">'), "utf-8")
    assert declared_charset(body, "text/html; charset=utf-8") == "utf-8"


@pytest.mark.parametrize(
    ("body", "codec"),
    [
        (page().encode("utf-8"), "utf-8"),
        (page().encode("gbk"), "gb18030"),
        (page().encode("gb2312"), "gb18030"),
        (page(text=CUSTOMS + GB18030_ONLY).encode("gb18030"), "gb18030"),
        (b"<html><body>Not Found</body></html>", "utf-8"),
        (b"", "utf-8"),
    ],
)
def test_no_declaration_sniffs_utf8_then_gb18030(body: bytes, codec: str) -> None:
    text, used = decode_html(body, "text/html")
    assert used == codec
    assert text.encode(codec) == body
    assert declared_charset(body, "text/html") is None


def test_lying_utf8_header_with_gbk_body_falls_back() -> None:
    body = gbk_page()
    text, codec = decode_html(body, "text/html; charset=utf-8")
    assert (codec, TITLE in text, "\ufffd" in text) == ("gb18030", True, False)


def test_lying_utf8_header_falls_back_to_the_meta_charset() -> None:
    body = gbk_page('<meta charset="gbk">')
    assert decode_html(body, "text/html; charset=utf-8")[1] == "gb18030"


def test_lying_utf8_meta_with_gbk_body_falls_back() -> None:
    assert decode_html(gbk_page('<meta charset="utf-8">'), None)[1] == "gb18030"


def test_stale_gb2312_meta_on_a_utf8_page_reads_as_utf8() -> None:
    body = page('<meta charset="gb2312">').encode("utf-8")
    assert decode_html(body, None) == (page('<meta charset="gb2312">'), "utf-8")


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (b"\x84\x31\x95\x33", "gb18030"),
    ],
)
def test_bom_wins_over_every_declaration(bom: bytes, codec: str) -> None:
    body = bom + page('<meta charset="gbk">').encode(codec)
    content_type = "text/html; charset=gbk"
    assert decode_html(body, content_type) == (page('<meta charset="gbk">'), codec)
    assert declared_charset(body, content_type) == codec


@pytest.mark.parametrize("latin", ["ISO-8859-1", "iso-8859-1", "latin-1", "us-ascii"])
def test_latin1_header_is_not_trusted_over_chinese(latin: str) -> None:
    content_type = f"text/html; charset={latin}"
    with_meta = gbk_page('<meta charset="gbk">')
    assert decode_html(with_meta, content_type)[1] == "gb18030"
    assert declared_charset(with_meta, content_type) == "gb18030"
    assert decode_html(page().encode("utf-8"), content_type) == (page(), "utf-8")
    assert decode_html(page().encode("gbk"), content_type) == (page(), "gb18030")
    assert declared_charset(page().encode("gbk"), content_type) is None


def test_latin1_header_is_kept_for_a_real_latin1_page() -> None:
    body = "<html><body>404 Not Found - café</body></html>".encode("latin-1")
    assert decode_html(body, "text/html; charset=iso-8859-1")[1] == "iso8859-1"
    assert declared_charset(body, "text/html; charset=iso-8859-1") == "iso8859-1"


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="x-unknown-charset"><meta charset="gbk">',
        '<meta charset="base64"><meta charset="gbk">',
        '<meta charset="utf-7"><meta charset="gbk">',
        '<!-- <meta charset="utf-8"> --><meta charset="gbk">',
        '<meta name="keywords" content="年度报告"><meta charset="gbk">',
    ],
)
def test_unknown_refused_and_commented_labels_are_skipped(meta: str) -> None:
    assert declared_charset(gbk_page(meta), "text/html; charset=bogus") == "gb18030"


def test_unknown_labels_alone_fall_back_to_sniffing() -> None:
    body = page('<meta charset="klingon">').encode("gbk")
    assert declared_charset(body, "text/html; charset=foobar") is None
    assert decode_html(body, "text/html; charset=foobar")[1] == "gb18030"


def test_meta_after_the_first_4kb_is_ignored() -> None:
    padding = "<script>" + "x" * 5000 + "</script>"
    body = page(padding + '<meta charset="big5">').encode("gbk")
    assert declared_charset(body, None) is None
    assert decode_html(body, None)[1] == "gb18030"


def test_xml_declaration_counts_as_a_declaration() -> None:
    body = ('<?xml version="1.0" encoding="gb2312"?>' + page()).encode("gbk")
    assert declared_charset(body, None) == "gb18030"


def test_utf16_meta_on_an_ascii_compatible_page_means_utf8() -> None:
    body = page('<meta charset="utf-16">').encode("utf-8")
    assert decode_html(body, None) == (page('<meta charset="utf-16">'), "utf-8")


def test_broken_bytes_still_give_text_with_the_closest_codec() -> None:
    body = gbk_page('<meta charset="gbk">').replace(b"<p>", b"<p>\x80\xff")
    text, codec = decode_html(body, None)
    assert codec == "gb18030"
    assert TITLE in text and text.count("\ufffd") <= 2


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("gb_2312-80", "gb18030"),
        ('"GB2312"', "gb18030"),
        ("euc_cn", "gb18030"),
        ("UTF-8", "utf-8"),
        ("utf8", "utf-8"),
        ("unicode", "utf-8"),
        ("big5", "big5"),
        ("latin-1", "iso8859-1"),
        ("windows-1252", "cp1252"),
        ("utf-7", None),
        ("rot13", None),
        ("hex", None),
        ("undefined", None),
        ("nonsense", None),
        ("", None),
        (None, None),
    ],
)
def test_codec_for(label: str | None, codec: str | None) -> None:
    assert codec_for(label) == codec
