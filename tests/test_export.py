"""`export` and `verify --export`: a crawled fixture site handed over as WARC / WACZ, checked by
the web-archiving world's own tools (wacz validate, warcio, pywb replay)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive import blobs, evidence
from archive.db import open_db
from gongkai import cycle
from gongkai.cli import cli
from tests.evidence_site import evidence_column

ROOT = Path(__file__).parent.parent
PYWB = ROOT / ".venv-pywb" / "bin"
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def two_nights(serve_site, tmp_path):
    """Two cycles a second apart (the archive's clock has one-second steps): the second
    night's report pages answer 304 and its list page the same bytes again."""
    _site, server, config = evidence_column(serve_site, tmp_path)
    assert cycle.run(config).status == "completed"
    time.sleep(1.1)
    assert cycle.run(config).status == "completed"
    return server, config


def run(config, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config.path), *args])


def records(path: Path) -> list:
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            payload = record.raw_stream.read()
            out.append((record, payload))
    return out


def test_warc_records_keep_headers_digests_and_revisits(serve_site, tmp_path):
    _server, config = two_nights(serve_site, tmp_path)
    warc = tmp_path / "out.warc.gz"
    result = run(config, "export", str(warc))
    assert result.exit_code == 0, result.output
    db = open_db(config.database)
    reports = {url for (url,) in db.execute("SELECT url FROM reports")}

    responses = [(r, p) for r, p in records(warc) if r.rec_type == "response"]
    revisits = [r for r, _ in records(warc) if r.rec_type == "revisit"]
    requests = [r for r, _ in records(warc) if r.rec_type == "request"]
    for record, payload in responses:
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        if record.http_headers.get_statuscode() == "200":
            assert digest == "sha256:" + blobs.sha256_of(payload)
            assert blobs.get(db, digest.removeprefix("sha256:")) == payload
        assert record.http_headers.get_header("X-Gov-Trace") == "42"
        assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    digests = [r.rec_headers.get_header("WARC-Payload-Digest") for r, _ in responses]
    assert len(digests) == len(set(digests))  # no body written twice

    not_modified = [r for r in revisits if r.rec_headers.get_header("WARC-Profile") == NOT_MODIFIED]
    assert {r.rec_headers.get_header("WARC-Target-URI") for r in not_modified} == reports
    for revisit in not_modified:
        assert revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") in reports
        assert revisit.rec_headers.get_header("WARC-Payload-Digest") in digests
    assert any(r.rec_headers.get_header("WARC-Profile") == IDENTICAL for r in revisits)
    heads = [p for r, p in records(warc) if r.rec_type == "metadata"]
    assert heads and all(h.startswith(b"Status-Line: HTTP/1.1 304 Not Modified\r\n") for h in heads)
    assert all(b"X-Gov-Trace: 42" in h for h in heads)
    assert all(r.http_headers.get_header("User-Agent").startswith("Gongkai/") for r in requests)
    assert len(requests) == len(responses) + len(revisits)


def test_wacz_validates_and_replays_in_pywb_byte_for_byte(serve_site, tmp_path):
    _server, config = two_nights(serve_site, tmp_path)
    wacz = tmp_path / "reports.wacz"
    result = run(config, "export", str(wacz), "--source", "djsj", "--reports-only")
    assert result.exit_code == 0, result.output
    assert "4 report pages" in result.output
    valid = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(wacz)], capture_output=True, text=True
    )
    assert valid.returncode == 0 and "Validation succeeded" in valid.stdout, valid.stdout

    if not (PYWB / "wayback").exists():
        pytest.skip("pywb is not installed in .venv-pywb (`make pywb` installs it)")
    db = open_db(config.database)
    captures = [  # the fetch log's, and the quiet night's 304s recorded in place
        (ex.url, ex.status, ex.fetched_at[:19].translate({ord(c): None for c in "-T:"}),
         ex.sha256, ex.fetched_at)
        for ex in evidence.exchanges_where(db, "url IN (SELECT url FROM reports) ORDER BY id", [])
    ]  # fmt: skip
    assert {status for _u, status, *_ in captures} == {200, 304}
    with pywb_serving(tmp_path / "pywb", wacz) as base:
        for url, status, stamp, sha256, fetched_at in captures:
            http_date = format_datetime(datetime.fromisoformat(fetched_at), usegmt=True)
            with urllib.request.urlopen(f"{base}/{stamp}id_/{url}") as answer:
                assert answer.status == 200, (url, status)
                assert answer.read() == blobs.get(db, sha256), (url, status)
                # the capture replayed is the one of that night: the 304's revisit included
                assert answer.headers["Memento-Datetime"] == http_date


