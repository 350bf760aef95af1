"""The archive's schema, as a sequence of sqlite-utils migrations.

An applied migration is never edited: users' archives were built with it. Change the schema by
adding `0002_…`, and document every new table and column in the README (a test checks that).
"""

from __future__ import annotations

import hashlib

from sqlite_utils import Database, Migrations

from archive import coverage, search

migrations = Migrations("gongkai")


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    db["blobs"].create(
        {
            "sha256": str,
            "size": int,
            "encoding": str,
            "content": bytes,
            "stored_at": str,
        },
        pk="sha256",
        not_null={"size", "encoding", "content", "stored_at"},
    )
    db["cycles"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "config": str,
            "sources": int,
            "sources_failed": int,
            "pages": int,
            "reports": int,
            "new_reports": int,
            "error": str,
        },
        pk="id",
        not_null={"started_at", "status"},
    )
    db["fetches"].create(
        {
            "id": int,
            "cycle_id": int,
            "source_id": str,
            "kind": str,
            "url": str,
            "final_url": str,
            "fetched_at": str,
            "status": int,
            "sha256": str,
            "content_type": str,
            "size": int,
            "etag": str,
            "last_modified": str,
            "note": str,
        },
        pk="id",
        foreign_keys=[("cycle_id", "cycles", "id"), ("sha256", "blobs", "sha256")],
        not_null={"url", "fetched_at", "kind"},
    )
    db["fetches"].create_index(["cycle_id", "source_id"])
    db["fetches"].create_index(["url"])
    db["fetches"].create_index(["sha256"])
    db["reports"].create(
        {
            "id": int,
            "source_id": str,
            "agency": str,
            "title": str,
            "year": int,
            "published_on": str,
            "published_on_evidence": str,
            "url": str,
            "list_url": str,
            "list_title": str,
            "sha256": str,
            "content_type": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "first_seen_cycle": int,
            "last_seen_cycle": int,
            "status": str,
        },
        pk="id",
        foreign_keys=[("sha256", "blobs", "sha256")],
        not_null={"source_id", "agency", "title", "url", "first_seen_at", "last_seen_at", "status"},
    )
    db["reports"].create_index(["source_id", "url"], unique=True)
    db["reports"].create_index(["year"])
    db["report_versions"].create(
        {"report_id": int, "sha256": str, "first_seen_at": str, "cycle_id": int},
        pk=("report_id", "sha256"),
        foreign_keys=[("report_id", "reports", "id"), ("sha256", "blobs", "sha256")],
    )
    db["cycle_sources"].create(
        {
            "cycle_id": int,
            "source_id": str,
            "agency": str,
            "status": str,
            "pages": int,
            "list_pages": int,
            "reports": int,
            "new_reports": int,
            "errors": int,
            "message": str,
        },
        pk=("cycle_id", "source_id"),
        foreign_keys=[("cycle_id", "cycles", "id")],
    )


