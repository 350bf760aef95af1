"""Datasette plugin for the Gongkai archive (loaded by `make serve` with --plugins-dir).

Datasette keys metadata by database name, which is the file's stem: data/demo.db is `demo`,
data/archive.db is `archive`. metadata.yml describes the archive once, as `archive`; this plugin
gives that block to every database served, whatever its file is called. It also turns the
`diff_event` column of the edited_reports query into a link to that event's row, whose `detail`
is the diff.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote

import yaml
from markupsafe import Markup, escape

from datasette import hookimpl

METADATA = Path(__file__).resolve().parent.parent / "metadata.yml"
# Kept as JSON text: Datasette merges what this hook returns in place, so each call gets a copy.
_ARCHIVE = json.dumps(yaml.safe_load(METADATA.read_text("utf-8"))["databases"]["archive"])


@hookimpl
def get_metadata(datasette, key, database, table):
    names = [database] if database else list(datasette.databases)
    archive = [name for name in names if not name.startswith("_")]
    return {"databases": {name: json.loads(_ARCHIVE) for name in archive}}


@hookimpl
def render_cell(value, column, table, database, datasette):
    if table is None and column == "diff_event" and isinstance(value, int):
        href = datasette.urls.row(database, "events", str(value))
        return Markup(f'<a href="{escape(href)}">event #{value}</a>')
    return None


# Table pages whose row count or facet suggestions cost seconds on a national archive (each is
# a pass over millions of rows): metadata.yml marks them per table, under `plugins: gongkai:`
# (`count: false`, `suggest: false`, `facets: false`), and this adds Datasette's own `_nocount`,
# `_nosuggest` and `_nofacet` to their pages' addresses unless the address says otherwise
# (`_count=1` asks for the count after all). Declared facets that have an index stay.
_TABLE_PAGE = re.compile(r"^/([^/]+)/([^/.]+)(\.json|\.csv)?$")
_FLAGS = {"count": "_nocount", "suggest": "_nosuggest", "facets": "_nofacet"}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def fast_pages(scope, receive, send):
            if scope.get("type") == "http":
                scope = _with_fast_flags(datasette, scope)
            await app(scope, receive, send)

        return fast_pages

    return wrap


def _with_fast_flags(datasette, scope: dict) -> dict:
    match = _TABLE_PAGE.match(scope.get("path", ""))
    if not match:
        return scope
    database, table = unquote(match.group(1)), unquote(match.group(2))
    if database not in datasette.databases:
        return scope
    config = datasette.plugin_config("gongkai", database=database, table=table) or {}
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    added = [
        f"{flag}=1"
        for key, flag in _FLAGS.items()
        if config.get(key) is False and flag not in query and "_" + key not in query
    ]
    if not added:
        return scope
    string = scope.get("query_string", b"").decode("latin-1")
    joined = "&".join(filter(None, [string, *added]))
    return {**scope, "query_string": joined.encode("latin-1")}
