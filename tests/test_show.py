"""`show`: an archived body out byte for byte, its exchange's headers, a report's versions."""

from __future__ import annotations

import hashlib

from click.testing import CliRunner

from archive.db import open_db
from gongkai import cycle
from gongkai.cli import cli
from tests.evidence_site import crawled
from tests.test_watch import BASE, body_of, write_site


def show(config, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config.path), "show", *args])


def test_every_blob_comes_out_hashing_to_its_key(serve_site, tmp_path):
    _site, _server, config = crawled(serve_site, tmp_path)
    keys = [k for (k,) in open_db(config.database).execute("SELECT sha256 FROM blobs")]
    assert len(keys) >= 5
    for key in keys:
        result = show(config, key)
        assert result.exit_code == 0, result.output
        assert hashlib.sha256(result.stdout_bytes).hexdigest() == key
    out = tmp_path / "out.bin"
    assert show(config, keys[0], "-o", str(out)).exit_code == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == keys[0]


def test_a_url_at_a_day_gives_the_body_archived_then_and_its_headers(serve_site, tmp_path):
    site, server, config = crawled(serve_site, tmp_path)
    url = server.url + "/gknb/2021.html"
    first = show(config, url, "--at", "2099-01-01").stdout_bytes
    assert first == (site / "gknb" / "2021.html").read_bytes()

    headers = show(config, url, "--headers")
    assert headers.exit_code == 0, headers.output
    assert "GET /gknb/2021.html HTTP/1.1" in headers.output
    assert "X-Gov-Trace: 42" in headers.output
    assert "HTTP/1.1 200 OK" in headers.output


def test_nothing_matching_is_one_line_not_a_traceback(serve_site, tmp_path):
    _site, server, config = crawled(serve_site, tmp_path)
    for args, words in [
        (["0" * 64], "no archived body has SHA-256"),
        ([server.url + "/nope.html"], "no archived body for"),
        ([server.url + "/gknb/2021.html", "--at", "2001-01-01"], "on or before 2001-01-01"),
        (["not-a-key"], "is not a SHA-256"),
        (["999", "--versions"], "no report with id 999"),
        (["999"], "no report with id 999"),
        (["1", "--diff", "1", "7"], "'7' is not one of its versions"),
    ]:
        result = show(config, *args)
        assert result.exit_code == 1
        assert words in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_versions_and_diff_of_a_silently_edited_report(serve_site, tmp_path):
    site, _server, config = crawled(serve_site, tmp_path)
    edited = body_of(2021).replace("本机关主动公开政府信息7条", "本机关主动公开政府信息9条")
    write_site(site, BASE, edits={"/gknb/2021.html": edited})
    assert show(config, "1").exit_code == 0  # before the edit is crawled
    assert cycle.run(config).status == "completed"
    report_id = (
        open_db(config.database)
        .execute("SELECT id FROM reports WHERE url LIKE '%2021.html'")
        .fetchone()[0]
    )

    listing = show(config, str(report_id), "--versions")
    assert listing.exit_code == 0, listing.output
    rows = listing.output.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["1", "2"]
    new_key = rows[1].split()[2]
    assert hashlib.sha256(show(config, new_key).stdout_bytes).hexdigest() == new_key

    diff = show(config, str(report_id), "--diff", "1", "2")
    assert diff.exit_code == 0, diff.output
    assert "-2021年第1段：本机关主动公开政府信息7条。" in diff.output
    assert "+2021年第1段：本机关主动公开政府信息9条。" in diff.output
