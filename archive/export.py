"""Export archived exchanges for the web-archiving world: WARC 1.1 (`.warc.gz`) or WACZ 1.1.1.

Each exchange becomes a `request` and a `response` record with the headers kept for it
(archive/exchanges.py), written by warcio; a WACZ is then packed by the `wacz` package (CDXJ
index by cdxj-indexer, `pages/pages.jsonl`, `datapackage.json` with every file's SHA-256).
Nothing here writes the formats by hand.

The payload of a response record is the body exactly as stored — after the crawler undid any
Content-Encoding or chunking — so that its `WARC-Payload-Digest` is `sha256:` followed by the
blob key itself (hex: warcio and pywb read base16 as well as base32, so the tools verify it and
a reader can look the key up in `blobs` as is). The header lines that describe an encoding no
longer present (`Content-Encoding`, `Transfer-Encoding`, a `Content-Length` that counted the
encoded bytes) are kept under `X-Gongkai-Orig-<name>`, so a replay tool does not try to undo
them a second time. `Gongkai-Fetch-Id` names the `fetches` row each record comes from.

A 304 is a `revisit` record (profile server-not-modified) that points at the body it
confirmed, with the 304's own head in a `metadata` record beside it; a body already written is
a `revisit` (identical-payload-digest) too, so an export never repeats bytes. A 304 whose body
was archived before `--since` brings that earlier exchange along, so the export stays
replayable on its own.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlite_utils import Database
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archive import blobs, evidence, exchanges
from archive.evidence import Exchange

NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
ENCODING_HEADERS = ("content-encoding", "transfer-encoding")
ORIG = "X-Gongkai-Orig-"
PROGRESS_EVERY = 500


class ExportError(ValueError):
    """The export cannot be written as asked; one line saying why."""


@dataclass
class Summary:
    path: Path
    exchanges: int = 0
    responses: int = 0
    revisits: int = 0
    partial: int = 0
    pages: int = 0
    payload_bytes: int = 0
    skipped: int = 0  # failed fetches: nothing was exchanged to export
    pulled_in: int = 0  # earlier exchanges whose body a 304 in range confirmed


class _Writer(WARCWriter):
    """warcio's writer with SHA-256 block digests (its default is SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass
class _State:
    writer: _Writer
    db: Database
    summary: Summary
    written: dict[str, tuple[str, str]] = field(default_factory=dict)  # sha256 → (uri, date)
    pages: list[dict] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)


def warc_date(fetched_at: str) -> str:
    return fetched_at.replace("+00:00", "Z")


def payload_digest(sha256: str) -> str:
    return f"sha256:{sha256}"


def http_head(ex: Exchange, body_length: int | None) -> tuple[StatusAndHeaders, bool]:
    """The response head to export (as received, encodings renamed) and whether it is the
    head as received (True) or rebuilt from what an older fetch row kept (False)."""
    complete = ex.response_head is not None
    head = exchanges.parse(ex.response_head or evidence.known_response_head(ex))
    headers: list[tuple[str, str]] = []
    for name, value in head.headers:
        lowered = name.lower()
        if lowered in ENCODING_HEADERS and value.strip().lower() != "identity":
            headers.append((ORIG + name, value))
        elif lowered == "content-length" and body_length is not None:
            if value.strip() != str(body_length):
                headers += [(ORIG + name, value), (name, str(body_length))]
            else:
                headers.append((name, value))
        else:
            headers.append((name, value))
    if body_length is not None and not complete:
        headers.append(("Content-Length", str(body_length)))
    protocol, _, status = head.first_line.partition(" ")
    return StatusAndHeaders(status, headers, protocol=protocol), complete


def request_head(ex: Exchange) -> StatusAndHeaders:
    block = ex.request_head or exchanges.request_head(
        ex.method or "GET", ex.target, exchanges.request_block(ex.target, [])
    )
    head = exchanges.parse(block)
    return StatusAndHeaders(head.first_line, head.headers, protocol="")


# The in-place confirmations with `fetches`' column names, for `_where`'s filters.
IN_PLACE = (
    "(SELECT -v.fetch_id AS id, v.status, f.source_id, v.verified_at AS fetched_at, f.kind, "
    "f.url FROM last_verified v JOIN fetches f ON f.id = v.fetch_id)"
)


def _warc_headers(ex: Exchange, complete: bool) -> dict[str, str]:
    headers = {"WARC-Date": warc_date(ex.fetched_at), "Gongkai-Fetch-Id": str(ex.id)}
    if ex.ip_address:
        headers["WARC-IP-Address"] = ex.ip_address
    if not complete:
        headers["Gongkai-Exchange"] = f"partial: {evidence.BEFORE_EXCHANGES}"
    return headers


