"""The challenge check: every challenge page the fixture sites serve is recognised, an error
answer is searched whole, and a real report page that names a WAF is still a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.blocked import blocked_by

HERE = Path(__file__).parent
TRAP = HERE / "sites" / "trap_site" / "gknb"
REPORT = HERE / "fixtures" / "stats" / "report-2021.html"  # a 28 KB Word-pasted report page


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (TRAP / "2014.html", 200),  # EdgeOne
        (TRAP / "2015.html", 200),  # $_ts
        (TRAP / "2016.html", 200),  # __jsl_clearance
        (TRAP / "2017.html", 412),  # a JS cookie behind a 412
        (HERE / "sites" / "challenge_column" / "xxgk" / "gknb" / "index.html", 412),
    ],
)
def test_the_fixture_sites_challenge_pages_are_recognised(path, status):
    assert blocked_by(status, path.read_bytes())


def test_a_report_page_naming_a_waf_in_its_text_is_the_report_not_a_challenge():
    sentence = "本机关门户网站已部署知道创宇“创宇盾”云防护（jiasule加速乐），全年未发生安全事件。"
    body = REPORT.read_bytes().replace(b"</body>", f"<p>{sentence}</p></body>".encode())
    assert len(body) > 16 * 1024
    assert blocked_by(200, body) is None


def test_an_error_answer_is_searched_whole_however_large():
    padding = b"<p>" + "请稍候，正在验证您的浏览器。".encode() * 1500 + b"</p>"
    body = (
        b"<html><body>"
        + padding
        + b"<script src='/cdn-cgi/challenge-platform/h/b/jsch/v1'></script></body></html>"
    )
    assert len(body) > 32 * 1024
    assert blocked_by(403, body) == "Cloudflare challenge"
    assert blocked_by(503, body) == "Cloudflare challenge"
