"""Chinese search of any length >= 2 characters: an FTS5 index of overlapping character pairs.

Chinese has no spaces, so a word index cannot find 复议 inside 申请行政复议; FTS5's trigram index
misses every 2-character term. Here each indexed text is rewritten as the sequence of its
overlapping 2-character pairs (政府信息 → `政府 府信 信息`) after dropping whitespace (a PDF breaks
lines anywhere, mid-word), and a standard tokenizer (unicode61, whose token characters are
set to every letter, digit, mark, punctuation and symbol) indexes each pair as one token. So:

- a 2-character term is one token: one index lookup;
- a longer term is the phrase of its pairs (政府信息公开 → `"政府 府信 信息 息公 公开"`), which
  matches exactly the texts that contain the term once whitespace is dropped — Latin and
  digits included (2023年 → `"20 02 23 3年"`), a term spanning a line break too;
- a 1-character term has no pair: the canned query falls back to a scan for it.

The table is contentless (`search_index`: the pairs are not stored, only the index): the text
stays in `report_versions`, `attachments` and `reports`. `search_docs` says what each indexed
row is (a report's title, a version's text, an attached file's text).

Kept in step by plain SQL triggers, which work on any connection (a user's SQLite client
included): a text written, replaced or deleted drops its `search_docs` row at once — so lost
text is never found — and queues the new text in `search_queue`; `sync`, called by every writer
of those texts in archive/ once it has written them (detection and attachment tying once per
cycle step, extraction per version in its transaction), indexes what is queued. A crash leaves
the queue and the texts consistent: the next `sync` (any cycle's) indexes what was left. A text
replaced in place (re-extraction) leaves its old row in the index, unreachable (its
`search_docs` row is gone, and ids are never reused): a contentless table of this SQLite cannot
delete without being given the old pairs; `rebuild`, run by `reextract`, drops those.
`verify` (the command) names any text the index lacks and any row whose text is gone.
"""

from __future__ import annotations

import array
import sqlite3
import sys
from collections.abc import Iterator

from sqlite_utils import Database

from archive.blobs import Problem

# Dropped before pairing, in SQL as here (the canned query strips the same from the term).
WHITESPACE = "\n\r\t \u3000\xa0"
_UTF32 = f"utf-32-{sys.byteorder[0]}e"  # array's native order: utf-32-le or utf-32-be
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co'"


def normalize(text: str) -> str:
    """The text as it is searched: without whitespace.

    One `replace` per character, not `str.translate`: translate maps a non-ASCII string one
    code point at a time through a dict (0.39 ms for a report's ~6,700 characters, measured),
    replace is a C scan (0.02 ms), and every text a cycle writes goes through here."""
    for character in WHITESPACE:
        text = text.replace(character, "")
    return text


def search_terms(text: str | None) -> str | None:
    """The text as the index sees it: its overlapping character pairs, space-separated."""
    if text is None:
        return None
    flat = normalize(text)
    count = len(flat) - 1
    if count < 1:
        return ""
    # Interleaved as 4-byte code points: 3.5× faster than joining Python strings, and indexing
    # is a migration's (and reextract's) whole cost on a large archive.
    codes = array.array("I", flat.encode(_UTF32))
    pairs = array.array("I", bytes(12 * count))
    pairs[0::3] = codes[:-1]
    pairs[1::3] = codes[1:]
    pairs[2::3] = array.array("I", [ord(" ")]) * count
    return pairs.tobytes().decode(_UTF32)[:-1]


def phrase(term: str) -> str | None:
    """The FTS5 MATCH expression for `term` (None below 2 characters: scan for those)."""
    pairs = search_terms(term) or ""
    if not pairs:
        return None
    return '"' + pairs.replace('"', '""') + '"'


