"""Turning archived bodies into data: each version's text and statistics tables, and checks.

Everything here is a pure function of the archived bytes, stored per version, so that when the
extractors improve, `reextract` can rebuild the whole archive's data from `blobs` alone, and an
edited report keeps the numbers of every version it ever had.

Statistics are stored compactly (migration 0007): a value names its version by number
(`version_ids`) and its labels by number (`stat_cells`, shared by every report that prints the
same row), and a check its name (`check_names`); `report_stats` and `stats_checks` are views
that read them back with their original columns. Writes are prepared `executemany` calls: a
cycle writes ~90 cells and ~15 checks per new version, and per-row Python was most of its cost.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

from sqlite_utils import Database

from archive import blobs, coverage, crawl_extraction, search
from archive import extract_workers as workers
from archive.clock import now_iso
from archive.encoding import decode_html
from archive.extract import checks, stats
from archive.extract.tables import parse_html, without_scripts
from archive.readers.output import describe
from archive.reports import body_text
from archive.stat_labels import Labels
from archive.text import Parsed, is_html, main_text, text_digest

_DOCX = "wordprocessingml"
_BATCH = 100  # versions per transaction: a commit per version rewrote the same index pages
_ADD_VALUE = "INSERT INTO stat_values (version_id, position, cell_id, value) VALUES (?, ?, ?, ?)"
_ADD_RESULT = (
    "INSERT INTO check_results (version_id, name_id, passed, expected, actual, detail) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_VERSIONS = (
    "SELECT r.*, v.sha256 AS version, v.text_sha256 IS NULL AS needs_text "
    "FROM report_versions v JOIN reports r ON r.id = v.report_id "
    "JOIN version_ids n ON n.report_id = v.report_id AND n.sha256 = v.sha256"
)  # ordered by n.id: the order the versions were recorded in


def body_stats(body: bytes, content_type: str | None, url: str, year: int | None) -> stats.Stats:
    """The statistics tables of one body, whatever its format."""
    how = kind(body, content_type, url)
    if how == "pdf":
        return stats.from_pdf(body, year)
    if how == "docx":
        return stats.from_docx(body, year)
    if how == "html":
        return stats.from_html(decode_html(body, content_type)[0], year)
    return stats.Stats(regime=None, rows=())


def kind(body: bytes, content_type: str | None, url: str) -> str | None:
    """How a body is read: "pdf", "docx", "html", or None (no text, no tables)."""
    lowered = (content_type or "").lower()
    if url.lower().endswith(".pdf") or "pdf" in lowered:
        return "pdf"
    if url.lower().endswith(".docx") or _DOCX in lowered:
        return "docx"
    return "html" if is_html(content_type, body) else None


def read(
    body: bytes, content_type: str | None, url: str, year: int | None, parsed: Parsed | None = None
) -> tuple[str | None, stats.Stats]:
    """A version's text and statistics tables; an HTML page is parsed once for both. `parsed`
    is the HTML page already parsed (`text.parse_document` of its decoded text), by a caller
    that described it from the same tree; this changes it."""
    if kind(body, content_type, url) != "html":
        return body_text(body, content_type, url), body_stats(body, content_type, url, year)
    if parsed is None:
        root = parse_html(decode_html(body, content_type)[0])
    else:
        root = without_scripts(parsed.root)
    if root is None:  # empty or unparseable: what report_text and from_html say of it
        return "", stats.Stats(regime=None, rows=())
    if root.getroottree().getroot() is not root:
        # A fragment lxml.html made of the page (or a root dropped as a script): its text was
        # always read from a copy, a document of its own, which the text's absolute paths
        # read differently from the fragment in its document.
        return main_text(copy.deepcopy(root)), stats.from_tree(root, year)
    # The statistics leave the tree as it was, so the text, which drops the navigation, reads
    # the tree itself after them rather than a copy (half a parse).
    found = stats.from_tree(root, year)
    return main_text(root), found


def extract_version(
    db: Database,
    report: dict,
    sha256: str,
    with_text: bool = True,
    labels: Labels | None = None,
    computed: Computed | None = None,
    index: bool = True,
) -> stats.Stats:
    """(Re)compute one version's statistics rows and checks (and its text, unless the caller
    just did), replacing earlier results. `computed` is `compute`'s answer, when a worker
    process already read the version. `index=False` leaves the new text in the search queue
    for the caller to index with a batch's others (`search.sync` once per batch)."""
    with_text = with_text or bool(report.get("needs_text"))
    text, found, results, error = computed or compute(db, report, sha256, with_text)
    if error is not None:
        _failed(db, report["id"], sha256, error)
        return found
    with db.atomic():
        _store(db, _version_id(db, report["id"], sha256), found, results, labels or Labels(db))
        db.execute(
            "UPDATE report_versions SET regime = ? WHERE report_id = ? AND sha256 = ?",
            [found.regime, report["id"], sha256],
        )
        if with_text:
            db.execute(
                "UPDATE report_versions SET text = ?, text_sha256 = ? "
                "WHERE report_id = ? AND sha256 = ?",
                [text, text_digest(text), report["id"], sha256],
            )
            if index:
                search.sync(db)
        db.execute(
            "UPDATE report_versions SET extracted_at = ?, extract_error = NULL "
            "WHERE report_id = ? AND sha256 = ?",
            [now_iso(), report["id"], sha256],
        )
        if report["sha256"] == sha256:
            db.execute("UPDATE reports SET regime = ? WHERE id = ?", [found.regime, report["id"]])
    return found


