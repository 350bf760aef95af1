"""Archived copies in Datasette: every `sha256` cell opens the copy stored under that key.

Pages (DB is the database's name, e.g. `demo`):

    /-/gongkai/DB/copy/SHA256                 the copy: a bar (URL, fetched at, status, content
                                               type, SHA-256 re-computed now) above the body
    /-/gongkai/DB/body/SHA256                 the body alone, as the copy page frames it
    /-/gongkai/DB/raw/SHA256                  the original bytes, byte for byte, as a download
    /-/gongkai/DB/diff/REPORT_ID/SHA_A/SHA_B   the text diff between two versions of a report

Every `sha256` cell links to the copy page (in the blobs table, whose key Datasette links to
the row itself, the `content` cell does). A report's row page lists its versions (the `row.html`
in datasette/templates).

An archived page must never run its scripts or call the live site while someone reads it: the
body of a page is served with a Content-Security-Policy that allows no script and no request
(inline styles and data: images only) and `sandbox`, and framed in an `<iframe sandbox>` without
`allow-scripts`. PDFs go to the browser's viewer; other types download. Read-only like the rest
of `make serve`: the plugin only reads, through the archive's own API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Response
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup, escape
from sqlite_utils import Database

from archive import copies, evidence
from datasette import hookimpl

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SHA_TABLES = frozenset({"reports", "report_versions", "fetches", "attachments", "blobs"})
_SHA = re.compile(r"[0-9a-f]{64}")
# No script, no request to anywhere (not even this server), no forms, no plugins; the sandbox
# also holds when the body is opened on its own, outside the copy page's frame.
BODY_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; sandbox"
)
SAFE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# The fetch log's own columns; any others (headers kept by a later migration) are shown as found.
_FETCH_COLUMNS = {
    "id", "cycle_id", "source_id", "kind", "url", "final_url", "fetched_at", "status", "sha256",
    "content_type", "size", "etag", "last_modified", "note",
    # the heads are shown whole above the log (Copy.headers), not as block ids
    "request_headers", "response_headers", "response_date",
}  # fmt: skip


def path(datasette, database: str, *parts: str) -> str:
    """The URL of one of the plugin's pages (honours Datasette's base_url)."""
    return datasette.urls.path("/".join(("/-/gongkai", quote(database, safe=""), *parts)))


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """The plugin's templates, after a --template-dir's (a user's own row.html still wins)."""
    own = [FileSystemLoader(datasette.template_dir)] if datasette.template_dir else []
    env.loader = ChoiceLoader([*own, FileSystemLoader(str(TEMPLATES)), env.loader])


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A `sha256` cell links to its copy. A foreign key arrives as {"value", "label"}. In the
    blobs table Datasette draws the key itself (a link to the row), so there the `content`
    cell, compressed bytes no one can read, links to the copy instead."""
    if table not in SHA_TABLES:
        return None
    if isinstance(value, dict):
        value = value.get("value")
    if column == "sha256" and isinstance(value, str) and _SHA.fullmatch(value):
        return _copy_link(datasette, database, value, value)
    if table == "blobs" and column == "content" and row is not None:
        sha256 = dict(row).get("sha256")  # a sqlite3.Row: `in` would search its values
        return _copy_link(datasette, database, sha256, "archived copy") if sha256 else None
    return None


def _copy_link(datasette, database: str, sha256: str, text: str) -> Markup:
    href = path(datasette, database, "copy", sha256)
    return Markup(f'<a href="{escape(href)}" title="the archived copy">{escape(text)}</a>')


@hookimpl
def register_routes(datasette):
    sha = r"(?P<sha256>[0-9a-f]{64})"
    base = r"^/-/gongkai/(?P<database>[^/]+)/"
    return [
        (base + "copy/" + sha + "$", copy_page),
        (base + "body/" + sha + "$", body),
        (base + "raw/" + sha + "$", raw),
        (base + r"diff/(?P<report_id>\d+)/(?P<before>[0-9a-f]{64})/(?P<after>[0-9a-f]{64})$",
         diff_page),
    ]  # fmt: skip


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table != "reports" or request is None:
        return {}

    async def versions() -> dict[str, Any]:
        report_id = tilde_decode(request.url_vars.get("pks", ""))
        if not report_id.isdigit():
            return {}
        rows = await _read(datasette, database, lambda db: _versions(db, int(report_id)))
        return {"gongkai_versions": _linked(datasette, database, int(report_id), rows)}

    return versions


def _versions(db: Database, report_id: int) -> list[dict]:
    """The report's versions as `show --versions` lists them, as dicts the page can annotate."""
    try:
        return [asdict(v) for v in evidence.versions(db, report_id)]
    except evidence.NotFound:
        return []


def _linked(datasette, database: str, report_id: int, rows: list[dict]) -> list[dict]:
    """Each version with a link to its copy and, from the second on, to the diff with the one
    before."""
    previous = None
    for row in rows:
        row["copy_url"] = path(datasette, database, "copy", row["sha256"])
        row["diff_url"] = None
        if previous is not None:
            row["diff_url"] = path(
                datasette, database, "diff", str(report_id), previous["sha256"], row["sha256"]
            )
            row["same_text"] = bool(row["text_sha256"]) and (
                row["text_sha256"] == previous["text_sha256"]
            )
        previous = row
    return rows


# ------------------------------------------------------------------------------- the pages


async def copy_page(datasette, request):
    database, copy = await _copy(datasette, request)
    fetches = [
        {"row": f, "url": datasette.urls.row(database, "fetches", str(f["id"])), "extra": _extra(f)}
        for f in copy.fetches
    ]
    context = {
        "database": database,
        "copy": copy,
        "fetch": copy.first_fetch,
        "fetches": fetches,
        "body_url": path(datasette, database, "body", copy.sha256),
        "raw_url": path(datasette, database, "raw", copy.sha256),
        "blob_url": datasette.urls.row(database, "blobs", copy.sha256),
        "report_url": lambda report_id: datasette.urls.row(database, "reports", str(report_id)),
    }
    return Response.html(
        await datasette.render_template("gongkai_copy.html", context, request=request)
    )


async def body(datasette, request):
    """The body as the copy page frames it: a page or text decoded to UTF-8 (the archive's
    charset logic) under the CSP above; a PDF inline; anything else the original bytes."""
    _database, copy = await _copy(datasette, request)
    kind = copy.shown_as
    if kind in (copies.HTML, copies.TEXT):
        mime = "text/html" if kind == copies.HTML else "text/plain"
        return _respond(copies.display_text(copy).encode("utf-8"), f"{mime}; charset=utf-8")
    if kind == copies.PDF:
        return _respond(copy.data, "application/pdf", f'inline; filename="{copy.filename}"')
    return _download(copy)


async def raw(datasette, request):
    _database, copy = await _copy(datasette, request)
    return _download(copy)


async def diff_page(datasette, request):
    database = _database(datasette, request)
    await _allowed(datasette, request, database, "report_versions")
    report_id = int(request.url_vars["report_id"])
    before, after = request.url_vars["before"], request.url_vars["after"]

    def read(db: Database) -> tuple:
        report = db.execute("SELECT title FROM reports WHERE id = ?", [report_id]).fetchone()
        seen = {v["sha256"]: v["first_seen_at"] for v in _versions(db, report_id)}
        return report, seen, copies.text_diff(db, report_id, before, after)

    report, seen, compared = await _read(datasette, database, read)
    if report is None or compared is None:
        raise NotFound(f"report {report_id} has no versions {before} and {after}")

    def version(sha256: str) -> dict:
        copy = path(datasette, database, "copy", sha256)
        return {"sha256": sha256, "first_seen_at": seen[sha256], "url": copy}

    context = {
        "database": database,
        "report_id": report_id,
        "title": report[0],
        "report_url": datasette.urls.row(database, "reports", str(report_id)),
        "before": version(before),
        "after": version(after),
        "lines": [(_line_class(line), line) for line in compared.lines[2:]],
        "unread": compared.unread,
    }
    return Response.html(
        await datasette.render_template("gongkai_diff.html", context, request=request)
    )


# ------------------------------------------------------------------------------- helpers


def _database(datasette, request) -> str:
    name = request.url_vars["database"]
    if name.startswith("_") or name not in datasette.databases:
        raise NotFound(f"no database {name}")
    return name


async def _allowed(datasette, request, database: str, table: str) -> None:
    """The same permissions as browsing the table the bytes come from."""
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, table)), ("view-database", database), "view-instance"],
    )