@migrations(name="0002_watch")
def watch(db: Database) -> None:
    """Sightings, events, alerts' outbox, and what change detection needs on reports."""
    db["sightings"].create(
        {
            "id": int,
            "cycle_id": int,
            "source_id": str,
            "report_id": int,
            "url": str,
            "how": str,
            "in_list": int,
            "http_status": int,
            "title": str,
            "year": int,
            "published_on": str,
            "published_on_evidence": str,
            "list_url": str,
            "list_title": str,
            "sha256": str,
            "content_type": str,
            "seen_at": str,
        },
        pk="id",
        foreign_keys=[("cycle_id", "cycles", "id")],
        not_null={"source_id", "url", "how", "seen_at"},
    )
    db["sightings"].create_index(["cycle_id", "source_id"])
    db["cycle_sources"].add_column("list_errors", int, not_null_default=0)
    db["reports"].add_column("gone_count", int, not_null_default=0)
    db["reports"].add_column("moved_from", str)
    db["report_versions"].add_column("text_sha256", str)
    db["report_versions"].add_column("text", str)
    db["events"].create(
        {
            "id": int,
            "report_id": int,
            "source_id": str,
            "kind": str,
            "detected_at": str,
            "cycle_id": int,
            "baseline": int,
            "summary": str,
            "detail": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id"), ("cycle_id", "cycles", "id")],
        not_null={"source_id", "kind", "detected_at", "summary"},
    )
    db["events"].create_index(["cycle_id"])
    db["events"].create_index(["report_id"])
    db["outbox"].create(
        {
            "id": int,
            "event_id": int,
            "channel": str,
            "status": str,
            "attempts": int,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id")],
        not_null={"event_id", "channel", "status", "attempts", "created_at"},
    )
    db["outbox"].create_index(["event_id", "channel"], unique=True)
    db["outbox"].create_index(["status"])


@migrations(name="0003_report_data")
def report_data(db: Database) -> None:
    """Statistics tables as rows, their consistency checks, and each version's table regime."""
    db["report_stats"].create(
        {
            "id": int,
            "report_id": int,
            "version": str,
            "regime": str,
            "section": str,
            "row_label": str,
            "column_label": str,
            "indicator": str,
            "value": float,
            "unit": str,
            "row_label_raw": str,
            "column_label_raw": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
        not_null={"report_id", "version", "section", "row_label", "indicator"},
    )
    db["report_stats"].create_index(["report_id", "version"])
    db["report_stats"].create_index(["indicator"])
    db["stats_checks"].create(
        {
            "report_id": int,
            "version": str,
            "name": str,
            "passed": int,
            "expected": float,
            "actual": float,
            "detail": str,
        },
        pk=("report_id", "version", "name"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["stats_checks"].create_index(["passed"])
    db["report_versions"].add_column("regime", str)
    db["reports"].add_column("regime", str)
    db.create_view("source_status", SOURCE_STATUS)


# Each source's latest outcome and how many cycles it has been failing (0 = healthy).
SOURCE_STATUS = """
SELECT cs.source_id, cs.agency, cs.status AS last_status, cs.cycle_id AS last_cycle,
       c.started_at AS last_cycle_at, cs.reports, cs.message,
       (SELECT count(*) FROM cycle_sources x
         WHERE x.source_id = cs.source_id
           AND x.cycle_id > coalesce((SELECT max(y.cycle_id) FROM cycle_sources y
                                       WHERE y.source_id = cs.source_id AND y.status = 'ok'), 0)
       ) AS failing_cycles
FROM cycle_sources cs JOIN cycles c ON c.id = cs.cycle_id
WHERE cs.cycle_id = (SELECT max(z.cycle_id) FROM cycle_sources z WHERE z.source_id = cs.source_id)
"""


@migrations(name="0004_register")
def register(db: Database) -> None:
    """The register (who owes which report by when), and a report year on events."""
    db["register"].create(
        {
            "source_id": str,
            "agency": str,
            "kind": str,
            "year": int,
            "due_on": str,
            "due_basis": str,
            "status": str,
            "report_id": int,
            "published_on": str,
            "first_seen_on": str,
            "evidence": str,
            "days_late": int,
            "computed_at": str,
        },
        pk=("source_id", "year"),
        foreign_keys=[("report_id", "reports", "id")],
        not_null={"agency", "kind", "due_on", "status", "computed_at"},
    )
    db["register"].create_index(["status"])
    db["register"].create_index(["year"])
    db["events"].add_column("year", int)
    # One overdue and one published_late event per agency-year, ever: the database says so too.
    db.execute(
        "CREATE UNIQUE INDEX events_register_once ON events (source_id, year, kind) "
        "WHERE kind IN ('overdue', 'published_late')"
    )


@migrations(name="0005_attachments")
def attachments(db: Database) -> None:
    """Files a report page links to (PDF, Word, spreadsheets): archived and tied to the report."""
    db["attachments"].create(
        {
            "id": int,
            "cycle_id": int,
            "source_id": str,
            "report_url": str,
            "report_id": int,
            "url": str,
            "title": str,
            "sha256": str,
            "content_type": str,
            "kind": str,
            "text": str,
            "note": str,
            "seen_at": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id"), ("sha256", "blobs", "sha256")],
        not_null={"source_id", "report_url", "url", "sha256", "seen_at"},
    )
    db["attachments"].create_index(["report_id", "url", "sha256"], unique=True)
    db["attachments"].create_index(["cycle_id"])


@migrations(name="0006_fetch_lookups")
def fetch_lookups(db: Database) -> None:
    """The nightly plan reads each source's list-page validators: without this index that is a
    scan of the whole fetch log per source, quadratic in the number of sources."""
    db["fetches"].create_index(["source_id", "kind", "url"])


@migrations(name="0007_compact_stats")
def compact_stats(db: Database) -> None:
    """`report_stats` and `stats_checks` become views over compact tables, same columns.

    A statistics row repeated the version's 64-character hash and eight labels, in the table and
    in two indexes: about half of the database. The labels repeat across thousands of reports,
    so they are stored once (`stat_cells`) and a value is four small integers and a number; the
    views keep every column, so users' SQL and Datasette's canned queries read the same rows.
    """
    for statement in _COMPACT_TABLES:
        db.execute(statement)
    _move_rows(db, "report_stats", _MOVE_STATS, "stat_values")
    _move_rows(db, "stats_checks", _MOVE_CHECKS, "check_results")
    db.execute("DROP TABLE report_stats")
    db.execute("DROP TABLE stats_checks")
    for statement in _COMPAT_VIEWS:
        db.execute(statement)


def _move_rows(db: Database, old: str, statements: tuple[str, ...], new: str) -> None:
    """Copy `old` into the compact tables, or fail (and leave the archive as it was) rather
    than drop a row that has no report version to hang on."""
    before = db.execute(f"SELECT count(*) FROM {old}").fetchone()[0]
    for statement in statements:
        db.execute(statement)
    after = db.execute(f"SELECT count(*) FROM {new}").fetchone()[0]
    if after != before:
        raise RuntimeError(
            f"0007_compact_stats: {before - after} of {before} {old} rows name a version that "
            "report_versions does not have; delete them and run again"
        )


# Everything below is 0007's and frozen with it: a later migration adds its own statements.
# The label columns that identify a cell, the query-by-indicator ones first.
_CELL = (
    "indicator", "column_label", "section", "row_label", "unit", "row_label_raw",
    "column_label_raw", "regime",
)  # fmt: skip
_SAME_CELL = " AND ".join(f"c.{column} IS s.{column}" for column in _CELL)
_NEW_CELL = " AND ".join(f"{column} IS NEW.{column}" for column in _CELL)
_NEW_VERSION = "report_id = NEW.report_id AND sha256 = NEW.version"

_COMPACT_TABLES = (
    # A version's number: report_versions' key is (report_id, sha256), 70 bytes; its rowid is
    # not stable (VACUUM may renumber it), and adding a column would rewrite every stored text.
    """CREATE TABLE version_ids (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports (id),
        sha256 TEXT NOT NULL,
        UNIQUE (report_id, sha256)
    )""",
    "INSERT INTO version_ids (report_id, sha256) "
    "SELECT report_id, sha256 FROM report_versions ORDER BY rowid",
    """CREATE TRIGGER report_versions_number AFTER INSERT ON report_versions
    BEGIN
        INSERT OR IGNORE INTO version_ids (report_id, sha256) VALUES (NEW.report_id, NEW.sha256);
    END""",
    """CREATE TABLE stat_cells (
        id INTEGER PRIMARY KEY,
        regime TEXT,
        section TEXT NOT NULL,
        row_label TEXT NOT NULL,
        column_label TEXT,
        indicator TEXT NOT NULL,
        unit TEXT,
        row_label_raw TEXT,
        column_label_raw TEXT
    )""",
    f"CREATE UNIQUE INDEX stat_cells_labels ON stat_cells ({', '.join(_CELL)})",
    # Without rowid: the key is the row, ~12 bytes. The index answers by-indicator queries
    # without reading the table (it carries the key and the value).
    """CREATE TABLE stat_values (
        version_id INTEGER NOT NULL REFERENCES version_ids (id),
        position INTEGER NOT NULL,
        cell_id INTEGER NOT NULL REFERENCES stat_cells (id),
        value REAL,
        PRIMARY KEY (version_id, position)
    ) WITHOUT ROWID""",
    "CREATE INDEX stat_values_cell ON stat_values (cell_id, value)",
    "CREATE TABLE check_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    """CREATE TABLE check_results (
        version_id INTEGER NOT NULL REFERENCES version_ids (id),
        name_id INTEGER NOT NULL REFERENCES check_names (id),
        passed INTEGER,
        expected REAL,
        actual REAL,
        detail TEXT,
        PRIMARY KEY (version_id, name_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX check_results_failing ON check_results (version_id) WHERE passed = 0",
)

_MOVE_STATS = (
    f"""INSERT INTO stat_cells ({", ".join(_CELL)})
    SELECT {", ".join(_CELL)} FROM report_stats GROUP BY {", ".join(_CELL)} ORDER BY min(id)""",
    f"""INSERT INTO stat_values (version_id, position, cell_id, value)
    SELECT v.id, row_number() OVER (PARTITION BY v.id ORDER BY s.id) - 1, c.id, s.value
    FROM report_stats s
    JOIN version_ids v ON v.report_id = s.report_id AND v.sha256 = s.version
    JOIN stat_cells c ON {_SAME_CELL}
    ORDER BY 1, 2""",
)

_MOVE_CHECKS = (
    "INSERT INTO check_names (name) "
    "SELECT name FROM stats_checks GROUP BY name ORDER BY min(rowid)",
    """INSERT INTO check_results (version_id, name_id, passed, expected, actual, detail)
    SELECT v.id, n.id, s.passed, s.expected, s.actual, s.detail
    FROM stats_checks s
    JOIN version_ids v ON v.report_id = s.report_id AND v.sha256 = s.version
    JOIN check_names n ON n.name = s.name
    ORDER BY 1, 2""",
)

_COMPAT_VIEWS = (
    # id: the version's number × 2^32 + the cell's position in what was extracted from it.
    """CREATE VIEW report_stats AS
    SELECT (s.version_id << 32) + s.position AS id, v.report_id, v.sha256 AS version,
           c.regime, c.section, c.row_label, c.column_label, c.indicator, s.value, c.unit,
           c.row_label_raw, c.column_label_raw
    FROM stat_values s
    JOIN version_ids v ON v.id = s.version_id
    JOIN stat_cells c ON c.id = s.cell_id""",
    """CREATE VIEW stats_checks AS
    SELECT v.report_id, v.sha256 AS version, n.name, r.passed, r.expected, r.actual, r.detail
    FROM check_results r
    JOIN version_ids v ON v.id = r.version_id
    JOIN check_names n ON n.id = r.name_id""",
    # Writes through the old names still work (scripts, fixtures): INSERT and DELETE.
    f"""CREATE TRIGGER report_stats_insert INSTEAD OF INSERT ON report_stats
    BEGIN
        SELECT RAISE(ABORT, 'report_stats: no such version in report_versions')
        WHERE NOT EXISTS (SELECT 1 FROM version_ids WHERE {_NEW_VERSION});
        INSERT INTO stat_cells ({", ".join(_CELL)})
        SELECT {", ".join(f"NEW.{column}" for column in _CELL)}
        WHERE NOT EXISTS (SELECT 1 FROM stat_cells WHERE {_NEW_CELL});
        INSERT INTO stat_values (version_id, position, cell_id, value)
        SELECT v.id,
               coalesce((SELECT max(position) + 1 FROM stat_values WHERE version_id = v.id), 0),
               (SELECT min(id) FROM stat_cells WHERE {_NEW_CELL}), NEW.value
        FROM version_ids v WHERE {_NEW_VERSION};
    END""",
    """CREATE TRIGGER report_stats_delete INSTEAD OF DELETE ON report_stats
    BEGIN
        DELETE FROM stat_values WHERE version_id = OLD.id >> 32 AND position = OLD.id & 4294967295;
    END""",
    f"""CREATE TRIGGER stats_checks_insert INSTEAD OF INSERT ON stats_checks
    BEGIN
        SELECT RAISE(ABORT, 'stats_checks: no such version in report_versions')
        WHERE NOT EXISTS (SELECT 1 FROM version_ids WHERE {_NEW_VERSION});
        INSERT OR IGNORE INTO check_names (name) VALUES (NEW.name);
        INSERT INTO check_results (version_id, name_id, passed, expected, actual, detail)
        SELECT v.id, (SELECT id FROM check_names WHERE name = NEW.name), NEW.passed,
               NEW.expected, NEW.actual, NEW.detail
        FROM version_ids v WHERE {_NEW_VERSION};
    END""",
    """CREATE TRIGGER stats_checks_delete INSTEAD OF DELETE ON stats_checks
    BEGIN
        DELETE FROM check_results
        WHERE version_id = (SELECT id FROM version_ids
                            WHERE report_id = OLD.report_id AND sha256 = OLD.version)
          AND name_id = (SELECT id FROM check_names WHERE name = OLD.name);
    END""",
)


@migrations(name="0008_blob_dictionaries")
def blob_dictionaries(db: Database) -> None:
    """zstd dictionaries trained on the archive's own pages, and which one a blob needs.

    Such a blob is `encoding = 'zstd-dict'` with `dictionary_id` naming its dictionary: a new
    encoding value, so a reader that knows only `raw` and `zstd` refuses it instead of failing
    to decompress it as plain zstd; and a foreign key rather than a name inside `encoding`, so
    SQLite itself refuses a blob that names a dictionary the archive does not hold. The column
    is added with a plain ALTER TABLE: sqlite-utils' foreign-key helper would copy the whole
    blobs table, gigabytes on a large archive.
    """
    db["blob_dictionaries"].create(
        {
            "id": int,
            "trained_at": str,
            "size": int,
            "samples": int,
            "sample_bytes": int,
            "archive_blobs": int,
            "sha256": str,
            "content": bytes,
        },
        pk="id",
        not_null={"trained_at", "size", "samples", "sample_bytes", "archive_blobs", "sha256",
                  "content"},
    )  # fmt: skip
    db.execute(
        "ALTER TABLE blobs ADD COLUMN dictionary_id INTEGER REFERENCES blob_dictionaries (id)"
    )


@migrations(name="0009_exchanges")
def exchanges(db: Database) -> None:
    """Each exchange kept whole: the request as sent, the response's header block as received,
    the peer's IP address.

    Header blocks repeat (the same User-Agent and Accept lines on every request, a server's
    same headers night after night), so each distinct block is stored once in `header_blocks`,
    keyed by its SHA-256, and a fetch points at it by a small integer. The request line and the
    response's Date value, which differ every time, stay in the fetch row. Columns are added with
    plain ALTER TABLE (sqlite-utils' foreign-key helper would copy the whole fetch log); rows
    logged before this migration keep NULL there: what is known of them is what they had.
    """
    db.execute(
        """CREATE TABLE header_blocks (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            block BLOB NOT NULL
        )"""
    )
    for column in (
        "method TEXT",
        "request_headers INTEGER REFERENCES header_blocks (id)",
        "request_body TEXT REFERENCES blobs (sha256)",
        "response_headers INTEGER REFERENCES header_blocks (id)",
        "response_date TEXT",
        "ip_address TEXT",
    ):
        db.execute(f"ALTER TABLE fetches ADD COLUMN {column}")


@migrations(name="0010_owed_work")
def owed_work(db: Database) -> None:
    """What a cycle owes until it is done: each version's extraction, each event's alerts.

    `report_versions.extracted_at` is NULL until the version's text and statistics were
    extracted, and `extract_error` says why the last try failed: every cycle extracts the
    versions still owed, whichever cycle first saw them, so a cycle that died after detection
    (a kill, a power cut) or a page that broke a parser leaves nothing undone for good.
    `events.queued_at` is NULL until the event was queued to the outbox: every cycle queues
    the events still owed, so an alert is owed from the moment its event is committed.
    `sightings.note` says why the crawler could not describe a report page (a parser broke
    on it: it was described from its list entry), and `report_versions.describe_error` keeps
    it on the version that page became, until a later fetch of the same body describes it.

    Existing rows count as done, except those of a cycle still marked `running`: no cycle is
    running while the archive is migrated (the lock), so such a cycle died before finishing,
    and its versions and events are picked up by the next one.
    """
    db.execute("ALTER TABLE report_versions ADD COLUMN extracted_at TEXT")
    db.execute("ALTER TABLE report_versions ADD COLUMN extract_error TEXT")
    db.execute("ALTER TABLE events ADD COLUMN queued_at TEXT")
    db.execute("ALTER TABLE report_versions ADD COLUMN describe_error TEXT")
    db.execute("ALTER TABLE sightings ADD COLUMN note TEXT")
    dead = "(SELECT id FROM cycles WHERE status = 'running')"
    db.execute(
        f"UPDATE report_versions SET extracted_at = first_seen_at "
        f"WHERE cycle_id IS NULL OR cycle_id NOT IN {dead}"
    )
    db.execute(
        f"UPDATE events SET queued_at = detected_at "
        f"WHERE cycle_id IS NULL OR cycle_id NOT IN {dead}"
    )
    db.execute(
        "CREATE INDEX report_versions_owed ON report_versions (extracted_at) "
        "WHERE extracted_at IS NULL"
    )
    db.execute("CREATE INDEX events_owed ON events (queued_at) WHERE queued_at IS NULL")
    db.execute(
        """CREATE VIEW extraction_failures AS
        SELECT v.report_id, r.source_id, r.agency, r.title, r.url, v.sha256 AS version,
               v.cycle_id, v.first_seen_at, v.extract_error, v.describe_error
        FROM report_versions v JOIN reports r ON r.id = v.report_id
        WHERE v.extract_error IS NOT NULL OR v.describe_error IS NOT NULL"""
    )


_STATED_DATES = (
    """CREATE TEMP TABLE stated AS
       SELECT source_id, sha256, published_on, published_on_evidence FROM sightings
       WHERE id IN (SELECT min(id) FROM sightings
                    WHERE how = 'fetched' AND published_on IS NOT NULL
                    GROUP BY source_id, sha256)""",
    "CREATE INDEX temp.stated_key ON stated (source_id, sha256)",
    """UPDATE report_versions
       SET published_on = st.published_on, published_on_evidence = st.published_on_evidence
       FROM stated st, reports r
       WHERE r.id = report_versions.report_id AND st.source_id = r.source_id
         AND st.sha256 = report_versions.sha256""",
    "DROP TABLE temp.stated",
    """UPDATE reports
       SET (published_on, published_on_evidence) = (
           SELECT v.published_on, v.published_on_evidence FROM report_versions v
           WHERE v.report_id = reports.id AND v.published_on IS NOT NULL
           ORDER BY v.published_on, v.rowid LIMIT 1)
       WHERE EXISTS (SELECT 1 FROM report_versions v WHERE v.report_id = reports.id
                     AND v.published_on < coalesce(reports.published_on, '9999'))""",
)


@migrations(name="0011_event_evidence")
def event_evidence(db: Database) -> None:
    """What events and the register rest on: the date each version stated, and which body a
    report served when.

    `report_versions.published_on` (+ evidence) keeps every date a version stated, so a CMS
    re-dating a page on a later edit no longer erases the date the report was published with;
    `reports.published_on` becomes the earliest of them (backfilled from the sightings, which
    recorded every date seen). `served_versions` records each time a report's URL started
    serving a body — a body served again included, which `report_versions` (one row per
    distinct body) cannot show — so a revert is a change like any other.
    `sightings.walk_complete` says whether an unlisted URL was re-checked after a complete walk
    of its source's lists: a `gone` answer is recorded whatever the walk (a move needs it), and
    counts towards removal only then.
    """
    db["report_versions"].add_column("published_on", str)
    db["report_versions"].add_column("published_on_evidence", str)
    db["sightings"].add_column("walk_complete", int)
    # Until now an unlisted URL's `gone` sighting was recorded only after a complete walk.
    db.execute("UPDATE sightings SET walk_complete = 1 WHERE how = 'gone' AND in_list = 0")
    for statement in _STATED_DATES:
        db.execute(statement)
    db["served_versions"].create(
        {"id": int, "report_id": int, "sha256": str, "cycle_id": int, "served_at": str},
        pk="id",
        foreign_keys=[("report_id", "reports", "id"), ("cycle_id", "cycles", "id")],
        not_null={"report_id", "sha256"},
    )
    db["served_versions"].create_index(["report_id"])
    db.execute(
        """INSERT INTO served_versions (report_id, sha256, cycle_id, served_at)
           SELECT v.report_id, v.sha256, c.id, coalesce(v.first_seen_at, r.first_seen_at)
           FROM report_versions v JOIN reports r ON r.id = v.report_id
                LEFT JOIN cycles c ON c.id = v.cycle_id
           ORDER BY v.first_seen_at, v.rowid"""
    )


@migrations(name="0012_completeness")
def completeness(db: Database) -> None:
    """How many records each column states beside how many the crawl reached (issue 14).

    `list_counts`: one row per list page read, written by the crawl; `cycle_sources` gains the
    per-cycle totals and the verdict; `source_status` shows the latest judged one. Columns are
    added with ALTER TABLE (never a table copy); the view is recreated with its old columns first.
    """
    db["list_counts"].create(
        {
            "id": int,
            "cycle_id": int,
            "source_id": str,
            "url": str,
            "family": str,
            "stated_entries": int,
            "stated_total": int,
            "entries": int,
            "reached_entries": int,
            "walk_whole": int,
            "seen_at": str,
        },
        pk="id",
        not_null={"source_id", "url", "entries", "reached_entries", "walk_whole", "seen_at"},
    )
    db["list_counts"].create_index(["cycle_id", "source_id"])
    for column in ("stated_entries", "reached_entries", "incomplete"):
        db.execute(f"ALTER TABLE cycle_sources ADD COLUMN {column} INTEGER")
    db.execute("DROP VIEW IF EXISTS source_status")
    db.create_view("source_status", SOURCE_STATUS_0012)


# 0004's source_status, then the completeness of the source's latest judged walk.
SOURCE_STATUS_0012 = """
SELECT cs.source_id, cs.agency, cs.status AS last_status, cs.cycle_id AS last_cycle,
       c.started_at AS last_cycle_at, cs.reports, cs.message,
       (SELECT count(*) FROM cycle_sources x
         WHERE x.source_id = cs.source_id
           AND x.cycle_id > coalesce((SELECT max(y.cycle_id) FROM cycle_sources y
                                       WHERE y.source_id = cs.source_id AND y.status = 'ok'), 0)
       ) AS failing_cycles,
       j.stated_entries, j.reached_entries, j.incomplete
FROM cycle_sources cs JOIN cycles c ON c.id = cs.cycle_id
LEFT JOIN cycle_sources j
  ON j.source_id = cs.source_id
 AND j.cycle_id = (SELECT max(k.cycle_id) FROM cycle_sources k
                   WHERE k.source_id = cs.source_id AND k.incomplete IS NOT NULL)
WHERE cs.cycle_id = (SELECT max(z.cycle_id) FROM cycle_sources z WHERE z.source_id = cs.source_id)
"""


# 0012's source_status, with the cycles in which a source was not checked (a cycle that failed
# on our side) left out of its failing streak, as archive/health.py counts it.
SOURCE_STATUS_0013 = """
SELECT cs.source_id, cs.agency, cs.status AS last_status, cs.cycle_id AS last_cycle,
       c.started_at AS last_cycle_at, cs.reports, cs.message,
       (SELECT count(*) FROM cycle_sources x
         WHERE x.source_id = cs.source_id AND x.status != 'not_checked'
           AND x.cycle_id > coalesce((SELECT max(y.cycle_id) FROM cycle_sources y
                                       WHERE y.source_id = cs.source_id AND y.status = 'ok'), 0)
       ) AS failing_cycles,
       j.stated_entries, j.reached_entries, j.incomplete
FROM cycle_sources cs JOIN cycles c ON c.id = cs.cycle_id
LEFT JOIN cycle_sources j
  ON j.source_id = cs.source_id
 AND j.cycle_id = (SELECT max(k.cycle_id) FROM cycle_sources k
                   WHERE k.source_id = cs.source_id AND k.incomplete IS NOT NULL)
WHERE cs.cycle_id = (SELECT max(z.cycle_id) FROM cycle_sources z WHERE z.source_id = cs.source_id)
"""


@migrations(name="0013_not_checked")
def not_checked(db: Database) -> None:
    """A source is `not_checked` in a cycle that failed on our side: no failing cycle of its."""
    db.execute("DROP VIEW IF EXISTS source_status")
    db.create_view("source_status", SOURCE_STATUS_0013)


@migrations(name="0014_aliases_issuers")
def aliases_issuers(db: Database) -> None:
    """One report, one row; and whose report it is.

    `report_aliases` keeps the other URLs at which a source serves a known report (a tracking
    parameter no list of names knew, say): met for the first time, such a URL served the same
    bytes or the same text as the report, and is that report rather than a new one.
    `issuer` / `issuer_evidence` / `repost`: the agency a report names as its issuer, and
    whether that is another agency's report reposted in the source's column (the register
    counts only the source's own). Archives made before this learn their reports' issuers as
    the reports are re-verified.
    """
    db["report_aliases"].create(
        {"report_id": int, "url": str, "first_seen_at": str, "cycle_id": int, "how": str},
        pk=("report_id", "url"),
        foreign_keys=[("report_id", "reports", "id"), ("cycle_id", "cycles", "id")],
        not_null={"how"},
    )
    db["report_aliases"].create_index(["url"])
    # Whose report: the issuer the report names, where that was read, and whether it is not the
    # source's own agency (set by the register each cycle, from the config's names).
    for table in ("reports", "sightings"):
        db[table].add_column("issuer", str)
        db[table].add_column("issuer_evidence", str)
    db["reports"].add_column("repost", int, not_null_default=0)


@migrations(name="0015_search_index")
def search_index_0015(db: Database) -> None:
    """Chinese search of any length >= 2 characters through an FTS5 index (archive/search.py):
    `search_index` (contentless FTS5 over overlapping character pairs) and `search_docs` (what
    each indexed row is), kept in step by triggers, filled here from the archive's texts."""
    search.create(db)
    # The indexes Datasette's declared facets and the canned queries need on a national
    # archive (make bench-query; each checked with EXPLAIN QUERY PLAN): a facet is a GROUP BY,
    # `coverage` a pass over reports, `edited_reports` and `failing_checks` a filter.
    for table, columns in _BROWSING_INDEXES:
        db[table].create_index(columns, if_not_exists=True)
    # `coverage` lists each source's reposts: the few rows with repost = 1, in year order.
    db.execute(
        "CREATE INDEX IF NOT EXISTS reports_reposts ON reports (year, source_id, agency, issuer) "
        "WHERE repost = 1"
    )


_BROWSING_INDEXES = (
    ("reports", ["status"]),
    ("reports", ["regime"]),
    ("reports", ["source_id", "agency", "year", "published_on", "status", "repost"]),
    ("events", ["kind", "report_id"]),
    ("register", ["kind"]),
    ("cycle_sources", ["status"]),
    ("check_results", ["passed"]),
)


@migrations(name="0016_coverage_summary")
def coverage_summary(db: Database) -> None:
    """`coverage_summary`: per source, agency and report year, the cell Datasette's `coverage`
    matrix shows and the year's reposts (archive/coverage.py), kept in step by triggers on
    `reports` and filled here, so the matrix reads its first rows through a primary key instead
    of aggregating every report (5.5 s at 1.5 M reports). The reposts' partial index served only
    the old query.

    `reports_agency_year`: the `indicator` query reads a common indicator report by report in
    agency and year order, so Datasette stops after its first page instead of sorting every
    report's value."""
    coverage.create(db)
    db.execute("DROP INDEX IF EXISTS reports_reposts")
    db.execute("CREATE INDEX IF NOT EXISTS reports_agency_year ON reports (agency, year)")


@migrations(name="0017_crawl_extraction")
def crawl_extraction(db: Database) -> None:
    """What the crawl's describing worker already read of a new report page (its text,
    statistics and checks), staged by body and by the year the statistics were read for,
    until the cycle's extraction moves it into `report_versions`, `stat_values` and
    `check_results` (archive/crawl_extraction.py). Emptied by every cycle's extraction."""
    for statement in _CRAWL_EXTRACTION:
        db.execute(statement)


_CRAWL_EXTRACTION = (
    """CREATE TABLE crawl_extractions (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        year INTEGER,
        content_type TEXT,
        cycle_id INTEGER,
        text TEXT NOT NULL,
        text_sha256 TEXT NOT NULL,
        regime TEXT
    )""",
    "CREATE INDEX crawl_extractions_sha256 ON crawl_extractions (sha256)",
    """CREATE TABLE crawl_stat_values (
        extraction_id INTEGER NOT NULL REFERENCES crawl_extractions (id),
        position INTEGER NOT NULL,
        cell_id INTEGER NOT NULL REFERENCES stat_cells (id),
        value REAL,
        PRIMARY KEY (extraction_id, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE crawl_check_results (
        extraction_id INTEGER NOT NULL REFERENCES crawl_extractions (id),
        position INTEGER NOT NULL,
        name_id INTEGER NOT NULL REFERENCES check_names (id),
        passed INTEGER,
        expected REAL,
        actual REAL,
        detail TEXT,
        PRIMARY KEY (extraction_id, position)
    ) WITHOUT ROWID""",
)


@migrations(name="0018_last_verified")
def last_verified(db: Database) -> None:
    """Quiet nights cost almost nothing on disk (archive/verified.py).

    `last_verified`: an exchange that only confirmed what the fetch log already holds (a 304,
    or a 200 with the same body, same status class, no redirect, no note) updates one row per
    logged exchange in place — the last cycle, time, status, how many times, and the heads by
    reference — instead of adding a `fetches` row every night. `last_seen`: a report seen
    unchanged (listed, 304, or the same body described the same) updates one row per report in
    place instead of adding a `sightings` row. Both are keyed by integers (the row ids), so a
    record costs no second index; detection reads them beside the cycle's sightings.
    """
    db["last_verified"].create(
        {
            "fetch_id": int,
            "cycle_id": int,
            "verified_at": str,
            "status": int,
            "verifications": int,
            "etag": str,
            "last_modified": str,
            "if_none_match": str,
            "if_modified_since": str,
            "request_headers": int,
            "response_headers": int,
            "response_date": str,
            "ip_address": str,
        },
        pk="fetch_id",
        foreign_keys=[
            ("fetch_id", "fetches", "id"),
            ("cycle_id", "cycles", "id"),
            ("request_headers", "header_blocks", "id"),
            ("response_headers", "header_blocks", "id"),
        ],
        not_null={"verified_at", "status", "verifications"},
    )
    db["last_verified"].create_index(["cycle_id"])
    db["last_seen"].create(
        {
            "report_id": int,
            "cycle_id": int,
            "seen_at": str,
            "how": str,
            "in_list": int,
            "http_status": int,
            "walk_complete": int,
            "list_url": str,
            "list_title": str,
        },
        pk="report_id",
        foreign_keys=[("report_id", "reports", "id"), ("cycle_id", "cycles", "id")],
        not_null={"seen_at", "how", "in_list"},
    )
    db["last_seen"].create_index(["cycle_id"])


@migrations(name="0019_smaller")
def smaller(db: Database) -> None:
    """Each distinct text stored once (`texts`); `report_versions` becomes a view, same columns.

    A version is a distinct body, and a body that changes every night only in a visit counter,
    or a report reposted by another agency, has the same extracted text as the one before:
    each copy of it was the whole text again (texts are over half of the database without its
    search index). Now a
    version names its text by `text_sha256` (which it always held), `texts` holds each text
    once, and the view joins them back, so `SELECT text FROM report_versions` and every
    writer's INSERT, UPDATE and DELETE still work (the triggers below store through it).
    The versions' own rows lose their text and are keyed by (report_id, sha256) alone
    (WITHOUT ROWID: no second copy of the key in an index). They declare no foreign keys, as
    `fetches` does not: rows an archive holds are copied as they are, never refused.
    """
    before = db.execute("SELECT count(*), count(text) FROM report_versions").fetchone()
    keyless = db.execute(
        "SELECT count(*) FROM report_versions WHERE report_id IS NULL OR sha256 IS NULL"
    ).fetchone()[0]
    if keyless:  # a version is a report's body: such a row was never written by Gongkai
        raise RuntimeError(
            f"0019_smaller: {keyless} report_versions rows have no report_id or sha256; "
            "delete them and run again"
        )
    # A text stored without its digest (no writer did, but an archive is kept whole) gets one.
    for rowid, text in db.execute(
        "SELECT rowid, text FROM report_versions WHERE text IS NOT NULL AND text_sha256 IS NULL"
    ).fetchall():
        digest = hashlib.sha256(text.encode()).hexdigest()
        db.execute("UPDATE report_versions SET text_sha256 = ? WHERE rowid = ?", [digest, rowid])
    table = [(row[1], row[2]) for row in db.execute("PRAGMA table_info(report_versions)")]
    for statement in _smaller_statements(table):
        db.execute(statement)
    after = db.execute("SELECT count(*), count(text) FROM report_versions").fetchone()
    if after != before:  # never: every row and text is copied above; refuse rather than lose
        raise RuntimeError(f"0019_smaller: versions and texts {before} became {after}")


# Everything below is 0019's and frozen with it.
# A text is stored under its digest: a writer gives both (SQLite has no SHA-256 to check them).
_TEXT_RULES = """
        SELECT RAISE(ABORT, 'report_versions: a text needs its text_sha256')
         WHERE NEW.text IS NOT NULL AND NEW.text_sha256 IS NULL;
        INSERT INTO texts (sha256, text) SELECT NEW.text_sha256, NEW.text
         WHERE NEW.text IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM texts WHERE sha256 = NEW.text_sha256)"""
# A text set to NULL takes its digest with it (the digest is the text's: `reextract` reads
# a version without one again).
_NEW_VERSION_VALUE = {
    "text_sha256": "CASE WHEN NEW.text IS NULL AND OLD.text IS NOT NULL THEN NULL "
    "ELSE NEW.text_sha256 END"
}
# An INSERT OR IGNORE of a version already recorded changes nothing, its text and index included.
_THIS_VERSION = "SELECT 1 FROM versions WHERE report_id = NEW.report_id AND sha256 = NEW.sha256"
_QUEUE_VERSION_TEXT = """INSERT INTO search_queue (kind, report_id, sha256, attachment_id)
        SELECT 'text', NEW.report_id, NEW.sha256, NULL WHERE NEW.text IS NOT NULL"""
# A deleted version's text goes with it when no other version names it (a scan: deleting is
# rare); a text re-extraction replaced is dropped by `reextract`, in one pass at its end.
_DROP_UNUSED_TEXT = """DELETE FROM texts WHERE sha256 = OLD.text_sha256
         AND NOT EXISTS (SELECT 1 FROM versions WHERE text_sha256 = OLD.text_sha256);"""


def _smaller_statements(table: list[tuple[str, str]]) -> tuple[str, ...]:
    """0019's statements for a `report_versions` table of these (column, type)s, in order:
    whatever columns a migration before it added are carried over, in their place."""
    own = [(name, kind) for name, kind in table if name != "text"]
    names = [name for name, _ in own]
    columns = ", ".join(names)
    declared = ",\n        ".join(
        f"{name} {kind or ''} NOT NULL" if name in ("report_id", "sha256") else f"{name} {kind}"
        for name, kind in own
    )
    # The text by a subquery, not a join: a one-table view is flattened into any query, also
    # as the right side of a LEFT JOIN, where a view that joins would be materialized whole
    # (every text read: the search query's LEFT JOIN went from 0.1 to 0.4 s at 5,000 reports).
    view = ", ".join(
        "(SELECT text FROM texts WHERE sha256 = v.text_sha256) AS text"
        if name == "text"
        else f"v.{name}"
        for name, _ in table
    )
    assignments = ", ".join(f"{c} = {_NEW_VERSION_VALUE.get(c, f'NEW.{c}')}" for c in names)
    return (
        """CREATE TABLE texts (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL
    )""",
        """INSERT INTO texts (sha256, text)
       SELECT text_sha256, text FROM report_versions
       WHERE text IS NOT NULL AND text_sha256 IS NOT NULL
       GROUP BY text_sha256 ORDER BY min(rowid)""",
        f"""CREATE TABLE versions (
        {declared},
        PRIMARY KEY (report_id, sha256)
    ) WITHOUT ROWID""",
        f"INSERT INTO versions ({columns}) SELECT {columns} FROM report_versions ORDER BY rowid",
        "DROP TABLE report_versions",  # its triggers and indexes with it
        "CREATE INDEX versions_owed ON versions (extracted_at) WHERE extracted_at IS NULL",
        f"CREATE VIEW report_versions AS SELECT {view} FROM versions v",
        """CREATE TRIGGER versions_number AFTER INSERT ON versions BEGIN
        INSERT OR IGNORE INTO version_ids (report_id, sha256) VALUES (NEW.report_id, NEW.sha256);
    END""",
        f"""CREATE TRIGGER report_versions_insert INSTEAD OF INSERT ON report_versions BEGIN
        {_QUEUE_VERSION_TEXT} AND NOT EXISTS ({_THIS_VERSION});
        {_TEXT_RULES} AND NOT EXISTS ({_THIS_VERSION});
        INSERT INTO versions ({columns})
        VALUES ({", ".join(f"NEW.{c}" for c in names)});
    END""",
        f"""CREATE TRIGGER report_versions_update INSTEAD OF UPDATE ON report_versions BEGIN
        SELECT RAISE(ABORT, 'report_versions: a new text needs its text_sha256')
         WHERE NEW.text IS NOT NULL AND NEW.text IS NOT OLD.text
           AND NEW.text_sha256 IS OLD.text_sha256;
        {_TEXT_RULES};
        UPDATE versions SET {assignments}
         WHERE report_id = OLD.report_id AND sha256 = OLD.sha256;
        DELETE FROM search_docs
         WHERE report_id = OLD.report_id AND kind = 'text' AND sha256 = OLD.sha256
           AND (NEW.text IS NOT OLD.text OR NEW.report_id IS NOT OLD.report_id
                OR NEW.sha256 IS NOT OLD.sha256);
        INSERT INTO search_queue (kind, report_id, sha256, attachment_id)
        SELECT 'text', NEW.report_id, NEW.sha256, NULL
         WHERE NEW.text IS NOT NULL AND (NEW.text IS NOT OLD.text
               OR NEW.report_id IS NOT OLD.report_id OR NEW.sha256 IS NOT OLD.sha256);
    END""",
        f"""CREATE TRIGGER report_versions_delete INSTEAD OF DELETE ON report_versions BEGIN
        DELETE FROM versions WHERE report_id = OLD.report_id AND sha256 = OLD.sha256;
        {_DROP_UNUSED_TEXT}
        DELETE FROM search_docs
         WHERE report_id = OLD.report_id AND kind = 'text' AND sha256 = OLD.sha256;
    END""",
    )


@migrations(name="0020_first_confirmation")
def first_confirmation(db: Database) -> None:
    """A report's 304 is one record, not two (issue 15 item 4).

    A report re-verified by a 304 had both its fetch's `last_verified` record and a `last_seen`
    row saying the same again: the cycle, the time, the status. The first such night wrote a
    `last_seen` row per report (~60 bytes with its index entry) for nothing the confirmation
    did not hold but whether a list linked the report and whether the walk was complete. Those
    two now sit in the confirmation's row (`in_list`, `walk_complete`: NULL when no sighting of
    the report came with it), and `unchanged_sightings` gives both kinds back as one, which is
    what detection reads. `last_seen` keeps the sightings that are not a 304 at the report's
    own URL (listed, the same body described alike, or a 304 the confirmation cannot stand for).

    `validators_in_front`: a conditional request is the unconditional one with its validator
    lines in front; stored without them (their values are in the row already), its head is
    the block the exchange that brought the body stored, not a new block per list page linking
    the report (Referer) and per host.
    """
    db["last_verified"].add_column("validators_in_front", int)
    db["last_verified"].add_column("in_list", int)
    db["last_verified"].add_column("walk_complete", int)
    db.execute(
        """CREATE VIEW unchanged_sightings AS
        SELECT l.report_id, l.cycle_id, l.seen_at, l.how, l.in_list, l.http_status,
               l.walk_complete, l.list_url, l.list_title
        FROM last_seen l
        UNION ALL
        SELECT r.id, v.cycle_id, v.verified_at, 'not_modified', v.in_list, v.status,
               v.walk_complete, NULL, NULL
        FROM last_verified v JOIN fetches f ON f.id = v.fetch_id
             JOIN reports r ON r.source_id = f.source_id AND r.url = f.url
        WHERE v.in_list IS NOT NULL"""
    )