Computed = tuple[str | None, stats.Stats, list[checks.Check], str | None]


def _failed(db: Database, report_id: int, sha256: str, error: str) -> None:
    """Record why the version could not be read; what an earlier extraction of it stored
    stays, and it stays owed (`extracted_at` NULL): the next cycle and `reextract` retry it."""
    db.execute(
        "UPDATE report_versions SET extract_error = ?, extracted_at = NULL "
        "WHERE report_id = ? AND sha256 = ?",
        [error, report_id, sha256],
    )


def compute(db: Database, report: dict, sha256: str, with_text: bool) -> Computed:
    """A version's text (if asked for, or still missing), statistics, checks and None; or,
    when a parser failed on it, nothing and the failure in one line. Reads the archive,
    writes nothing. Contained per version: one page that breaks a parser must not stop the
    extraction of the others, nor the cycle."""
    try:
        return _compute(db, report, sha256, with_text)
    except Exception as error:  # any parser bug, on any archived body
        return None, stats.Stats(regime=None, rows=()), [], describe(error, 500)


def _compute(db: Database, report: dict, sha256: str, with_text: bool) -> Computed:
    with_text = with_text or bool(report.get("needs_text"))
    body = blobs.get(db, sha256)
    year = report["year"]
    if with_text:
        text, found = read(body, report["content_type"], report["url"], year)
    else:
        text, found = None, body_stats(body, report["content_type"], report["url"], year)
    if not found.rows:  # "详见附件": the tables are in the attached PDF or Word file
        found = _attachment_stats(db, report) or found
    return text, found, checks.run(found), None


def _version_id(db: Database, report_id: int, sha256: str) -> int:
    """The version's number: report_versions' insert trigger gives every version one."""
    key = [report_id, sha256]
    row = db.execute(
        "SELECT id FROM version_ids WHERE report_id = ? AND sha256 = ?", key
    ).fetchone()
    if row:
        return row[0]
    return db.execute("INSERT INTO version_ids (report_id, sha256) VALUES (?, ?)", key).lastrowid


def _store(
    db: Database, version_id: int, found: stats.Stats, results: list[checks.Check], labels: Labels
) -> None:
    """Replace the version's statistics values and check results."""
    conn = db.conn
    conn.execute("DELETE FROM stat_values WHERE version_id = ?", [version_id])
    conn.execute("DELETE FROM check_results WHERE version_id = ?", [version_id])
    conn.executemany(
        _ADD_VALUE,
        [
            (version_id, position, labels.cell(found.regime, row), row.value)
            for position, row in enumerate(found.rows)
        ],
    )
    conn.executemany(
        _ADD_RESULT,
        [
            (version_id, labels.check(c.name), _passed(c), c.expected, c.actual, c.detail)
            for c in results
        ],
    )


