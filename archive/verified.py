"""Quiet nights: what only confirms the archive is recorded in place, not appended.

Most of a night's exchanges confirm what the archive already holds: a report answers 304, or
the same bytes again; a list page or robots.txt is unchanged. Appending a fetch row and a
sighting for each grew the archive by ~1.6 KB a request every night (docs/benchmarks.md), for
no new fact. So:

- an exchange whose outcome is the one its URL's latest logged exchange had — a 200 with the
  same body, or a 304 confirming that body, with no redirect, no note, a GET — updates that
  logged exchange's `last_verified` row (last cycle, time, status, how many times, the heads
  by reference) instead of adding a `fetches` row. Everything else (a new body, another
  status, a failure, a redirect, a challenge page) is logged in `fetches` as before: the fetch
  log keeps every exchange that told us something new.
- a sighting of a known report that only says "still there, unchanged" (listed, a 304, or the
  same body described the same way), at the report's own URL, while the report is active and
  has no failed check pending, updates the report's `last_seen` row instead of adding a
  `sightings` row. A 304 at the report's own URL is not written twice: its fetch's
  `last_verified` record already holds the cycle, the time and the status, and takes the two
  facts it lacks (`in_list`, `walk_complete`) instead of a `last_seen` row (the first such
  night wrote one per report, ~60 bytes with its index entry, migration 0020). Detection reads
  this cycle's records (view `unchanged_sightings`) beside its sightings (`sightings.of_cycle`),
  so it judges exactly the facts it judged before.

The validator lines of an in-place record's heads (If-None-Match, If-Modified-Since, ETag,
Last-Modified, Date) are taken out of the stored blocks and kept in its row, so that the heads of
every report of a server share one block instead of one each.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlite_utils import Database

from archive import blobs, exchanges

if TYPE_CHECKING:
    from archive.fetches import Fetch
    from archive.sightings import Sighting

_OK = (200, 304)
_UNCHANGED = ("not_modified", "listed", "fetched")  # sightings.HOWS that may say "the same"
_REQUEST_FIELDS = ("If-None-Match", "If-Modified-Since")
_RESPONSE_FIELDS = ("Date", "ETag", "Last-Modified")

_UPSERT_VERIFIED = """
INSERT INTO last_verified (fetch_id, cycle_id, verified_at, status, verifications, etag,
    last_modified, if_none_match, if_modified_since, request_headers, response_headers,
    response_date, ip_address, validators_in_front, in_list, walk_complete)
VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
ON CONFLICT (fetch_id) DO UPDATE SET cycle_id = excluded.cycle_id, in_list = NULL,
    walk_complete = NULL,
    verified_at = excluded.verified_at, status = excluded.status,
    verifications = last_verified.verifications + 1, etag = excluded.etag,
    last_modified = excluded.last_modified, if_none_match = excluded.if_none_match,
    if_modified_since = excluded.if_modified_since, request_headers = excluded.request_headers,
    response_headers = excluded.response_headers, response_date = excluded.response_date,
    ip_address = excluded.ip_address, validators_in_front = excluded.validators_in_front
"""

_UPSERT_SEEN = """
INSERT INTO last_seen (report_id, cycle_id, seen_at, how, in_list, http_status, walk_complete,
    list_url, list_title)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (report_id) DO UPDATE SET cycle_id = excluded.cycle_id, seen_at = excluded.seen_at,
    how = excluded.how, in_list = excluded.in_list, http_status = excluded.http_status,
    walk_complete = excluded.walk_complete, list_url = excluded.list_url,
    list_title = excluded.list_title
