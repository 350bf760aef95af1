"""Blobs compressed with a dictionary trained on the archive's own pages, on real SQLite files.

The dictionary is an optimisation that must never cost a byte of proof: every blob reads back
bit for bit, `verify` notices a damaged or missing dictionary, archives written before
dictionaries keep working, and two writers training at once leave one consistent archive.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner
from sqlite_utils import Database

from archive import blobs
from archive.db import open_db
from archive.migrations import migrations
from bench.synth import Spec, Web
from gongkai.cli import cli
from tests.helpers import write_config

PHRASES = (
    "本机关认真贯彻落实《中华人民共和国政府信息公开条例》", "主动公开政府信息", "依申请公开",
    "行政复议", "行政诉讼", "政府信息公开工作年度报告", "统计数据", "年度工作要点", "公开平台建设",
    "收到申请", "予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "人员和经费",
)  # fmt: skip
TEMPLATE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
    "<link rel='stylesheet' href='/css/common.css'><style>.nav a{{color:#1a4d8f}}"
    ".content p{{text-indent:2em;line-height:1.8}}</style></head><body>"
    "<div class='nav'><a href='/'>首页</a><a href='/xxgk/'>政府信息公开</a>"
    "<a href='/xxgk/ndbg/'>政府信息公开年报</a></div><div class='content'><h1>{title}</h1>"
    "{body}</div><div class='footer'>主办单位：江州市人民政府办公室 网站标识码3300000000</div>"
    "</body></html>"
)


def page(i: int) -> bytes:
    """A distinct report page: the site's template around text drawn for this page."""
    rng = random.Random(i)
    body = "".join(
        f"<p>{rng.choice(PHRASES)}{rng.randint(0, 9999)}件，{rng.choice(PHRASES)}。</p>"
        for _ in range(60)
    )
    title = f"江州市第{i}局{2008 + i % 17}年政府信息公开工作年度报告"
    return TEMPLATE.format(title=title, body=body).encode()


def fill(db: Database, pages: range) -> dict[str, bytes]:
    """Put pages one by one, outside any transaction, as a script or the cycle process would."""
    return {blobs.put(db, page(i)): page(i) for i in pages}


def encodings(db: Database) -> dict[tuple[str, int | None], int]:
    rows = db.execute("SELECT encoding, dictionary_id, count(*) FROM blobs GROUP BY 1, 2")
    return {(encoding, dictionary_id): count for encoding, dictionary_id, count in rows}


def dictionaries(db: Database) -> list[tuple[int, int]]:
    return db.execute("SELECT id, archive_blobs FROM blob_dictionaries ORDER BY id").fetchall()


def trained_archive(tmp_path: Path) -> tuple[Database, dict[str, bytes]]:
    db = open_db(tmp_path / "archive.db")
    stored = fill(db, range(blobs.MIN_SAMPLES + blobs.CHECK_EVERY + 50))
    assert dictionaries(db), "no dictionary was trained"
    return db, stored


def dict_blob(db: Database) -> tuple[str, bytes]:
    return db.execute(
        "SELECT sha256, content FROM blobs WHERE encoding = 'zstd-dict' LIMIT 1"
    ).fetchone()


def tamper(database: Path, sql: str, params: list) -> None:
    """Change the file behind the archive's back, as a disk or a hand with sqlite3 would."""
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(sql, params)


# ---------------------------------------------------------------------------- training


def test_no_dictionary_until_the_archive_holds_enough_pages(tmp_path):
    db = open_db(tmp_path / "archive.db")
    fill(db, range(blobs.MIN_SAMPLES - 1))

    assert dictionaries(db) == []
    assert encodings(db) == {("zstd", None): blobs.MIN_SAMPLES - 1}