_QUEUE = (
    "INSERT INTO search_queue (kind, report_id, sha256, attachment_id) SELECT {values} "
    "WHERE {when};"
)
_QUEUE_TEXT = _QUEUE.format(
    values="'text', NEW.report_id, NEW.sha256, NULL", when="NEW.text IS NOT NULL"
)
_TRIGGERS = {
    "search_report_insert": f"""AFTER INSERT ON reports BEGIN
        {_QUEUE.format(values="'title', NEW.id, NULL, NULL", when="NEW.title IS NOT NULL")}
    END""",
    "search_report_title": f"""AFTER UPDATE OF title ON reports
        WHEN NEW.title IS NOT OLD.title BEGIN
        DELETE FROM search_docs WHERE report_id = OLD.id AND kind = 'title';
        {_QUEUE.format(values="'title', NEW.id, NULL, NULL", when="NEW.title IS NOT NULL")}
    END""",
    "search_report_delete": """AFTER DELETE ON reports BEGIN
        DELETE FROM search_docs WHERE report_id = OLD.id AND kind = 'title';
    END""",
    "search_version_insert": f"""AFTER INSERT ON report_versions BEGIN
        {_QUEUE_TEXT}
    END""",
    "search_version_text": f"""AFTER UPDATE OF text, report_id, sha256 ON report_versions
        WHEN NEW.text IS NOT OLD.text OR NEW.report_id IS NOT OLD.report_id
          OR NEW.sha256 IS NOT OLD.sha256 BEGIN
        DELETE FROM search_docs
         WHERE report_id = OLD.report_id AND kind = 'text' AND sha256 = OLD.sha256;
        {_QUEUE_TEXT}
    END""",
    "search_version_delete": """AFTER DELETE ON report_versions BEGIN
        DELETE FROM search_docs
         WHERE report_id = OLD.report_id AND kind = 'text' AND sha256 = OLD.sha256;
    END""",
    "search_attachment_insert": f"""AFTER INSERT ON attachments BEGIN
        {
        _QUEUE.format(
            values="'attachment', NEW.report_id, NULL, NEW.id",
            when="NEW.text IS NOT NULL AND NEW.report_id IS NOT NULL",
        )
    }
    END""",
    "search_attachment_text": f"""AFTER UPDATE OF text, report_id ON attachments
        WHEN NEW.text IS NOT OLD.text OR NEW.report_id IS NOT OLD.report_id BEGIN
        DELETE FROM search_docs WHERE attachment_id = OLD.id;
        {
        _QUEUE.format(
            values="'attachment', NEW.report_id, NULL, NEW.id",
            when="NEW.text IS NOT NULL AND NEW.report_id IS NOT NULL",
        )
    }
    END""",
    "search_attachment_delete": """AFTER DELETE ON attachments BEGIN
        DELETE FROM search_docs WHERE attachment_id = OLD.id;
    END""",
}
_TEXT = {
    "title": "SELECT title FROM reports WHERE id = ?",
    "text": "SELECT text FROM report_versions WHERE report_id = ? AND sha256 = ?",
    "attachment": "SELECT text FROM attachments WHERE id = ? AND report_id = ?",
}
_DOC = {
    "title": "DELETE FROM search_docs WHERE report_id = ? AND kind = 'title'",
    "text": "DELETE FROM search_docs WHERE report_id = ? AND kind = 'text' AND sha256 = ?",
    "attachment": "DELETE FROM search_docs WHERE attachment_id = ?",
}


def create(db: Database) -> None:
    """The index's tables and triggers (migration 0015), filled from the archive's texts."""
    db.execute(
        """CREATE TABLE search_docs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            report_id INTEGER NOT NULL,
            sha256 TEXT,
            attachment_id INTEGER
        )"""
    )
    db.execute("CREATE INDEX search_docs_report ON search_docs (report_id, kind, sha256)")
    db.execute("CREATE INDEX search_docs_attachment ON search_docs (attachment_id)")
    db.execute(
        """CREATE TABLE search_queue (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            report_id INTEGER,
            sha256 TEXT,
            attachment_id INTEGER
        )"""
    )
    db.execute(
        f'CREATE VIRTUAL TABLE search_index USING fts5(terms, content="", tokenize="{TOKENIZER}")'
    )
    for name, body in _TRIGGERS.items():
        db.execute(f"CREATE TRIGGER {name} {body}")
    fill(db)


def _add(conn: sqlite3.Connection, kind: str, report_id: int, sha256, attachment_id, text) -> None:
    doc = conn.execute(
        "INSERT INTO search_docs (kind, report_id, sha256, attachment_id) VALUES (?, ?, ?, ?)",
        [kind, report_id, sha256, attachment_id],
    ).lastrowid
    conn.execute("INSERT INTO search_index (rowid, terms) VALUES (?, ?)", [doc, search_terms(text)])


def sync(db: Database) -> int:
    """Index the texts the triggers queued (in the caller's transaction); return how many.

    Each entry is read again from its table: what is indexed is what is there now, however
    often it changed since it was queued."""
    conn = db.conn
    queued = conn.execute(
        "SELECT id, kind, report_id, sha256, attachment_id FROM search_queue ORDER BY id"
    ).fetchall()
    if not queued:
        return 0
    done: set[tuple] = set()
    with db.atomic():  # a savepoint inside the caller's transaction, if it has one
        for _, kind, report_id, sha256, attachment_id in queued:
            key = (kind, report_id, sha256, attachment_id)
            if key in done:
                continue
            done.add(key)
            keys = {
                "title": [report_id],
                "text": [report_id, sha256],
                "attachment": [attachment_id],
            }
            conn.execute(_DOC[kind], keys[kind])
            args = [attachment_id, report_id] if kind == "attachment" else keys[kind]
            row = conn.execute(_TEXT[kind], args).fetchone()
            if row and row[0] is not None:
                _add(conn, kind, report_id, sha256, attachment_id, row[0])
        conn.execute("DELETE FROM search_queue WHERE id <= ?", [queued[-1][0]])
    return len(done)


