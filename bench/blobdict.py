"""How much a zstd dictionary trained on the archive's own pages saves, and what it costs.

Two corpora: the benchmark's synthetic web (bench/synth.py), and the repository's saved report
pages (tests/fixtures, tests/sites, sitefixtures/demo), which come from a dozen real CMS
idioms. On the synthetic web the dictionary is trained on the first sources' pages and
measured on other sources' pages; on the saved pages it is measured leave-one-site-out (each
site's pages compressed with a dictionary trained on the other sites), so no page is
compressed with a dictionary that has seen it. Then the synthetic pages go through
`archive.blobs.put` into a real archive, in batches as the crawler writes them, to measure what
the archive stores.

Example:

    .venv/bin/python -m bench.blobdict --sources 20
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import zstandard
from sqlite_utils import Database

from archive import blobs
from archive.db import open_db
from bench.synth import Spec, Web

ROOT = Path(__file__).resolve().parent.parent
SAVED = ("tests/fixtures", "tests/sites", "sitefixtures/demo")
TEXT = {".html", ".htm", ".shtml", ".json", ".xml", ".txt"}
SIZES_KB = (64, 112, 256)


def synthetic_pages(sources: int) -> list[list[bytes]]:
    """Each source's list and report pages (robots.txt left out), in source order."""
    web = Web.build(Spec(sources=sources))
    by_host: dict[str, list[bytes]] = {}
    for (host, path), resource in web.render().items():
        if resource.kind != "robots" and not path.endswith("/ndbg/"):  # "/ndbg/" = index.html
            by_host.setdefault(host, []).append(resource.body)
    return [by_host[host] for host in sorted(by_host, key=lambda h: tuple(map(int, h.split("."))))]