def test_training_happens_at_the_threshold_and_later_blobs_use_the_dictionary(tmp_path):
    db = open_db(tmp_path / "archive.db")
    fill(db, range(blobs.MIN_SAMPLES + blobs.CHECK_EVERY))  # the threshold, and one look more

    [(dictionary_id, archive_blobs)] = dictionaries(db)
    assert archive_blobs >= blobs.MIN_SAMPLES
    before = encodings(db)
    later = fill(db, range(10_000, 10_050))

    rows = db.execute(
        f"SELECT encoding, dictionary_id, size, length(content) FROM blobs "
        f"WHERE sha256 IN ({', '.join('?' * len(later))})",
        list(later),
    ).fetchall()
    assert {(r[0], r[1]) for r in rows} == {("zstd-dict", dictionary_id)}
    plain = sum(len(zstandard.ZstdCompressor(level=3).compress(p)) for p in later.values())
    assert sum(r[3] for r in rows) < plain / 2  # the template is in the dictionary, not the blob
    assert before[("zstd", None)] >= blobs.MIN_SAMPLES  # what came before stays as it was


def test_a_writer_in_a_transaction_trains_after_its_commit(tmp_path):
    db = open_db(tmp_path / "archive.db")
    with db.atomic():
        for i in range(blobs.MIN_SAMPLES + 10):
            blobs.put(db, page(i))
        assert blobs.train_if_due(db) is None  # a dictionary is never written inside a batch
    assert dictionaries(db) == []

    trained = blobs.train_if_due(db)  # what the crawler's writer does after each commit

    assert trained is not None and trained.samples == blobs.MIN_SAMPLES + 10
    assert dictionaries(db) == [(1, blobs.MIN_SAMPLES + 10)]
    blobs.put(db, page(99_999))
    assert encodings(db)[("zstd-dict", 1)] == 1


def test_a_dictionary_is_trained_again_when_the_archive_has_grown_tenfold(tmp_path):
    db = open_db(tmp_path / "archive.db")
    with db.atomic():
        fill(db, range(blobs.MIN_SAMPLES))
    blobs.train_if_due(db)
    first_at = dictionaries(db)[0][1]
    with db.atomic():
        fill(db, range(1_000, 1_000 + blobs.RETRAIN_GROWTH * first_at - first_at - 1))
    assert blobs.train_if_due(db) is None  # one blob short of ten times

    blobs.put(db, page(99_999))  # outside a transaction: put trains itself

    assert [d for d, _ in dictionaries(db)] == [1, 2]
    assert dictionaries(db)[1][1] == blobs.RETRAIN_GROWTH * first_at
    blobs.put(db, page(99_998))
    assert encodings(db)[("zstd-dict", 2)] == 1
    assert list(blobs.verify(db)) == []


def test_binary_blobs_are_not_samples_and_stay_as_small_as_without_a_dictionary(tmp_path):
    db, _stored = trained_archive(tmp_path)
    pdf = b"%PDF-1.7\n" + random.Random(3).randbytes(5_000) + b"\n%%EOF\n"

    key = blobs.put(db, pdf)

    encoding, content = db.execute(
        "SELECT encoding, content FROM blobs WHERE sha256 = ?", [key]
    ).fetchone()
    assert encoding in ("zstd", "raw")  # exactly what it was before dictionaries
    assert len(content) <= min(len(pdf), len(zstandard.ZstdCompressor(level=3).compress(pdf)))
    assert blobs.get(db, key) == pdf
    assert not blobs._is_text(pdf)


# ---------------------------------------------------------------------------- reading


def test_every_blob_reads_back_bit_for_bit(tmp_path):
    db, stored = trained_archive(tmp_path)
    odd = {
        "empty": b"",
        "tiny": b"<p>",
        "binary": bytes(range(256)) * 40,
        "gbk": "广州海关2015年政府信息公开工作年度报告".encode("gb18030") * 30,
    }
    stored.update({blobs.put(db, data): data for data in odd.values()})
    db.close()

    reopened = open_db(tmp_path / "archive.db")  # a fresh process's view: nothing cached
    assert encodings(reopened)[("zstd-dict", 1)] > 0
    for key, data in stored.items():
        assert blobs.get(reopened, key) == data
    assert list(blobs.verify(reopened)) == []


