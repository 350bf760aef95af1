"""A new report page read once, during the crawl: its text, statistics and checks, staged.

The crawl's describing worker (crawler/describer.py, on the machine's other core) already holds
each new report page's bytes; reading the page's text and statistics tables there, while the
downloads go on, spares the cycle a second pass after the crawl (the blob read back,
decompressed, decoded and parsed again: about half of a first cycle's wall time). The worker's
answer is a `CrawlExtraction`, handed to the archive by the crawl's pipeline like any other
record and staged (`crawl_extractions`, `crawl_stat_values`, `crawl_check_results`) under the
inputs it was computed from: the body's SHA-256, its Content-Type and the report year the
statistics were read for (a table's regime can depend on the year).

`apply`, at the start of the cycle's extraction, moves staged results into the versions
detection created, a few statements for many versions; what it cannot serve — a version whose
report has another year or Content-Type than the crawl assumed, a page whose tables are in an
attachment ("详见附件": no rows on the page itself), a page the worker failed on, a PDF or Word
report — is extracted from its blob as before (archive/extraction.py). The results are the same
functions of the same inputs (`extraction.read`, `checks.run`), so they are the same bytes
(tests/test_crawl_extraction.py compares them with `reextract`'s). Staged rows live for one
cycle: whatever the cycle's extraction did not use is deleted with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlite_utils import Database

from archive.clock import now_iso
from archive.extract import checks
from archive.text import Parsed, text_digest

if TYPE_CHECKING:
    from sqlite3 import Connection

    from archive.stat_labels import Labels

_INSERT = (
    "INSERT INTO crawl_extractions (sha256, year, content_type, cycle_id, text, text_sha256, "
    "regime) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_STAGED = (
    "SELECT 1 FROM crawl_extractions WHERE sha256 = ? AND year IS ? AND content_type IS ? LIMIT 1"
)
_ADD_VALUE = (
    "INSERT INTO crawl_stat_values (extraction_id, position, cell_id, value) VALUES (?, ?, ?, ?)"
)
_ADD_CHECK = (
    "INSERT INTO crawl_check_results (extraction_id, position, name_id, passed, expected, "
    "actual, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
CHUNK = 200  # versions per transaction (and texts held in a temporary table at once)


@dataclass(frozen=True)
class CrawlExtraction:
    """What extraction would store for this body, read for `year` with `content_type`."""

    sha256: str
    year: int | None
    content_type: str | None
    text: str
    text_sha256: str
    regime: str | None
    # Plain tuples, not StatRow and Check: the answer crosses a process boundary to the crawl's
    # event loop, where unpickling ~100 dataclasses a page cost more than the rest of it.
    cells: tuple[tuple, ...]  # (section, row_label, column_label, indicator, unit,
    #                           row_label_raw, column_label_raw, value), in the rows' order
    checks: tuple[tuple, ...]  # (name, passed as stored, expected, actual, detail)


def read(
    url: str,
    body: bytes,
    content_type: str | None,
    year: int | None,
    sha256: str,
    parsed: Parsed | None = None,
) -> CrawlExtraction | None:
    """The page's extraction, or None when the cycle must extract it after the crawl as before:
    not an HTML page, no statistics on the page itself (they may be in an attachment, which
    the crawl has not fetched yet), or a parser failed (the cycle records the failure).
    `parsed`: the page's tree, parsed once for describing and reading it (`extraction.read`)."""
    from archive import extraction  # here: extraction imports this module

    if extraction.kind(body, content_type, url) != "html":
        return None
    try:
        text, found = extraction.read(body, content_type, url, year, parsed)
        if text is None or not found.rows:
            return None
        results = tuple(checks.run(found))
    except Exception:  # any parser bug: extracted after the crawl, where it is recorded
        return None
    return CrawlExtraction(
        sha256=sha256, year=year, content_type=content_type, text=text,
        text_sha256=text_digest(text) or "", regime=found.regime,
        cells=tuple(
            (r.section, r.row_label, r.column_label, r.indicator, r.unit, r.row_label_raw,
             r.column_label_raw, r.value)
            for r in found.rows
        ),
        checks=tuple((c.name, _passed(c), c.expected, c.actual, c.detail) for c in results),
    )  # fmt: skip


