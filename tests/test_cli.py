"""The command line as a user runs it: `once` prints a per-source summary, `verify` proves bytes."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from archive import blobs
from gongkai.cli import cli
from tests.helpers import expected, write_config


def run_once(serve_site, tmp_path, site: str = "robots_disallowed"):
    server = serve_site(site)
    spec = expected(site)
    config = write_config(
        tmp_path,
        [
            {
                "id": "bagtj",
                "agency": spec["agency"],
                "start_urls": [server.url + spec["start_path"]],
            }
        ],
    )
    result = CliRunner().invoke(cli, ["--config", str(config.path), "once"])
    return config, spec, result


def test_once_prints_a_summary_line_per_source(serve_site, tmp_path):
    config, spec, result = run_once(serve_site, tmp_path)

    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("bagtj"))
    status, pages, reports, new, errors = line.split()[1:6]
    assert (status, reports, new, errors) == ("ok", str(len(spec["reports"])), "3", "0")
    assert int(pages) >= 3
    assert str(config.database) in result.output


def test_verify_passes_on_a_fresh_archive_and_names_a_tampered_blob(serve_site, tmp_path):
    config, _spec, _result = run_once(serve_site, tmp_path)
    runner = CliRunner()

    clean = runner.invoke(cli, ["--config", str(config.path), "verify"])
    assert clean.exit_code == 0, clean.output
    assert "0 problems" in clean.output

    with sqlite3.connect(config.database) as conn:
        key, encoding, content = conn.execute(
            "SELECT sha256, encoding, content FROM blobs WHERE size > 100 LIMIT 1"
        ).fetchone()
        tampered = blobs.decode(encoding, content).replace(b"2021", b"2022", 1)
        conn.execute(
            "UPDATE blobs SET encoding = 'raw', content = ? WHERE sha256 = ?", [tampered, key]
        )
    dirty = runner.invoke(cli, ["--config", str(config.path), "verify"])
    assert dirty.exit_code == 1
    assert f"blob {key}: bytes hash to {blobs.sha256_of(tampered)}" in dirty.output


def test_verify_reports_a_fetch_pointing_at_a_missing_blob(serve_site, tmp_path):
    config, _spec, _result = run_once(serve_site, tmp_path)
    with sqlite3.connect(config.database) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("UPDATE fetches SET sha256 = ? WHERE id = 1", ["0" * 64])

    result = CliRunner().invoke(cli, ["--config", str(config.path), "verify"])

    assert result.exit_code == 1
    assert f"fetches id=1: refers to missing blob {'0' * 64}" in result.output


def test_help_texts_document_every_command():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert "--config" in top.output and "archive.toml" in top.output
    for command in ("once", "verify", "check", "register", "show", "export"):
        text = runner.invoke(cli, [command, "--help"]).output
        assert "Example:" in text and f"scheduler.py --config archive.toml {command}" in text


def test_check_prints_what_discovery_recognised_without_touching_the_archive(serve_site, tmp_path):
    server = serve_site("trs_paginated")
    spec = expected("trs_paginated")
    config = write_config(
        tmp_path,
        [{"id": "hxwl", "agency": spec["agency"], "start_urls": [server.url + spec["start_path"]]}],
    )

    result = CliRunner().invoke(cli, ["--config", str(config.path), "check", "hxwl"])

    assert result.exit_code == 0, result.output
    assert "list pages (3):" in result.output and "trs" in result.output
    assert f"reports found ({len(spec['reports'])}):" in result.output
    for report in spec["reports"]:
        assert report["title"] in result.output
    assert "rejected: 图解" in result.output, "skipped entries come with the reason"
    assert "kind guessed as 'department'" in result.output
    assert not config.database.exists(), "check leaves the archive alone"


def test_check_names_an_unknown_source(tmp_path):
    config = write_config(tmp_path, [{"id": "a", "agency": "某局", "start_urls": ["http://x/"]}])
    result = CliRunner().invoke(cli, ["--config", str(config.path), "check", "nope"])
    assert result.exit_code == 1 and "no source with id 'nope'" in result.output


def test_reextract_rebuilds_the_statistics_from_the_archived_bytes(serve_site, tmp_path):
    from sitefixtures.run_demo import HERE

    server = serve_site(HERE / "gzhg")
    config = write_config(
        tmp_path,
        [
            {
                "id": "gzhg",
                "agency": "广州海关",
                "start_urls": [server.url + "/guangzhou_customs/381558/381575/"],
            }
        ],
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config.path), "once"]).exit_code == 0
    with sqlite3.connect(config.database) as conn:
        before = conn.execute("SELECT count(*) FROM report_stats").fetchone()[0]
        conn.execute("DELETE FROM report_stats")
        conn.execute("UPDATE report_versions SET text = NULL")
    server.stop()  # nothing is fetched: the archive alone is enough

    result = runner.invoke(cli, ["--config", str(config.path), "reextract"])

    assert result.exit_code == 0, result.output
    with sqlite3.connect(config.database) as conn:
        assert conn.execute("SELECT count(*) FROM report_stats").fetchone()[0] == before > 50
        assert (
            conn.execute("SELECT count(*) FROM report_versions WHERE text IS NULL").fetchone()[0]
            == 0
        )
    assert f"{before} statistics cells" in result.output


def test_reextract_in_worker_processes_stores_exactly_what_one_process_does(
    serve_site, tmp_path, monkeypatch
):
    """A large archive is read by several processes; the stored data must not depend on it."""
    from archive import extract_workers, extraction
    from archive.db import open_db
    from sitefixtures.run_demo import HERE

    server = serve_site(HERE / "gzhg")
    config = write_config(
        tmp_path,
        [{"id": "gzhg", "agency": "广州海关",
          "start_urls": [server.url + "/guangzhou_customs/381558/381575/"]}],
    )  # fmt: skip
    assert CliRunner().invoke(cli, ["--config", str(config.path), "once"]).exit_code == 0
    db = open_db(config.database)
    query = (
        "SELECT s.report_id, s.version, s.indicator, s.column_label, s.value, v.text, c.name, "
        "c.passed FROM report_stats s JOIN report_versions v "
        "ON v.report_id = s.report_id AND v.sha256 = s.version "
        "LEFT JOIN stats_checks c ON c.report_id = s.report_id AND c.version = s.version "
        "ORDER BY s.id, c.name"
    )
    extraction.reextract(db)
    one_process = db.execute(query).fetchall()

    monkeypatch.setattr(extract_workers, "MIN_VERSIONS", 1)
    monkeypatch.setattr(extract_workers, "BATCH", 2)
    monkeypatch.setenv(extract_workers.WORKERS_ENV, "2")
    db.execute("DELETE FROM report_stats")
    db.execute("UPDATE report_versions SET text = NULL")
    db.conn.commit()
    versions = extraction.reextract(db)

    assert versions > 2, "more versions than a batch: several tasks, answered in order"
    assert db.execute(query).fetchall() == one_process and len(one_process) > 50