def test_an_archive_of_plain_zstd_blobs_keeps_reading_them(tmp_path):
    path = tmp_path / "archive.db"
    old = Database(path)
    migrations.apply(old, stop_before="0008_blob_dictionaries")  # as built before dictionaries
    pages = {blobs.sha256_of(page(i)): page(i) for i in range(blobs.MIN_SAMPLES + 5)}
    compressor = zstandard.ZstdCompressor(level=3)
    old["blobs"].insert_all(
        {"sha256": key, "size": len(data), "encoding": "zstd", "content": compressor.compress(data),
         "stored_at": "2025-01-01T00:00:00+00:00"}
        for key, data in pages.items()
    )  # fmt: skip
    old["blobs"].insert(
        {"sha256": blobs.sha256_of(b"ok"), "size": 2, "encoding": "raw", "content": b"ok",
         "stored_at": "2025-01-01T00:00:00+00:00"}
    )  # fmt: skip
    old.close()

    db = open_db(path)  # migrates to dictionaries
    assert all(blobs.get(db, key) == data for key, data in pages.items())
    assert blobs.get(db, blobs.sha256_of(b"ok")) == b"ok"
    fill(db, range(1_000, 1_000 + blobs.CHECK_EVERY + 1))  # enough old pages: it trains on them

    assert dictionaries(db)
    counts = encodings(db)
    assert counts[("zstd", None)] >= len(pages) and counts[("raw", None)] == 1
    assert all(blobs.get(db, key) == data for key, data in pages.items())
    assert list(blobs.verify(db)) == []


# ----------------------------------------------------------------------------- verify


def test_verify_names_a_damaged_dictionary_blob(tmp_path):
    db, _stored = trained_archive(tmp_path)
    key, content = dict_blob(db)
    damaged = content[:-20] + bytes(b ^ 0x55 for b in content[-20:])
    tamper(tmp_path / "archive.db", "UPDATE blobs SET content = ? WHERE sha256 = ?", [damaged, key])

    problems = [str(p) for p in blobs.verify(db)]

    assert problems and all(p.startswith(f"blob {key}: ") for p in problems), problems


def test_a_digest_handed_to_put_is_trusted_and_verify_still_hashes_the_bytes(tmp_path):
    """The crawl hashes each body once, on its event loop, and hands the digest to the writer;
    `put` stores the blob under it as given, so `verify` is what would catch a wrong one."""
    db = open_db(tmp_path / "archive.db")
    right = blobs.put(db, page(1), digest=blobs.sha256_of(page(1)))
    wrong = blobs.put(db, page(2), digest=blobs.sha256_of(page(3)))

    assert blobs.get(db, right) == page(1) and blobs.get(db, wrong) == page(2)
    problems = [str(p) for p in blobs.verify(db)]
    assert len(problems) == 1 and problems[0].startswith(f"blob {wrong}: "), problems


def test_verify_names_a_blob_whose_dictionary_is_missing(tmp_path):
    db, _stored = trained_archive(tmp_path)
    key, _content = dict_blob(db)
    tamper(tmp_path / "archive.db", "UPDATE blobs SET dictionary_id = 7 WHERE sha256 = ?", [key])

    assert [str(p) for p in blobs.verify(db)] == [f"blob {key}: refers to missing dictionary 7"]
    with pytest.raises(LookupError, match="dictionary 7 is missing"):
        blobs.get(open_db(tmp_path / "archive.db"), key)


def test_verify_names_a_damaged_dictionary_and_the_blobs_it_cannot_decode(tmp_path):
    db, _stored = trained_archive(tmp_path)
    content = db.execute("SELECT content FROM blob_dictionaries WHERE id = 1").fetchone()[0]
    middle = len(content) // 2
    damaged = content[:middle] + bytes(b ^ 0xFF for b in content[middle : middle + 4096])
    damaged += content[middle + 4096 :]
    tamper(tmp_path / "archive.db", "UPDATE blob_dictionaries SET content = ?", [damaged])

    problems = [str(p) for p in blobs.verify(db)]

    assert problems[0].startswith("blob_dictionaries id=1: bytes hash to ")
    assert len(problems) > 1  # and the blobs that no longer hash to their keys