def fill(db: Database) -> int:
    """Index every title, version text and attached file's text; return how many rows."""
    conn = db.conn
    sources = (
        ("SELECT 'title', id, NULL, NULL, title FROM reports WHERE title IS NOT NULL "
         "ORDER BY id"),
        ("SELECT 'text', v.report_id, v.sha256, NULL, v.text FROM report_versions v "
         "JOIN version_ids n ON n.report_id = v.report_id AND n.sha256 = v.sha256 "
         "WHERE v.text IS NOT NULL ORDER BY n.id"),  # a view since 0019: no rowid
        ("SELECT 'attachment', report_id, NULL, id, text FROM attachments "
         "WHERE text IS NOT NULL AND report_id IS NOT NULL ORDER BY id"),
    )  # fmt: skip
    count = 0
    for sql in sources:
        for row in conn.execute(sql):
            _add(conn, *row)
            count += 1
    conn.execute("DELETE FROM search_queue")
    return count


def rebuild(db: Database) -> int:
    """Empty the index and fill it again from the texts (after `reextract`); return rows."""
    with db.atomic():
        db.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")
        db.execute("DELETE FROM search_docs")
        count = fill(db)
        db.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")
    return count


def unindexed(db: Database) -> int:
    """How many texts the index lacks: 0 once `sync` has run (`verify` names each)."""
    return db.execute(
        """SELECT (SELECT count(*) FROM reports WHERE title IS NOT NULL)
                + (SELECT count(*) FROM report_versions WHERE text IS NOT NULL)
                + (SELECT count(*) FROM attachments
                   WHERE text IS NOT NULL AND report_id IS NOT NULL)
                - (SELECT count(*) FROM search_docs)"""
    ).fetchone()[0]


# Per kind, where each text the index lacks is (in neither `search_docs` nor `search_queue`):
# a text a search never finds.
_MISSING = {
    "title": """SELECT 'reports id=' || r.id FROM reports r
        WHERE r.title IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM search_docs d
                          WHERE d.report_id = r.id AND d.kind = 'title')
          AND NOT EXISTS (SELECT 1 FROM search_queue q
                          WHERE q.report_id = r.id AND q.kind = 'title')""",
    "text": """SELECT 'report_versions report_id=' || v.report_id
                || ' sha256=' || v.sha256 FROM report_versions v
        WHERE v.text IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.report_id = v.report_id
                          AND d.kind = 'text' AND d.sha256 = v.sha256)
          AND NOT EXISTS (SELECT 1 FROM search_queue q WHERE q.report_id = v.report_id
                          AND q.kind = 'text' AND q.sha256 = v.sha256)""",
    "attachment": """SELECT 'attachments id=' || a.id FROM attachments a
        WHERE a.text IS NOT NULL AND a.report_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.attachment_id = a.id)
          AND NOT EXISTS (SELECT 1 FROM search_queue q
                          WHERE q.attachment_id = a.id AND q.kind = 'attachment')""",
}
# A `search_docs` row whose text is gone (a search would return a report for text it lost),
# or whose row the FTS5 index lacks (a search never finds that text).
_STALE = """SELECT d.id, d.kind, d.report_id FROM search_docs d
    WHERE CASE d.kind
      WHEN 'title' THEN NOT EXISTS (SELECT 1 FROM reports r
                                    WHERE r.id = d.report_id AND r.title IS NOT NULL)
      WHEN 'text' THEN NOT EXISTS (SELECT 1 FROM report_versions v WHERE v.report_id = d.report_id
                                   AND v.sha256 = d.sha256 AND v.text IS NOT NULL)
      ELSE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = d.attachment_id
                       AND a.report_id = d.report_id AND a.text IS NOT NULL)
    END"""
_UNMATCHED = """SELECT d.id, d.kind, d.report_id FROM search_docs d
    WHERE d.id NOT IN (SELECT rowid FROM search_index)"""


def verify(db: Database) -> Iterator[Problem]:
    """What `verify` finds wrong with the search index: texts it lacks (not queued either),
    rows for texts that no longer exist or that FTS5 does not hold, and FTS5's own integrity
    check. Nothing is found after any cycle; a broken index is rebuilt by `reextract`."""
    for kind, sql in _MISSING.items():
        for (where,) in db.execute(sql):
            yield Problem(
                where, f"{'title' if kind == 'title' else 'text'} not in the search index"
            )
    for doc_id, kind, report_id in db.execute(_STALE):
        yield Problem(
            f"search_docs id={doc_id}", f"indexes a {kind} of report {report_id} that is gone"
        )
    for doc_id, kind, report_id in db.execute(_UNMATCHED):
        yield Problem(
            f"search_docs id={doc_id}",
            f"the {kind} of report {report_id} has no row in search_index",
        )
    try:
        db.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as error:
        yield Problem("search_index", f"FTS5 integrity check failed: {error}")