"""


def confirm(db: Database, fetch: Fetch, cycle_id: int | None) -> str | None:
    """Record `fetch` in place when it only confirms its URL's latest logged exchange; return
    the confirmed body's SHA-256, or None when the exchange must be logged in `fetches`."""
    # robots.txt answering 404 night after night says "no rules" again: nothing new either
    same_status = fetch.kind == "robots" and fetch.status is not None
    if (
        (fetch.status not in _OK and not same_status)
        or fetch.note
        or fetch.final_url
        or fetch.request_body
        or (fetch.method or "GET") != "GET"
    ):
        return None
    latest = db.execute(
        "SELECT id, status, sha256, note, final_url, etag, last_modified, ip_address "
        "FROM fetches WHERE url = ? "
        "ORDER BY id DESC LIMIT 1",
        [fetch.url],
    ).fetchone()
    if latest is None:
        return None
    fetch_id, status, sha256, note, final_url, etag, modified, ip_address = latest
    if (status not in _OK and not (same_status and status == fetch.status)) or note or final_url:
        return None
    if fetch.status not in _OK and status in _OK:
        return None  # robots.txt gone since: a change of status
    if sha256 is None:  # a 304 logged before this record existed: the body it confirmed
        sha256 = confirmed_body(db, fetch.url)
    if sha256 is None:
        return None
    if fetch.status == 304:
        if fetch.same_as is not None and fetch.same_as != sha256:
            return None  # validators of another body (a stub's, say): not a confirmation
    elif fetch.body is None or (fetch.body_sha256 or blobs.sha256_of(fetch.body)) != sha256:
        return None
    stored = {
        "etag": _unless(fetch.etag, etag), "last_modified": _unless(fetch.last_modified, modified),
    }  # fmt: skip
    sent, asked, in_front = _request_head(fetch.request_head, etag, modified)
    received, date = _response_head(
        db, fetch.response_head, _or(stored["etag"], etag), _or(stored["last_modified"], modified)
    )
    db.execute(
        _UPSERT_VERIFIED,
        [fetch_id, cycle_id, fetch.fetched_at, fetch.status, stored["etag"],
         stored["last_modified"], _unless(asked.get("If-None-Match"), etag),
         _unless(asked.get("If-Modified-Since"), modified),
         exchanges.put(db, sent) if sent else None, received, date,
         _unless(fetch.ip_address, ip_address), in_front],
    )  # fmt: skip
    return sha256


def _request_head(
    block: bytes | None, etag: str | None, modified: str | None
) -> tuple[bytes | None, dict[str, str], int | None]:
    """The request's head as stored, its validator values, and 1 when its validator lines were
    taken off its front rather than emptied (`validators_in_front`).

    A conditional request is the unconditional one with If-None-Match / If-Modified-Since in
    front: without them its block is the one the exchange that brought the body already
    stored (same Referer, same host), so the first confirmation of a URL adds no block. Only
    when the lines are rebuilt exactly from the values read back (`coalesce` with the logged
    exchange's); otherwise they are emptied in place, as before."""
    if block is None:
        return None, {}, None
    rest, values = block, {}
    while match := _VALIDATOR_LINE.match(rest):
        values.setdefault(match.group(1).decode("latin-1"), match.group(2).decode("latin-1"))
        rest = rest[match.end() :]
    canonical = {name.lower(): name for name in _REQUEST_FIELDS}
    asked = {canonical[name.lower()]: value for name, value in values.items()}
    if len(asked) == len(values) and asked:
        read_back = {
            "If-None-Match": _or(_unless(asked.get("If-None-Match"), etag), etag),
            "If-Modified-Since": _or(_unless(asked.get("If-Modified-Since"), modified), modified),
        }
        if in_front(rest, read_back) == block:
            return rest, asked, 1
    emptied, asked = _split(block, _REQUEST_FIELDS)
    return emptied, asked, None


def in_front(block: bytes | None, asked: dict[str, str | None]) -> bytes | None:
    """`_request_head`'s lines put back in front of the block (those with a value)."""
    if block is None:
        return None
    lines = [f"{name}: {value}\r\n" for name, value in asked.items() if value is not None]
    return "".join(lines).encode("latin-1") + block


_VALIDATOR_LINE = re.compile(rb"(If-None-Match|If-Modified-Since):[ \t]*([^\r\n]*)\r\n", re.I)