def saved_pages() -> dict[str, list[bytes]]:
    """The repository's saved pages by site: tests/sites/<case>, tests/fixtures/pages/<family> …"""
    sites: dict[str, list[bytes]] = {}
    for root in SAVED:
        for path in sorted((ROOT / root).rglob("*")):
            if path.is_file() and path.suffix in TEXT and path.name != "expected.json":
                site = "/".join(path.relative_to(ROOT).parts[:3])
                sites.setdefault(site, []).append(path.read_bytes())
    return sites


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[object, float]:
    """`fn()` and its best time of `repeat` runs (the machine may be busy with other work)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return result, best


def ratio(stored: int, raw: int) -> str:
    return f"{stored / raw:6.3f} of raw ({raw / stored:5.2f}×)"


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def codec_row(label: str, pages: list[bytes], compress: Callable[[bytes], bytes]) -> str:
    raw = sum(map(len, pages))
    packed, seconds = timed(lambda: [compress(p) for p in pages], repeat=3)
    stored = sum(map(len, packed))  # type: ignore[arg-type]
    return f"  {label:<36} {ratio(stored, raw)}, compress {raw / seconds / 1e6:4.0f} MB/s"


def train(samples: list[bytes], kb: int) -> tuple[zstandard.ZstdCompressionDict, float]:
    trained, seconds = timed(
        lambda: zstandard.train_dictionary(kb * 1024, samples, k=1024, d=8, level=blobs.LEVEL)
    )
    trained.precompute_compress(level=blobs.LEVEL)  # type: ignore[union-attr]
    return trained, seconds  # type: ignore[return-value]


def dict_codec(trained: zstandard.ZstdCompressionDict) -> Callable[[bytes], bytes]:
    return zstandard.ZstdCompressor(level=blobs.LEVEL, dict_data=trained).compress


def plain_codec() -> Callable[[bytes], bytes]:
    return zstandard.ZstdCompressor(level=blobs.LEVEL).compress


def synthetic_codecs(per_source: list[list[bytes]]) -> None:
    half = len(per_source) // 2
    first = [p for pages in per_source[:half] for p in pages]
    random.Random(1).shuffle(first)
    later = [p for pages in per_source[half:] for p in pages]
    print(f"synthetic: {len(later)} pages of the later sources, {mb(len(b''.join(later)))}")
    print(codec_row("zstd-3, no dictionary", later, plain_codec()))
    for count in (200, 1000):
        for kb in SIZES_KB:
            trained, seconds = train(first[:count], kb)
            label = f"dict {kb} KB on {min(count, len(first))} pages ({seconds:.2f} s)"
            print(codec_row(label, later, dict_codec(trained)))
    trained, _ = train(first[:200], 112)
    packed = [dict_codec(trained)(p) for p in later]
    decompressor = zstandard.ZstdDecompressor(dict_data=trained)
    _, seconds = timed(lambda: [decompressor.decompress(p) for p in packed], repeat=3)
    speed = sum(map(len, later)) / seconds / 1e6
    print(f"  decompress with the 112 KB dictionary: {speed:.0f} MB/s")


def saved_codecs(sites: dict[str, list[bytes]]) -> None:
    pages = [p for group in sites.values() for p in group]
    print(f"saved pages: {len(pages)} files from {len(sites)} sites, {mb(len(b''.join(pages)))}")
    print(codec_row("zstd-3, no dictionary", pages, plain_codec()))
    plain = plain_codec()
    for kb in SIZES_KB:
        stored = raw = 0
        seconds = 0.0
        for site, own in sites.items():
            others = [p for name, group in sites.items() if name != site for p in group]
            trained, took = train(others, kb)
            seconds += took
            compress = dict_codec(trained)
            stored += sum(min(len(compress(p)), len(plain(p))) for p in own)
            raw += sum(map(len, own))
        label = f"dict {kb} KB, leave-one-site-out"
        print(f"  {label:<36} {ratio(stored, raw)}, training {seconds / len(sites):.2f} s")


def archive_run(per_source: list[list[bytes]], dictionaries: bool, batch: int = 200) -> None:
    """The pages through blobs.put, batched and committed as the crawler's writer does; without
    dictionaries, as the archive stored them before (the threshold set out of reach)."""
    order = [p for group in zip(*per_source, strict=False) for p in group]  # sources crawl at once
    threshold = blobs.MIN_SAMPLES
    blobs.MIN_SAMPLES = threshold if dictionaries else 10**12
    try:
        with tempfile.TemporaryDirectory() as folder:
            db = open_db(Path(folder) / "archive.db")
            (rows, trainings), seconds = timed(lambda: _store(db, order, batch))  # type: ignore[misc]
            db.close()
    finally:
        blobs.MIN_SAMPLES = threshold
    raw = sum(r[2] for r in rows)
    stored = sum(r[3] for r in rows)
    label = "with dictionaries" if dictionaries else "without dictionaries"
    print(f"archive, {label}: {len(order)} pages through blobs.put and SQLite")
    storing = seconds - sum(t.seconds for t in trainings)
    per_page = storing / len(order) * 1e3
    print(f"  {raw / storing / 1e6:.0f} MB/s, {per_page:.2f} ms per page (training aside)")
    for encoding, count, size, length in rows:
        print(f"  {encoding:<10} {count:5} blobs, {ratio(length, size)}")
    print(f"  all blobs  {ratio(stored, raw)}")
    for t in trainings:
        print(
            f"  dictionary {t.dictionary.id}: {t.samples} samples ({mb(t.sample_bytes)}) "
            f"read and trained in {t.seconds:.2f} s"
        )


def _store(db: Database, order: list[bytes], batch: int) -> tuple[list, list[blobs.Trained]]:
    trainings = []
    for start in range(0, len(order), batch):
        with db.atomic():
            for page in order[start : start + batch]:
                blobs.put(db, page)
        trained = blobs.train_if_due(db)
        if trained:
            trainings.append(trained)
    rows = db.execute(
        "SELECT encoding, count(*), sum(size), sum(length(content)) FROM blobs GROUP BY 1"
    ).fetchall()
    return rows, trainings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=20, help="synthetic sources (default 20)")
    args = parser.parse_args(argv)
    per_source = synthetic_pages(args.sources)
    synthetic_codecs(per_source)
    saved_codecs(saved_pages())
    archive_run(per_source, dictionaries=False)
    archive_run(per_source, dictionaries=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
