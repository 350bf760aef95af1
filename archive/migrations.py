"""The archive's schema, as a sequence of sqlite-utils migrations.

An applied migration is never edited: users' archives were built with it. Change the schema by
adding `0002_…`, and document every new table and column in the README (a test checks that).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

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
