"""The registry of real agencies, exercised only through its loader and the config's
`[include]`: its real URLs are data here, never fetched."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from archive import registry
from archive.config import ID_PATTERN, ConfigError, load
from archive.sources_file import ADDED_NOTE, canonical
from gongkai import onboard
from gongkai.cli import cli


def test_every_entry_has_the_shape_a_source_needs_and_a_provenance():
    entries = registry.entries()

    assert len(entries) >= 30
    for entry in entries:
        assert ID_PATTERN.match(entry.id), entry
        assert entry.agency and entry.region, entry
        assert entry.level in registry.LEVELS, entry
        parts = urlsplit(entry.url)
        assert parts.scheme in ("http", "https") and parts.hostname, entry
        assert entry.provenance, f"{entry.id} has no provenance"
        assert entry.status == "unverified", entry  # never crawled from here


def test_no_two_entries_share_an_id_or_a_url():
    entries = registry.entries()
    ids = Counter(e.id for e in entries)
    urls = Counter(canonical(e.url) for e in entries)

    assert [i for i, n in ids.items() if n > 1] == []
    assert [u for u, n in urls.items() if n > 1] == []


def config_text(include: str, own: str = "") -> str:
    return f'[archive]\ndatabase = "a.db"\n\n[include]\nsources = {include}\n{own}'


def test_one_line_includes_a_level_or_a_region(tmp_path):
    path = tmp_path / "archive.toml"
    path.write_text(config_text('["registry:central", "registry:广东省"]'), "utf-8")

    config = load(path)  # no [[sources]] of its own is fine

    central = {e.id for e in registry.entries() if e.level == "central"}
    guangdong = {e.id for e in registry.entries() if e.region == "广东省"}
    assert central and guangdong
    assert {s.id for s in config.sources} == central | guangdong
    assert all("unverified" in s.notes for s in config.sources)


def test_an_own_source_with_an_entrys_url_takes_its_place(tmp_path):
    entry = next(e for e in registry.entries() if e.level == "central")
    own = f'\n[[sources]]\nid = "mine"\nagency = "x"\nstart_urls = ["{entry.url}"]\n'
    path = tmp_path / "archive.toml"
    path.write_text(config_text('["registry:central"]', own), "utf-8")

    ids = [s.id for s in load(path).sources]

    assert ids[0] == "mine" and entry.id not in ids


def test_a_source_added_from_an_entrys_url_takes_its_place(tmp_path):
    """`add` (or `import archive/registry.csv`) starts a source at the column found below the
    entry's URL; its notes name that URL, and the entry is not watched a second time."""
    entry = next(e for e in registry.entries() if e.level == "central")
    notes = ADDED_NOTE.format(day="2026-12-01", url=entry.url)
    own = (
        f'\n[[sources]]\nid = "mine"\nagency = "x"\nstart_urls = ["http://column.example/nb/"]'
        f'\nnotes = "{notes}"\n'
    )
    path = tmp_path / "archive.toml"
    path.write_text(config_text('["registry:central"]', own), "utf-8")

    ids = [s.id for s in load(path).sources]

    assert ids[0] == "mine" and entry.id not in ids


@pytest.mark.parametrize(
    ("include", "says"),
    [
        ('["registry:火星"]', "'registry:火星' selects no registry entry (levels: central"),
        ('["central"]', "'central' is not a registry selection"),
        ('"registry:central"', "must be a list of strings"),
    ],
)
def test_a_bad_include_is_one_line_naming_the_file_and_key(tmp_path, include, says):
    path = tmp_path / "archive.toml"
    path.write_text(config_text(include), "utf-8")

    with pytest.raises(ConfigError) as error:
        load(path)

    message = str(error.value)
    assert message.startswith(f"{path}: [include]: key 'sources'") and says in message
    assert "\n" not in message


def test_sources_lists_included_entries_before_any_cycle(tmp_path):
    path = tmp_path / "archive.toml"
    path.write_text(config_text('["registry:central"]'), "utf-8")

    result = CliRunner().invoke(cli, ["--config", str(path), "sources"])

    assert result.exit_code == 0, result.output
    central = [e for e in registry.entries() if e.level == "central"]
    for entry in central:
        assert any(
            line.startswith(entry.id) and "never run" in line for line in result.output.splitlines()
        )
    assert not (tmp_path / "a.db").exists()  # listing never creates the archive


def test_the_registry_file_is_an_import_file_as_it_stands():
    rows = onboard.read_rows(registry.PATH)  # checked row by row, nothing fetched

    assert [row["id"] for row in rows] == [e.id for e in registry.entries()]