def _attachment_stats(db: Database, report: dict) -> stats.Stats | None:
    for url, sha256, content_type in db.execute(
        "SELECT url, sha256, content_type FROM attachments WHERE report_id = ? ORDER BY id DESC",
        [report["id"]],
    ).fetchall():
        found = body_stats(blobs.get(db, sha256), content_type, url, report["year"])
        if found.rows:
            return found
    return None


def extract_cycle(db: Database, cycle_id: int) -> int:
    """Extract every version still owed — first seen in `cycle_id`, or left by an earlier
    cycle that died before its extraction, or whose last extraction failed; return how many.

    What the crawl already read (archive/crawl_extraction.py) is moved in first, set-based;
    the rest is read from the archived bodies."""
    staged = crawl_extraction.apply(db, cycle_id)
    versions = list(
        db.query(
            f"{_VERSIONS} WHERE v.extracted_at IS NULL AND coalesce(v.cycle_id, 0) <= ? "
            "ORDER BY n.id",
            [cycle_id],
        )
    )
    _extract(db, versions, with_text=False)
    crawl_extraction.discard(db, cycle_id)
    return staged + len(versions)


def reextract(db: Database, progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Re-run extraction over every version in the archive; return how many."""
    versions = list(db.query(f"{_VERSIONS} ORDER BY n.id"))
    _extract(db, versions, with_text=True, progress=progress)
    with db.atomic():  # labels no version prints any more (the extractors changed)
        db.execute(
            "DELETE FROM stat_cells WHERE NOT EXISTS "
            "(SELECT 1 FROM stat_values WHERE cell_id = stat_cells.id) AND NOT EXISTS "
            "(SELECT 1 FROM crawl_stat_values WHERE cell_id = stat_cells.id)"
        )  # (a crawl's staged rows name labels too: archive/crawl_extraction.py)
        # No index by name: one pass over the results, not one per name.
        db.execute(
            "DELETE FROM check_names WHERE id NOT IN (SELECT name_id FROM check_results) "
            "AND id NOT IN (SELECT name_id FROM crawl_check_results)"
        )
        # Texts no version names any more (0019_smaller keeps each text once, by digest).
        db.execute(
            "DELETE FROM texts WHERE sha256 NOT IN "
            "(SELECT text_sha256 FROM versions WHERE text_sha256 IS NOT NULL)"
        )
    search.rebuild(db)  # drops the rows of texts re-extraction replaced
    coverage.rebuild(db)  # triggers keep it in step; recomputed whole, reextract repairs it too
    return len(versions)


def _extract(
    db: Database,
    versions: list[dict],
    with_text: bool,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> None:
    """Compute in worker processes when there are many versions, store here, in order.

    Reading a page is CPU (a parse and the tables: ~10 ms), storing it is not; the first crawl
    of a column brings thousands of versions at once, and one process would leave the
    machine's other cores idle while it reads them one by one.

    The batch's texts are indexed for search together, at the end of its transaction: FTS5
    writes its pending terms out as a new segment at every savepoint, so indexing each version
    in its own savepoint made 100 small segments a batch for FTS5 to merge again (1.7 ms a
    text against 1.0 ms, measured on the bench's texts).
    """
    labels = Labels(db)
    computed = workers.map_batches(db, versions, with_text)
    done = 0
    for batch in _batches(versions):
        with db.atomic():
            for report in batch:
                extract_version(
                    db, report, report["version"], with_text=with_text, labels=labels,
                    computed=next(computed), index=False,
                )  # fmt: skip
            search.sync(db)
        done += len(batch)
        progress(done, len(versions))


def _batches(items: list[dict]) -> Iterator[list[dict]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _passed(check: checks.Check) -> int | None:
    """1 or 0; NULL for a skipped check (an operand printed blank), never counted as failing."""
    return None if check.passed is None else int(check.passed)
