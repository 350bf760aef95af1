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
