"""`add URL` and `import FILE.csv` against fixture sites on 127.0.0.1: from an agency's page
to a watched column, and a config file whose own text is never rewritten."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.config import ConfigError, load
from archive.sources_file import agency_name, append_block, derive_id, render_block
from crawler.classify import is_hub_link
from gongkai.cli import cli
from tests.helpers import expected

# A config as a person writes it: comments, odd spacing, single quotes, a trailing comment.
USER_CONFIG = """\
# Our newsroom's watch list — keep this comment
[archive]
database   = 'archive.db'     # beside this file

[crawl]
delay = 0
autothrottle = false
timeout = 5
retries = 1
recheck_days = 1
full_walk_days = 1

# agencies follow
"""


def user_config(folder: Path, extra: str = "") -> Path:
    path = folder / "archive.toml"
    path.write_text(USER_CONFIG + extra, "utf-8")
    return path


def add(path: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(path), "add", *args])


def test_add_from_a_home_page_two_menu_hops_above_finds_the_column_and_a_cycle_its_reports(
    serve_site, tmp_path
):
    server = serve_site("home_two_hops")
    spec = expected("home_two_hops")
    path = user_config(tmp_path)
    before = path.read_bytes()

    result = add(path, server.url + "/")

    assert result.exit_code == 0, result.output
    column = server.url + "/xxgk/ndbg/gknb/"
    assert f"column: {column}" in result.output
    assert "2 menu hops" in result.output
    assert "2023 (1), 2022 (1)" in result.output
    after = path.read_bytes()
    assert after.startswith(before)  # the user's text, byte for byte
    block = tomllib.loads(after[len(before) :].decode())["sources"][0]
    assert block["start_urls"] == [column]
    assert block["agency"] == spec["agency"]  # taken from the site
    config = load(path)
    assert [s.id for s in config.sources] == [block["id"]]

    once = CliRunner().invoke(cli, ["--config", str(path), "once"])
    assert once.exit_code == 0, once.output
    listing = CliRunner().invoke(cli, ["--config", str(path), "sources", "--csv"])
    row = next(csv.DictReader(listing.output.splitlines()))
    assert (row["source_id"], row["last_status"], row["reports"]) == (block["id"], "ok", "2")
    assert row["reports_by_year"] == "2023 2022"
    assert row["family"] == "generic" and row["stated_entries"] == ""  # states no count
    later = CliRunner().invoke(cli, ["--config", str(path), "sources", "--today", "2030-06-01"])
    line = next(line for line in later.output.splitlines() if line.startswith(block["id"]))
    assert "2029 2028 2027 2026" in line  # deadlines passed while watched, no report


def test_add_from_the_column_itself_with_id_and_agency_given(serve_site, tmp_path):
    server = serve_site("home_discovery")
    path = user_config(tmp_path)
    column = server.url + "/xxgk/gknb/"

    result = add(path, column, "--id", "dlmz", "--agency", "东岭区民政局")

    assert result.exit_code == 0, result.output
    source = load(path).source("dlmz")
    assert source.start_urls == (column,) and source.agency == "东岭区民政局"
    assert "menu hops" not in result.output.splitlines()[0]


def test_add_dry_run_prints_the_block_and_writes_nothing(serve_site, tmp_path):
    server = serve_site("home_discovery")
    path = user_config(tmp_path)
    before = path.read_bytes()

    result = add(path, server.url + "/xxgk/", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "[[sources]]" in result.output
    assert f'start_urls = ["{server.url}/xxgk/gknb/"]' in result.output
    assert path.read_bytes() == before


def test_add_refuses_a_site_without_a_report_column_and_writes_nothing(serve_site, tmp_path):
    server = serve_site("no_column")
    path = user_config(tmp_path)
    before = path.read_bytes()

    result = add(path, server.url + "/")

    assert result.exit_code == 1
    assert "no column found" in result.output
    assert path.read_bytes() == before


def test_add_refuses_a_column_behind_a_challenge_page_and_says_blocked(serve_site, tmp_path):
    server = serve_site("challenge_column")
    path = user_config(tmp_path)
    before = path.read_bytes()

    result = add(path, server.url + "/xxgk/gknb/")

    assert result.exit_code == 1
    assert "refused (blocked)" in result.output and "challenge" in result.output
    assert path.read_bytes() == before


def test_add_refuses_a_url_or_column_already_configured(serve_site, tmp_path):
    server = serve_site("home_discovery")
    column = server.url + "/xxgk/gknb/"
    path = user_config(
        tmp_path, f'\n[[sources]]\nid = "mine"\nagency = "x"\nstart_urls = ["{column}"]\n'
    )
    before = path.read_bytes()

    same_url = add(path, column)
    assert same_url.exit_code == 1 and "already present" in same_url.output
    assert server.requests == []  # refused before any fetch

    via_home = add(path, server.url + "/xxgk/")  # leads to the configured column
    assert via_home.exit_code == 1 and "'mine' already watches" in via_home.output
    assert path.read_bytes() == before


def test_add_refuses_an_unreachable_site(dead_port, tmp_path):
    path = user_config(tmp_path)
    before = path.read_bytes()

    result = add(path, f"http://127.0.0.1:{dead_port.getsockname()[1]}/xxgk/")

    assert result.exit_code == 1 and "refused (unreachable)" in result.output
    assert path.read_bytes() == before


def test_import_gives_the_summary_and_a_second_run_changes_nothing(serve_site, tmp_path, dead_port):
    home = serve_site("home_two_hops")
    column = serve_site("home_discovery")
    bare = serve_site("no_column")
    walled = serve_site("challenge_column")
    path = user_config(
        tmp_path,
        f'\n[[sources]]\nid = "mine"\nagency = "东岭区民政局"\n'
        f'start_urls = ["{column.url}/xxgk/gknb/"]\n',
    )
    rows = tmp_path / "agencies.csv"
    rows.write_text(
        "agency,url,id,level,region,kind\n"
        f"南山县交通运输局,{home.url}/,,department,某省,department\n"
        f"东岭区民政局,{column.url}/xxgk/gknb/,,,,\n"
        f"北湖区档案馆,{bare.url}/,,,,\n"
        f"西岭市统计局,{walled.url}/xxgk/gknb/,,,,\n"
        f"断线局,http://127.0.0.1:{dead_port.getsockname()[1]}/,,,,\n",
        "utf-8",
    )

    first = CliRunner().invoke(cli, ["--config", str(path), "import", str(rows)])

    assert first.exit_code == 0, first.output
    summary = _summary(first.output)
    assert summary == {
        "added": 1,
        "already present": 1,
        "no column found": 1,
        "unreachable": 1,
        "blocked": 1,
        "refused": 0,
        "total": 5,
    }
    added = load(path).sources[-1]
    assert added.start_urls == (home.url + "/xxgk/ndbg/gknb/",) and added.kind == "department"
    needs = list(csv.DictReader((tmp_path / "agencies.needs-human.csv").open(encoding="utf-8")))
    assert [(r["line"], r["outcome"]) for r in needs] == [
        ("4", "no column found"),
        ("5", "blocked"),
        ("6", "unreachable"),
    ]
    config_after_first = path.read_bytes()
    asked = len(home.requests)

    second = CliRunner().invoke(cli, ["--config", str(path), "import", str(rows)])

    assert _summary(second.output)["added"] == 0
    assert _summary(second.output)["already present"] == 2
    assert path.read_bytes() == config_after_first
    assert len(home.requests) == asked  # an added row is skipped without a fetch


def test_import_adds_a_url_listed_twice_once_and_writes_needs_human_where_asked(
    serve_site, tmp_path, dead_port
):
    column = serve_site("home_discovery")
    path = user_config(tmp_path)
    rows = tmp_path / "agencies.csv"
    rows.write_text(
        "agency,url\n"
        f"东岭区民政局,{column.url}/xxgk/gknb/\n"
        f"东岭区民政局,{column.url}/xxgk/gknb/\n"
        f"断线局,http://127.0.0.1:{dead_port.getsockname()[1]}/\n",
        "utf-8",
    )
    todo = tmp_path / "elsewhere" / "todo.csv"
    todo.parent.mkdir()

    result = CliRunner().invoke(
        cli, ["--config", str(path), "import", str(rows), "--needs-human", str(todo)]
    )

    assert result.exit_code == 0, result.output
    assert _summary(result.output)["added"] == 1
    assert _summary(result.output)["already present"] == 1  # the row added just before
    assert [s.start_urls for s in load(path).sources] == [(column.url + "/xxgk/gknb/",)]
    needs = list(csv.DictReader(todo.open(encoding="utf-8")))
    assert [(r["line"], r["outcome"]) for r in needs] == [("4", "unreachable")]
    assert not (tmp_path / "agencies.needs-human.csv").exists()


def _summary(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        name, _, number = line.rpartition(" ")
        if number.isdigit() and name.strip() in (
            "added",
            "already present",
            "no column found",
            "unreachable",
            "blocked",
            "refused",
            "total",
        ):
            counts[name.strip()] = int(number)
    return counts


def test_a_bad_import_csv_is_one_line_naming_file_line_and_column(tmp_path):
    path = user_config(tmp_path)
    rows = tmp_path / "bad.csv"
    rows.write_text("agency,url,kind\n东岭区民政局,http://a.example/,ministry\n", "utf-8")

    result = CliRunner().invoke(cli, ["--config", str(path), "import", str(rows)])

    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {rows}:2: column 'kind' takes department, government")
    rows.write_text("agency,link\n", "utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "import", str(rows)])
    assert result.output.strip().startswith(f"Error: {rows}:1: missing column 'url'")


def test_the_agency_is_the_name_before_the_year_else_the_page_titles_agency_part():
    titles = [
        "东岭区民政局2024年政府信息公开工作年度报告",
        "东岭区民政局二〇二三年政府信息公开工作年度报告",
    ]
    assert agency_name(titles) == "东岭区民政局"
    page = "<title>政府信息公开年报 - 西岭市统计局 - 首页</title>".encode()
    assert agency_name(["2024年政府信息公开工作年度报告"], page) == "西岭市统计局"
    assert agency_name([], "<title>政府信息公开工作年度报告</title>".encode()) == ""


def test_ids_come_from_the_host_and_are_never_taken_twice():
    assert derive_id("http://mzj.wuhan.gov.cn/zwgk_918/xxgknb/", []) == "mzj-wuhan"
    assert derive_id("https://www.mohrss.gov.cn/x/", ["mohrss"]) == "mohrss-2"
    assert derive_id("http://127.0.0.1:8080/", []) == "host-127-0-0-1-8080"


def test_a_block_that_would_not_load_is_taken_back_byte_for_byte(tmp_path):
    path = user_config(tmp_path).with_name("archive.toml")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # no final newline: still appended after it
    before = path.read_bytes()

    with pytest.raises(ConfigError):
        append_block(path, render_block("x", "某局", "http://a.example/", since=1999))

    assert path.read_bytes() == before
    config = append_block(path, render_block("x", "某局", "http://a.example/"))
    assert path.read_bytes().startswith(before + b"\n\n[[sources]]\n")
    assert config.source("x").start_urls == ("http://a.example/",)


def test_sources_shows_the_family_and_the_entries_a_column_states_beside_those_reached(
    serve_site, tmp_path
):
    site = "fjdzapp_pingtan"
    server = serve_site(site)
    spec = expected(site)
    column = server.url + spec["start_path"]
    path = user_config(
        tmp_path,
        f'\n[[sources]]\nid = "pt"\nagency = "{spec["agency"]}"\nstart_urls = ["{column}"]\n',
    )
    assert CliRunner().invoke(cli, ["--config", str(path), "once"]).exit_code == 0

    result = CliRunner().invoke(cli, ["--config", str(path), "sources"])

    line = next(line for line in result.output.splitlines() if line.startswith("pt "))
    stated = spec["stated_entries"]
    assert line.split()[1:5] == ["fjdzapp", "ok", str(len(spec["reports"])), f"{stated}/{stated}"]


def test_a_home_pages_link_to_its_disclosure_section_is_a_hub_and_nothing_else_is():
    for label in ("政府信息公开", "信息公开", "政务公开", "政府信息公开目录", " 信息公开 "):
        assert is_hub_link(label), label
    for label in ("政府信息公开指南", "政府信息公开年报", "信息公开制度", "新闻动态", "依申请公开"):
        assert not is_hub_link(label), label