def _response_head(
    db: Database, block: bytes | None, etag: str | None, modified: str | None
) -> tuple[int | None, str | None]:
    """The response's head as stored (a `header_blocks` id) and its Date.

    A same-body 200 of a list page or robots.txt repeats the head of the exchange that brought
    the body but for its Date: that block (Date emptied, as `fetches` stores it) is used when
    it exists and gives the head back exactly. Otherwise the Date, ETag and Last-Modified
    lines are emptied, so that every 304 of a server shares one block."""
    if block is None:
        return None, None
    dated, date = exchanges.split_date(block)
    answered = {"ETag": etag, "Last-Modified": modified}
    if join(exchanges.join_date(dated, date), answered) == block:
        row = db.execute(
            "SELECT id FROM header_blocks WHERE sha256 = ?", [blobs.sha256_of(dated)]
        ).fetchone()
        if row:
            return row[0], date
    received, values = _split(block, _RESPONSE_FIELDS)
    return exchanges.put(db, received) if received else None, values.get("Date")


def _or(value: str | None, logged: str | None) -> str | None:
    """What a reader gets back: `coalesce(last_verified's value, fetches')`."""
    return logged if value is None else value


def _unless(value: str | None, logged: str | None) -> str | None:
    """NULL for a value the logged exchange holds already: a record costs bytes only for what
    differs (`last_verified`'s columns are read through coalesce with `fetches`')."""
    return None if value == logged else value


def confirmed_body(db: Database, url: str) -> str | None:
    """The body of the URL's latest 200: what a 304 for it confirms."""
    row = db.execute(
        "SELECT sha256 FROM fetches WHERE url = ? AND status = 200 ORDER BY id DESC LIMIT 1",
        [url],
    ).fetchone()
    return row[0] if row else None


def seen(db: Database, sighting: Sighting, cycle_id: int | None) -> bool:
    """Record `sighting` in the report's `last_seen` row when it only says the report is still
    there, unchanged; return False when it must be a `sightings` row."""
    if sighting.report_id is None or sighting.how not in _UNCHANGED or cycle_id is None:
        return False
    report = db.execute(
        """SELECT r.url, r.sha256, r.status, r.gone_count, r.list_url, r.list_title, r.title,
                  r.year, r.content_type, r.issuer, r.issuer_evidence, r.published_on,
                  v.describe_error
           FROM reports r LEFT JOIN report_versions v ON v.report_id = r.id AND v.sha256 = r.sha256
           WHERE r.id = ?""",
        [sighting.report_id],
    ).fetchone()
    if report is None:
        return False
    url, sha256, status, gone_count, list_url, list_title, *described = report
    if url != sighting.url or sha256 != sighting.sha256 or status != "active" or gone_count:
        return False
    if sighting.how == "fetched" and not _described_alike(sighting, described):
        return False
    walk = None if sighting.walk_complete is None else int(sighting.walk_complete)
    same_list = sighting.list_url in (None, list_url) and sighting.list_title in (None, list_title)
    confirmed = _confirmation(db, sighting, cycle_id) if same_list else None
    if confirmed is not None:  # the 304's own record says it all but the list and the walk
        db.execute(
            "UPDATE last_verified SET in_list = ?, walk_complete = ? WHERE fetch_id = ?",
            [int(sighting.in_list), walk, confirmed],
        )
        db.execute(
            "DELETE FROM last_seen WHERE report_id = ? AND cycle_id = ?",
            [sighting.report_id, cycle_id],
        )  # an earlier sighting of the report tonight: the later one stands, as in the upsert
        return True
    db.execute(  # a 304 of tonight standing for this report: the later sighting stands
        "UPDATE last_verified SET in_list = NULL WHERE cycle_id = ? AND in_list IS NOT NULL"
        " AND fetch_id IN (SELECT id FROM fetches WHERE url = ?)",
        [cycle_id, sighting.url],
    )
    db.execute(
        _UPSERT_SEEN,
        [sighting.report_id, cycle_id, sighting.seen_at, sighting.how, int(sighting.in_list),
         sighting.http_status, walk,
         None if sighting.list_url == list_url else sighting.list_url,
         None if sighting.list_title == list_title else sighting.list_title],
    )  # fmt: skip
    return True