def _write_request(state: _State, ex: Exchange, concurrent_to: str, complete: bool) -> None:
    body = blobs.get(state.db, ex.request_body) if ex.request_body else b""
    warc = _warc_headers(ex, complete)
    warc["WARC-Concurrent-To"] = concurrent_to
    record = state.writer.create_warc_record(
        ex.target,
        "request",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=request_head(ex),
        warc_headers_dict=warc,
    )
    state.writer.write_record(record)


def _write_exchange(state: _State, ex: Exchange) -> None:
    """A response (or revisit) record and its request record."""
    writer, summary = state.writer, state.summary
    complete = ex.response_head is not None
    if ex.status == 304 and ex.sha256:
        if ex.sha256 not in state.written:
            original = _original(state.db, ex)
            if original is not None:
                _write_exchange(state, original)
                summary.pulled_in += 1
        record = _revisit(state, ex, None, complete, NOT_MODIFIED)
        writer.write_record(record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        writer.write_record(_not_modified_head(state, ex, record_id, complete))
        _write_request(state, ex, record_id, complete)
        summary.exchanges += 1
        summary.partial += 0 if complete else 1
        return
    elif ex.sha256 and ex.sha256 in state.written:
        head, complete = http_head(ex, None)
        record = _revisit(state, ex, head, complete, IDENTICAL)
    else:
        body = blobs.get(state.db, ex.sha256) if ex.sha256 else b""
        head, complete = http_head(ex, len(body))
        warc = _warc_headers(ex, complete)
        if ex.sha256:
            warc["WARC-Payload-Digest"] = payload_digest(ex.sha256)
        record = writer.create_warc_record(
            ex.target,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=head,
            warc_headers_dict=warc,
        )
        summary.responses += 1
        summary.payload_bytes += len(body)
        if ex.sha256:
            state.written[ex.sha256] = (ex.target, warc["WARC-Date"])
            _maybe_page(state, ex, warc["WARC-Date"])
    writer.write_record(record)
    _write_request(state, ex, record.rec_headers.get_header("WARC-Record-ID"), complete)
    summary.exchanges += 1
    summary.partial += 0 if complete else 1


def not_modified_fields(ex: Exchange) -> bytes:
    """A 304's head as `application/warc-fields`: `Status-Line: HTTP/1.1 304 Not Modified`,
    then its header lines as received."""
    block = ex.response_head or evidence.known_response_head(ex)
    return b"Status-Line: " + block


def _not_modified_head(state: _State, ex: Exchange, revisit_id: str, complete: bool):
    """The 304's own head, kept beside its revisit record in a metadata record.

    The revisit itself carries no HTTP head, so replay tools (pywb) answer with the body it
    confirmed and that body's headers, as a browser would have shown the page that night; a
    304 head there would be replayed as an empty 304. warc-fields records are not indexed,
    so this one never competes with the page at replay.
    """
    fields = not_modified_fields(ex)
    warc = _warc_headers(ex, complete)
    warc["WARC-Refers-To"] = revisit_id
    warc["Content-Type"] = "application/warc-fields"
    return state.writer.create_warc_record(
        ex.target, "metadata", payload=io.BytesIO(fields), length=len(fields),
        warc_headers_dict=warc,
    )  # fmt: skip


def _revisit(
    state: _State, ex: Exchange, head: StatusAndHeaders | None, complete: bool, profile: str
):
    state.summary.revisits += 1
    uri, when = state.written.get(ex.sha256, (ex.target, ""))
    warc = _warc_headers(ex, complete)
    warc.update(
        {
            "WARC-Profile": profile,
            "WARC-Refers-To-Target-URI": uri,
            "WARC-Refers-To-Date": when,
            "WARC-Payload-Digest": payload_digest(ex.sha256),
        }
    )
    if not when:
        del warc["WARC-Refers-To-Date"]
    return state.writer.create_warc_record(
        ex.target, "revisit", http_headers=head, warc_headers_dict=warc
    )


def _original(db: Database, ex: Exchange) -> Exchange | None:
    """The exchange that brought the body a 304 confirmed (same URL first)."""
    found = evidence.exchanges_where(
        db,
        "sha256 = ? AND status BETWEEN 200 AND 299 AND fetched_at <= ? "
        "ORDER BY (url = ?) DESC, fetched_at DESC LIMIT 1",
        [ex.sha256, ex.fetched_at, ex.url],
    )
    return found[0] if found else None


def _maybe_page(state: _State, ex: Exchange, when: str) -> None:
    title = state.titles.get(ex.url) or state.titles.get(ex.target)
    if ex.kind == "report" and title and ex.status == 200:
        state.pages.append({"url": ex.target, "ts": when, "title": title})


def _where(
    source: str | None, since: date | None, until: date | None, reports_only: bool
) -> tuple[str, list]:
    clauses = ["status IS NOT NULL"]
    params: list = []
    if source:
        clauses.append("source_id = ?")
        params.append(source)
    if since:
        clauses.append("fetched_at >= ?")
        params.append(since.isoformat())
    if until:
        clauses.append("fetched_at < ?")
        params.append((until + timedelta(days=1)).isoformat())
    if reports_only:
        clauses.append(
            "(kind IN ('report', 'attachment') OR (kind = 'list' AND url IN "
            "(SELECT list_url FROM sightings WHERE list_url IS NOT NULL "
            "UNION SELECT list_url FROM reports WHERE list_url IS NOT NULL)))"
        )
    return " AND ".join(clauses), params


def export(
    db: Database,
    path: Path,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    reports_only: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> Summary:
    """Write the selected exchanges to `path` (`.warc.gz` or `.wacz`); return what was written."""
    path = Path(path)
    name = path.name.lower()
    if not (name.endswith(".wacz") or name.endswith(".warc.gz")):
        raise ExportError(f"{path}: the file name must end in .wacz or .warc.gz")
    where, params = _where(source, since, until, reports_only)
    ids = [i for (i,) in db.execute(f"SELECT id FROM fetches WHERE {where} ORDER BY id", params)]
    # each logged exchange's latest confirmation in place (archive/verified.py), after the log
    ids += [
        i
        for (i,) in db.execute(f"SELECT id FROM {IN_PLACE} WHERE {where} ORDER BY id DESC", params)
    ]
    failed = where.replace("status IS NOT NULL", "status IS NULL")
    skipped = db.execute(f"SELECT count(*) FROM fetches WHERE {failed}", params).fetchone()[0]
    if not ids:
        raise ExportError("no archived exchange matches (check --source, --since, --until)")
    summary = Summary(path=path, skipped=skipped)
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith(".warc.gz"):
        with open(path, "wb") as out:
            _write_warc(db, out, ids, summary, progress)
        return summary
    with tempfile.TemporaryDirectory(prefix="gongkai-export-") as tmp:
        warc = Path(tmp) / (path.name[: -len(".wacz")] + ".warc.gz")
        with open(warc, "wb") as out:
            pages = _write_warc(db, out, ids, summary, progress)
        pages_file = Path(tmp) / "pages.jsonl"
        _write_pages(pages_file, pages)
        progress(f"packing {path.name}: CDXJ index, pages, datapackage")
        _pack(warc, pages_file, path, summary)
    return summary


def _write_warc(
    db: Database, out: BinaryIO, ids: list[int], summary: Summary, progress: Callable[[str], None]
) -> list[dict]:
    writer = _Writer(out, gzip=True, warc_version="1.1")
    state = _State(writer=writer, db=db, summary=summary)
    state.titles = {url: title for url, title in db.execute("SELECT url, title FROM reports")}
    writer.write_record(
        writer.create_warcinfo_record(
            summary.path.name,
            {"software": "Gongkai (scheduler.py export)", "format": "WARC File Format 1.1"},
        )
    )
    for done, fetch_id in enumerate(ids, start=1):
        ex = evidence.exchange_by_id(db, fetch_id)
        _write_exchange(state, ex)
        if done % PROGRESS_EVERY == 0 or done == len(ids):
            progress(
                f"… {done}/{len(ids)} exchanges, {summary.payload_bytes / 1e6:.1f} MB of bodies"
            )
    summary.pages = len(state.pages)
    return state.pages


def _write_pages(path: Path, pages: list[dict]) -> None:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Reports"}, *pages]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), "utf-8")


def _pack(warc: Path, pages: Path, out: Path, summary: Summary) -> None:
    """Pack with the `wacz` package (it indexes with cdxj-indexer and hashes every file)."""
    from wacz.main import main as wacz_main

    args = ["create", "-f", str(warc), "-o", str(out), "-p", str(pages), "--copy-pages"]
    args += ["--hash-type", "sha256", "--title", f"Gongkai export: {summary.exchanges} exchanges"]
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        code = wacz_main(args)
    if code not in (0, None):
        sys.stderr.write(chatter.getvalue())
        raise ExportError(f"{out}: wacz could not pack the export (exit {code})")
