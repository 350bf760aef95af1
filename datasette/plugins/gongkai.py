"""Datasette plugin for the Gongkai archive (loaded by `make serve` with --plugins-dir).

Datasette keys metadata by database name, which is the file's stem: data/demo.db is `demo`,
data/archive.db is `archive`. metadata.yml describes the archive once, as `archive`; this plugin
gives that block to every database served, whatever its file is called. It also turns the
`diff_event` column of the edited_reports query into a link to that event's row, whose `detail`
is the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

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