async def _read(datasette, database: str, read: Callable[[Database], Any]) -> Any:
    """Run `read` on Datasette's own read-only connection, wrapped for the archive's API."""
    return await datasette.get_database(database).execute_fn(lambda conn: read(Database(conn)))


async def _copy(datasette, request) -> tuple[str, copies.Copy]:
    database = _database(datasette, request)
    await _allowed(datasette, request, database, "blobs")
    sha256 = request.url_vars["sha256"]
    copy = await _read(datasette, database, lambda db: copies.load(db, sha256))
    if copy is None:
        raise NotFound(f"nothing is archived under {sha256}")
    return database, copy


def _respond(data: bytes, content_type: str, disposition: str | None = None) -> Response:
    headers = {"Content-Security-Policy": BODY_CSP, **SAFE}
    if disposition:
        headers["Content-Disposition"] = disposition
    return Response(data, headers=headers, content_type=content_type)


def _download(copy: copies.Copy) -> Response:
    if copy.data is None:
        return Response.text(f"{copy.sha256}: {copy.problem}", status=500)
    disposition = f'attachment; filename="{copy.filename}"'
    return _respond(copy.data, "application/octet-stream", disposition)


def _extra(fetch: dict) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in fetch.items() if k not in _FETCH_COLUMNS and v is not None]


def _line_class(line: str) -> str:
    if line.startswith("@@"):
        return "hunk"
    return {"+": "added", "-": "removed"}.get(line[:1], "same")