class pywb_serving:
    """pywb's `wayback` on 127.0.0.1 with the WACZ loaded into collection `evid`."""

    def __init__(self, folder: Path, wacz: Path) -> None:
        self.folder, self.wacz = folder, wacz
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        self.folder.mkdir()
        for args in (["init", "evid"], ["add", "--unpack-wacz", "evid", str(self.wacz)]):
            subprocess.run([PYWB / "wb-manager", *args], cwd=self.folder, check=True,
                           capture_output=True)  # fmt: skip
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [PYWB / "wayback", "-b", "127.0.0.1", "-p", str(port)],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return f"http://127.0.0.1:{port}/evid"
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("pywb did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def test_verify_export_passes_then_names_a_tampered_record_and_a_changed_archive(
    serve_site, tmp_path
):
    _server, config = two_nights(serve_site, tmp_path)
    warc = tmp_path / "out.warc.gz"
    assert run(config, "export", str(warc)).exit_code == 0
    clean = run(config, "verify", "--export", str(warc))
    assert clean.exit_code == 0, clean.output
    assert "0 problems" in clean.output and "found unchanged in" in clean.output

    tampered = tmp_path / "tampered.warc.gz"
    with open(tampered, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        done = False
        for record, payload in records(warc):
            if record.rec_type == "response" and not done and b"2021" in payload:
                payload, done = payload.replace(b"2021", b"2022", 1), True
            record.rec_headers.remove_header("Content-Length")
            writer.write_record(
                writer.create_warc_record(
                    "",
                    record.rec_type,
                    payload=BytesIO(payload),
                    length=len(payload),
                    http_headers=record.http_headers,
                    warc_headers=record.rec_headers,
                )
            )
    dirty = run(config, "verify", "--export", str(tampered))
    assert dirty.exit_code == 1
    assert "payload hashes to" in dirty.output

    with db_of(config) as db:  # the archive's copy of one exchange's headers changes
        db.execute(
            "UPDATE header_blocks SET block = CAST(block || 'X-Added: 1' || char(13, 10) AS BLOB) "
            "WHERE id = "
            "(SELECT response_headers FROM fetches WHERE status = 200 LIMIT 1)"
        )
    changed = run(config, "verify", "--export", str(warc))
    assert changed.exit_code == 1
    assert "in the archive: headers" in changed.output


class db_of:
    def __init__(self, config) -> None:
        self.db = open_db(config.database)

    def __enter__(self):
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.conn.commit()
        self.db.close()


def test_fetches_from_before_0009_are_exported_with_what_is_known(serve_site, tmp_path):
    _server, config = two_nights(serve_site, tmp_path)
    with db_of(config) as db:  # as a row logged before the exchanges were kept whole
        db.execute("UPDATE fetches SET method = NULL, request_headers = NULL, "
                   "response_headers = NULL, ip_address = NULL WHERE id = 2")  # fmt: skip
        key = db.execute("SELECT sha256 FROM fetches WHERE id = 2").fetchone()[0]
    warc = tmp_path / "out.warc.gz"
    result = run(config, "export", str(warc))
    assert result.exit_code == 0, result.output
    assert "with only what was known" in result.output
    old = [r for r, _ in records(warc) if r.rec_headers.get_header("Gongkai-Fetch-Id") == "2"]
    assert old and all("partial" in r.rec_headers.get_header("Gongkai-Exchange") for r in old)
    response = next(r for r in old if r.rec_type == "response")
    assert response.rec_headers.get_header("WARC-Payload-Digest") == f"sha256:{key}"
    assert response.http_headers.get_header("Content-Type") == "text/html"
    assert run(config, "verify", "--export", str(warc)).exit_code == 0
    shown = run(config, "show", key, "--headers")
    assert "what is known" in shown.output and "request not kept" in shown.output


def test_export_says_in_one_line_when_nothing_matches(serve_site, tmp_path):
    _site, _server, config = evidence_column(serve_site, tmp_path)
    assert cycle.run(config).status == "completed"
    for args, words in [
        (["x.wacz", "--since", "2999-01-01"], "no archived exchange matches"),
        (["x.wacz", "--source", "nope"], "no source with id 'nope'"),
        (["x.zip"], "must end in .wacz or .warc.gz"),
    ]:
        result = run(config, "export", str(tmp_path / args[0]), *args[1:])
        assert result.exit_code == 1
        assert words in result.output and "Traceback" not in result.output


def test_verify_export_names_a_file_cut_short_or_not_warc(serve_site, tmp_path):
    _site, _server, config = evidence_column(serve_site, tmp_path)
    assert cycle.run(config).status == "completed"
    warc = tmp_path / "out.warc.gz"
    assert run(config, "export", str(warc)).exit_code == 0
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(warc.read_bytes()[: warc.stat().st_size * 2 // 3])
    result = run(config, "verify", "--export", str(cut))
    assert result.exit_code == 1
    assert "cut.warc.gz: cut short or damaged" in result.output
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"hello\n")
    result = run(config, "verify", "--export", str(junk))
    assert result.exit_code == 1
    assert "junk.warc.gz: not a readable export" in result.output
    assert "Traceback" not in result.output


def test_a_range_that_starts_after_a_body_brings_the_exchange_its_304_confirms(
    serve_site, tmp_path
):
    _server, config = two_nights(serve_site, tmp_path)
    with db_of(config) as db:  # the first night was the day before
        db.execute("UPDATE fetches SET fetched_at = '2026-01-01T02:30:00+00:00' WHERE cycle_id = 1")
        today = db.execute("SELECT substr(started_at, 1, 10) FROM cycles WHERE id = 2").fetchone()[
            0
        ]
    only_first = tmp_path / "first.warc.gz"
    assert run(config, "export", str(only_first), "--until", "2026-01-01").exit_code == 0
    dates = {r.rec_headers.get_header("WARC-Date") for r, _ in records(only_first)
             if r.rec_type != "warcinfo"}  # fmt: skip
    assert dates == {"2026-01-01T02:30:00Z"}

    later = tmp_path / "later.warc.gz"
    result = run(config, "export", str(later), "--since", today, "--reports-only")
    assert result.exit_code == 0, result.output
    assert "4 earlier exchanges brought along" in result.output
    responses = [r for r, _ in records(later) if r.rec_type == "response"]
    pulled = [r for r in responses if r.rec_headers.get_header("WARC-Date") < today]
    assert len(pulled) == 4  # each report's body, from the night before the range
    checked = run(config, "verify", "--export", str(later))
    assert checked.exit_code == 0, checked.output