def record(db: Database, item: CrawlExtraction, cycle_id: int | None, labels: Labels) -> None:
    """Stage one page's extraction (once per body, year and Content-Type). `labels` is an
    `extraction.Labels` kept by the caller for its run of writes: label and check-name ids are
    resolved here, in the crawl's writer thread, so that `apply` needs no Python per row."""
    conn = db.conn
    key = (item.sha256, item.year, item.content_type)
    if conn.execute(_STAGED, key).fetchone():
        return
    staged = conn.execute(
        _INSERT, [*key, cycle_id, item.text, item.text_sha256, item.regime]
    ).lastrowid
    regime = (item.regime,)
    conn.executemany(
        _ADD_VALUE,
        [
            (staged, position, labels.cell_of(regime + cell[:7]), cell[7])
            for position, cell in enumerate(item.cells)
        ],
    )
    conn.executemany(
        _ADD_CHECK,
        [
            (staged, position, labels.check(check[0]), *check[1:])
            for position, check in enumerate(item.checks)
        ],
    )


def _passed(check: checks.Check) -> int | None:
    return None if check.passed is None else int(check.passed)


# The versions still owed that a staged extraction serves: same body, same year and
# Content-Type as the report has now, and not read as a PDF or Word file by its URL; chosen
# once per `apply` (`vrowid`: the version's number in version_ids, the order versions were
# recorded in; report_versions is a view since 0019_smaller, without rowids).
_PLAN = """
INSERT INTO temp.apply_plan (vrowid, version_id, report_id, sha256, needs_text, extraction_id)
SELECT * FROM (
    SELECT vi.id AS vrowid, vi.id AS version_id, v.report_id, v.sha256,
           v.text_sha256 IS NULL AS needs_text,
           (SELECT e.id FROM crawl_extractions e WHERE e.sha256 = v.sha256 AND e.year IS r.year
            AND e.content_type IS r.content_type ORDER BY e.id LIMIT 1) AS extraction_id
    FROM report_versions v
    JOIN reports r ON r.id = v.report_id
    JOIN version_ids vi ON vi.report_id = v.report_id AND vi.sha256 = v.sha256
    WHERE v.extracted_at IS NULL AND coalesce(v.cycle_id, 0) <= ?
      AND lower(r.url) NOT LIKE '%.pdf' AND lower(r.url) NOT LIKE '%.docx'
) WHERE extraction_id IS NOT NULL
"""
# The next chunk of the plan, with the staged texts: only now, only the chunk's. (Chosen and
# sorted again per chunk, with every owed version's text carried through the sort, the
# chunks cost 0.3 ms a version on a first cycle of 10,000 — quadratic.) A staged extraction
# already forgotten (used by an earlier chunk: one body, two reports) serves no more.
_SERVED = """
INSERT INTO temp.staged_versions
SELECT p.vrowid, p.version_id, p.report_id, p.sha256, e.id, p.needs_text, e.regime,
       iif(p.needs_text, e.text, NULL), e.text_sha256
FROM temp.apply_plan p JOIN crawl_extractions e ON e.id = p.extraction_id
WHERE p.vrowid > ?
ORDER BY p.vrowid
LIMIT ?
"""
_CHILDREN = (
    "DELETE FROM stat_values WHERE version_id IN (SELECT version_id FROM temp.staged_versions)",
    "DELETE FROM check_results WHERE version_id IN (SELECT version_id FROM temp.staged_versions)",
    """INSERT INTO stat_values (version_id, position, cell_id, value)
    SELECT s.version_id, c.position, c.cell_id, c.value
    FROM temp.staged_versions s JOIN crawl_stat_values c ON c.extraction_id = s.extraction_id
    ORDER BY s.vrowid, c.position""",
    """INSERT INTO check_results (version_id, name_id, passed, expected, actual, detail)
    SELECT s.version_id, c.name_id, c.passed, c.expected, c.actual, c.detail
    FROM temp.staged_versions s JOIN crawl_check_results c ON c.extraction_id = s.extraction_id
    ORDER BY s.vrowid, c.position""",
)
_VERSIONS = (
    """UPDATE report_versions SET regime = s.regime,
        text = iif(s.needs_text, s.text, report_versions.text),
        text_sha256 = iif(s.needs_text, s.text_sha256, report_versions.text_sha256),
        extracted_at = ?, extract_error = NULL
    FROM temp.staged_versions s
    WHERE report_versions.report_id = s.report_id AND report_versions.sha256 = s.sha256""",
    """UPDATE reports SET regime = s.regime FROM temp.staged_versions s
    WHERE reports.id = s.report_id AND reports.sha256 = s.sha256""",
)
_USED = "SELECT DISTINCT extraction_id FROM temp.staged_versions"
_FORGET = (
    "DELETE FROM crawl_stat_values WHERE extraction_id IN ({ids})",
    "DELETE FROM crawl_check_results WHERE extraction_id IN ({ids})",
    "DELETE FROM crawl_extractions WHERE id IN ({ids})",
)