def test_the_verify_command_fails_on_a_missing_dictionary(tmp_path):
    config = write_config(
        tmp_path,
        [{"id": "x", "agency": "江州市人民政府办公室", "start_urls": ["http://127.0.0.1:9/"]}],
    )
    db = open_db(config.database)
    fill(db, range(blobs.MIN_SAMPLES + blobs.CHECK_EVERY + 1))
    key, _content = dict_blob(db)
    db.close()
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config.path), "verify"]).exit_code == 0

    tamper(config.database, "UPDATE blobs SET dictionary_id = 9 WHERE sha256 = ?", [key])
    result = runner.invoke(cli, ["--config", str(config.path), "verify"])

    assert result.exit_code == 1
    assert f"blob {key}: refers to missing dictionary 9" in result.output


def test_sqlite_refuses_a_blob_that_names_a_missing_dictionary(tmp_path):
    db = open_db(tmp_path / "archive.db")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO blobs (sha256, size, encoding, dictionary_id, content, stored_at) "
            "VALUES ('x', 1, 'zstd-dict', 5, x'00', '2026-01-01T00:00:00+00:00')"
        )


# --------------------------------------------------------------------------- two writers


def test_a_second_writer_adopts_the_first_ones_dictionary_instead_of_training_its_own(tmp_path):
    path = tmp_path / "archive.db"
    crawl, parent = open_db(path), open_db(path)  # the crawl child and the cycle process
    with crawl.atomic():
        fill(crawl, range(blobs.MIN_SAMPLES + 1))
    with parent.atomic():
        blobs.put(parent, page(50_000))  # its first look: training is due, nothing trained yet

    assert blobs.train(crawl) is not None
    assert blobs.train_if_due(parent) is None  # it re-checks under the write lock: #1 is there

    assert dictionaries(parent) == [(1, blobs.MIN_SAMPLES + 2)]
    blobs.put(parent, page(50_001))
    assert encodings(parent)[("zstd-dict", 1)] == 1


def test_two_writers_training_at_once_leave_one_dictionary(tmp_path):
    path = tmp_path / "archive.db"
    with open_db(path).atomic() as db:
        fill(db, range(blobs.MIN_SAMPLES + 20))
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def writer(name: str, offset: int) -> None:
        db = open_db(path)  # a connection of its own, as a second process has
        start.wait()
        results[name] = blobs.train(db)
        results[name + " stored"] = fill(db, range(offset, offset + blobs.CHECK_EVERY + 5))

    offsets = {"a": 20_000, "b": 30_000}
    threads = [threading.Thread(target=writer, args=item) for item in offsets.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    db = open_db(path)
    assert [results["a"] is None, results["b"] is None].count(False) == 1  # one of them trained
    assert [d for d, _ in dictionaries(db)] == [1]
    assert set(encodings(db)) == {("zstd", None), ("zstd-dict", 1)}
    for name in ("a stored", "b stored"):
        for key, data in results[name].items():  # type: ignore[union-attr]
            assert blobs.get(db, key) == data
    assert list(blobs.verify(db)) == []


# ------------------------------------------------------------------------- a real crawl


def test_a_crawl_trains_a_dictionary_and_archives_the_rest_with_it(serve_site, tmp_path):
    """The crawler writes in batches on its own thread: training must follow a commit there."""
    from gongkai import (
        cycle,
    )  # a real cycle: Scrapy in a child process, the pipeline's writer thread

    web = Web.build(Spec(sources=1, pages=5, entries=90, report_kb=8))
    site = tmp_path / "site"
    for (_host, path), resource in web.render().items():
        target = site / path.lstrip("/")
        target = target / "index.html" if path.endswith("/") else target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(resource.body)
    server = serve_site(site)
    config = write_config(
        tmp_path,
        [{"id": "jz", "agency": web.sites[0].agency, "start_urls": [server.url + "/xxgk/ndbg/"]}],
        crawl={"concurrency": 8, "per_host": 8},
    )

    cycle.run(config)

    db = open_db(config.database)
    counts = encodings(db)
    assert dictionaries(db) and counts.get(("zstd-dict", 1), 0) > 0, counts
    assert list(blobs.verify(db)) == []