def _described_alike(s: Sighting, report: list) -> bool:
    """The page described as the report already stands: touching the report with it changes
    nothing but its last-seen time (archive.reports.touch refreshes only what a page states,
    and a date only when earlier)."""
    title, year, content_type, issuer, issuer_evidence, published_on, describe_error = report
    if s.note or describe_error:
        return False  # a description that failed, or one that would clear a failure
    same = (
        (s.title, title),
        (s.year, year),
        (s.content_type, content_type),
        (s.issuer, issuer),
        (s.issuer_evidence, issuer_evidence),
    )
    if any(new is not None and new != old for new, old in same):
        return False
    return s.published_on is None or (published_on is not None and s.published_on >= published_on)


def _confirmation(db: Database, sighting: Sighting, cycle_id: int) -> int | None:
    """The `last_verified` record (its fetch id) that a 304 sighting of a report merely
    repeats: tonight's 304 for the URL's latest logged exchange, which brought the report's
    body, for the same source. None when the sighting must be a row."""
    if sighting.how != "not_modified" or sighting.http_status != 304:
        return None
    row = db.execute(
        "SELECT f.id, f.source_id, f.sha256, v.cycle_id, v.status, v.verified_at "
        "FROM fetches f JOIN last_verified v ON v.fetch_id = f.id "
        "WHERE f.id = (SELECT max(id) FROM fetches WHERE url = ?) AND EXISTS ("
        "  SELECT 1 FROM reports r WHERE r.id = ? AND r.source_id = f.source_id AND r.url = f.url)",
        [sighting.url, sighting.report_id],
    ).fetchone()
    if row is None:
        return None
    fetch_id, source_id, sha256, cycle, status, verified_at = row
    if (source_id, sha256, cycle, status) != (sighting.source_id, sighting.sha256, cycle_id, 304):
        return None
    # the sighting is the 304 read: its time is the answer's, a moment before it was parsed
    return fetch_id if verified_at <= sighting.seen_at else None


def seen_in_cycle(db: Database, cycle_id: int) -> list[dict]:
    """The cycle's unchanged sightings recorded in place — `last_seen` rows, and 304s that
    their `last_verified` record stands for (view `unchanged_sightings`) — as the sightings
    they stand for (id 0: before the rows)."""
    rows = db.query(
        """SELECT r.source_id, r.url, r.sha256, coalesce(u.list_url, r.list_url) AS list_url,
                  coalesce(u.list_title, r.list_title) AS list_title, u.report_id, u.cycle_id,
                  u.seen_at, u.how, u.in_list, u.http_status, u.walk_complete
           FROM unchanged_sightings u JOIN reports r ON r.id = u.report_id
           WHERE u.cycle_id = ? ORDER BY u.report_id""",
        [cycle_id],
    )
    empty = dict.fromkeys(
        ("title", "year", "published_on", "published_on_evidence", "content_type", "note",
         "issuer", "issuer_evidence"),
    )  # fmt: skip
    return [{**empty, **row, "id": 0} for row in rows]


def _split(block: bytes | None, names: tuple[str, ...]) -> tuple[bytes | None, dict[str, str]]:
    """The block with the first line of each named header emptied, and those values."""
    values: dict[str, str] = {}
    if block is None:
        return None, values
    for name in names:
        match = _field(name).search(block)
        if match:
            values[name] = match.group(2).decode("latin-1")
            block = block[: match.start(2)] + block[match.end(2) :]
    return block, values


def join(block: bytes | None, values: dict[str, str | None]) -> bytes | None:
    """`_split` undone: each value put back into its emptied line."""
    if block is None:
        return None
    for name, value in values.items():
        match = _field(name).search(block) if value is not None else None
        if match:
            block = block[: match.start(2)] + value.encode("latin-1") + block[match.end(2) :]
    return block


_FIELDS = {
    name: re.compile(rb"^(" + name.encode() + rb":[ \t]*)([^\r\n]*)\r\n", re.I | re.M)
    for name in (*_REQUEST_FIELDS, *_RESPONSE_FIELDS)
}


def _field(name: str) -> re.Pattern[bytes]:
    return _FIELDS[name]