def apply(db: Database, cycle_id: int) -> int:
    """Extract every owed version (as `extraction.extract_cycle` chooses them) that a staged
    crawl extraction serves, with a few statements per chunk of versions; return how many.
    Each chunk is one transaction: a kill leaves the rest owed, and staged, for the next run.

    A chunk's staged rows are deleted as soon as its texts are copied out (to a temporary
    table), before the texts are written into `report_versions`: those writes then reuse the
    pages just freed instead of growing the file by a second copy of every text."""
    from archive import search

    conn = db.conn
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS staged_versions (vrowid INTEGER PRIMARY KEY, "
        "version_id INTEGER, report_id INTEGER, sha256 TEXT, extraction_id INTEGER, "
        "needs_text INTEGER, regime TEXT, text TEXT, text_sha256 TEXT)"
    )
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS apply_plan (vrowid INTEGER PRIMARY KEY, "
        "version_id INTEGER, report_id INTEGER, sha256 TEXT, needs_text INTEGER, "
        "extraction_id INTEGER)"
    )
    with db.atomic():
        conn.execute("DELETE FROM temp.apply_plan")
        conn.execute(_PLAN, [cycle_id])  # every owed version served, in order: one pass
    done = last = 0
    while True:
        with db.atomic():
            conn.execute("DELETE FROM temp.staged_versions")
            count = conn.execute(_SERVED, [last, CHUNK]).rowcount
            if count <= 0:
                break
            last = conn.execute("SELECT max(vrowid) FROM temp.staged_versions").fetchone()[0]
            for statement in _CHILDREN:
                conn.execute(statement)
            _forget(conn, [row[0] for row in conn.execute(_USED)])
            now = now_iso()
            for statement in _VERSIONS:
                conn.execute(statement, [now] if "?" in statement else [])
            search.sync(db)
        done += count
    with db.atomic():
        conn.execute("DELETE FROM temp.staged_versions")
        conn.execute("DELETE FROM temp.apply_plan")
    return done


def staged_text(db: Database, sha256: str, content_type: str | None) -> str | None:
    """The main text the crawl read from this body, if it staged it: what `reports.body_text`
    gives for it (an HTML page's main text depends on its bytes and Content-Type alone), so
    detection need not read the page again either."""
    row = db.conn.execute(
        "SELECT text FROM crawl_extractions WHERE sha256 = ? AND content_type IS ? LIMIT 1",
        [sha256, content_type],
    ).fetchone()
    return row[0] if row else None


def discard(db: Database, cycle_id: int) -> None:
    """Drop what the crawls up to `cycle_id` staged and the cycle did not use (bodies read for
    another year, or versions a killed cycle never created): the next crawl stages afresh."""
    with db.atomic():
        ids = "SELECT id FROM crawl_extractions WHERE coalesce(cycle_id, 0) <= ?"
        for statement in _FORGET:
            db.execute(statement.format(ids=ids), [cycle_id])


def _forget(conn: Connection, ids: list[int]) -> None:
    marks = ", ".join("?" * len(ids))
    for statement in _FORGET:
        conn.execute(statement.format(ids=marks), ids)
