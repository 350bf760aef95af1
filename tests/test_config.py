"""A bad config gives one readable line naming the file, the source and the key; nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.config import ConfigError, load
from gongkai.cli import cli

GOOD = """\
[archive]
database = "data/archive.db"

[[sources]]
id = "szka"
agency = "深圳市人民政府口岸办公室"
start_urls = ["http://ka.sz.gov.cn/xxgk/qt/ndbg/"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "archive.toml"
    path.write_text(text, "utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, text))
    return str(caught.value)


def test_the_issue_example_loads_with_documented_defaults(tmp_path):
    config = load(write(tmp_path, GOOD))
    assert config.database == tmp_path / "data/archive.db"
    assert config.crawl.timeout == 30 and config.crawl.max_size_mb == 20
    assert config.crawl.per_host == 2 and config.crawl.autothrottle is True
    (source,) = config.sources
    assert source.id == "szka" and source.hosts == {"ka.sz.gov.cn"}
    assert source.aliases == ()
    named = load(write(tmp_path, GOOD + 'aliases = ["深圳市口岸管理局"]\n')).sources[0]
    assert named.aliases == ("深圳市口岸管理局",)


def test_missing_start_urls_names_the_file_line_source_and_key(tmp_path):
    message = error_of(
        tmp_path, GOOD.replace('start_urls = ["http://ka.sz.gov.cn/xxgk/qt/ndbg/"]', "")
    )
    assert message.startswith(f"{tmp_path / 'archive.toml'}:4: source 'szka'")
    assert "missing required key 'start_urls'" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (GOOD + GOOD.split("\n\n", 1)[1], "source 'szka': duplicate id 'szka'"),
        (GOOD.replace("http://ka.sz.gov.cn", "ka.sz.gov.cn"), "key 'start_urls' has a bad URL"),
        (GOOD.replace("ftp://", "").replace("http://", "ftp://"), "key 'start_urls' has a bad URL"),
        (GOOD + 'agnecy = "x"\n', "source 'szka': unknown key 'agnecy'"),
        (GOOD.replace('id = "szka"', 'id = "SZ KA"'), "key 'id' must be lowercase"),
        (GOOD.replace('id = "szka"\n', ""), "source #1: missing required key 'id'"),
        (
            GOOD.replace('start_urls = ["http', 'start_urls = "http').replace('/"]', '/"'),
            "key 'start_urls' must be a list of strings",
        ),
        ('[crawl]\ntimeout = "fast"\n' + GOOD, "[crawl]: key 'timeout' must be a number"),
        ("[crawl]\nper_host = 0\n" + GOOD, "[crawl]: key 'per_host' must be at least 1"),
        ("[crawl]\nrobots = false\n" + GOOD, "[crawl]: unknown key 'robots'"),
        (GOOD + 'aliases = "市口岸办"\n', "key 'aliases' must be a list of strings"),
        (GOOD + 'aliases = ["办"]\n', "key 'aliases' must list agency names of two characters"),
        (GOOD + 'aliases = ["市口岸办 "]\n', "without surrounding spaces"),
        ("[crawler]\n" + GOOD, "unknown section [crawler]"),
        ("[archive]\n", "no [[sources]] defined"),
        ("[[sources]\n", "not valid TOML"),
    ],
)
def test_each_kind_of_mistake_is_one_clear_line(tmp_path, change, expected):
    message = error_of(tmp_path, change)
    assert expected in message
    assert str(tmp_path / "archive.toml") in message
    assert "\n" not in message


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load(tmp_path / "nope.toml")


def test_once_refuses_a_bad_config_before_anything_runs(tmp_path):
    path = write(tmp_path, GOOD.replace('start_urls = ["http://ka.sz.gov.cn/xxgk/qt/ndbg/"]', ""))

    result = CliRunner().invoke(cli, ["--config", str(path), "once"])

    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "Error:" in result.output and "source 'szka'" in result.output
    assert "start_urls" in result.output
    assert not (tmp_path / "data").exists(), "no archive is created for a bad config"
