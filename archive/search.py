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
row is (a report's title, a version's text, an attachment's text). Triggers keep both in step
with every write of those texts, wherever it happens, in the writer's transaction — so a
crash never leaves the index and the texts apart — calling `search_terms`, which `open_db`
registers on its connection. A text replaced in place (re-extraction) leaves its old row in
the index, unreachable (its `search_docs` row is gone, and ids are never reused): a contentless
table of this SQLite cannot delete without being given the old pairs. `rebuild` (run by
`reextract`) drops those.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

FUNCTION = "gongkai_search_terms"
# Dropped before pairing, in SQL as here (the canned query strips the same from the term).
WHITESPACE = "\n\r\t \u3000\xa0"
_DROP = str.maketrans("", "", WHITESPACE)
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co'"


def normalize(text: str) -> str:
    """The text as it is searched: without whitespace."""
    return text.translate(_DROP)


def search_terms(text: str | None) -> str | None:
    """The text as the index sees it: its overlapping character pairs, space-separated."""
    if text is None:
        return None
    flat = normalize(text)
    return " ".join(map(str.__add__, flat, flat[1:]))


def phrase(term: str) -> str | None:
    """The FTS5 MATCH expression for `term` (None below 2 characters: scan for those)."""
    pairs = search_terms(term) or ""
    if not pairs:
        return None
    return '"' + pairs.replace('"', '""') + '"'


def register(conn: sqlite3.Connection) -> None:
    """Make the triggers' function available on this connection (every writer needs it)."""
    conn.create_function(FUNCTION, 1, search_terms, deterministic=True)


def _sql_norm(expr: str) -> str:
    """SQL that drops WHITESPACE from `expr`, as `normalize` does."""
    for char in WHITESPACE:
        expr = f"replace({expr}, char({ord(char)}), '')"
    return expr


_ADD = (
    "INSERT INTO search_docs (kind, report_id, sha256, attachment_id) VALUES ({values});\n"
    "INSERT INTO search_index (rowid, terms) "
    f"VALUES (last_insert_rowid(), {FUNCTION}({{text}}));"
)
_TRIGGERS = {
    "search_report_insert": f"""AFTER INSERT ON reports WHEN NEW.title IS NOT NULL BEGIN
        {_ADD.format(values="'title', NEW.id, NULL, NULL", text="NEW.title")}
    END""",
    "search_report_title": f"""AFTER UPDATE OF title ON reports
        WHEN NEW.title IS NOT OLD.title BEGIN
        DELETE FROM search_docs WHERE kind = 'title' AND report_id = OLD.id;
        {_ADD.format(values="'title', NEW.id, NULL, NULL", text="NEW.title")}
    END""",
    "search_report_delete": """AFTER DELETE ON reports BEGIN
        DELETE FROM search_docs WHERE kind = 'title' AND report_id = OLD.id;
    END""",
    "search_version_insert": f"""AFTER INSERT ON report_versions
        WHEN NEW.text IS NOT NULL BEGIN
        {_ADD.format(values="'text', NEW.report_id, NEW.sha256, NULL", text="NEW.text")}
    END""",
    "search_version_text": f"""AFTER UPDATE OF text ON report_versions
        WHEN NEW.text IS NOT OLD.text BEGIN
        DELETE FROM search_docs
         WHERE kind = 'text' AND report_id = OLD.report_id AND sha256 = OLD.sha256;
        INSERT INTO search_docs (kind, report_id, sha256, attachment_id)
        SELECT 'text', NEW.report_id, NEW.sha256, NULL WHERE NEW.text IS NOT NULL;
        INSERT INTO search_index (rowid, terms)
        SELECT last_insert_rowid(), {FUNCTION}(NEW.text) WHERE NEW.text IS NOT NULL;
    END""",
    "search_version_delete": """AFTER DELETE ON report_versions BEGIN
        DELETE FROM search_docs
         WHERE kind = 'text' AND report_id = OLD.report_id AND sha256 = OLD.sha256;
    END""",
    "search_attachment_insert": f"""AFTER INSERT ON attachments
        WHEN NEW.text IS NOT NULL AND NEW.report_id IS NOT NULL BEGIN
        {_ADD.format(values="'attachment', NEW.report_id, NULL, NEW.id", text="NEW.text")}
    END""",
    "search_attachment_text": f"""AFTER UPDATE OF text, report_id ON attachments
        WHEN NEW.text IS NOT OLD.text OR NEW.report_id IS NOT OLD.report_id BEGIN
        DELETE FROM search_docs WHERE kind = 'attachment' AND attachment_id = OLD.id;
        INSERT INTO search_docs (kind, report_id, sha256, attachment_id)
        SELECT 'attachment', NEW.report_id, NULL, NEW.id
         WHERE NEW.text IS NOT NULL AND NEW.report_id IS NOT NULL;
        INSERT INTO search_index (rowid, terms)
        SELECT last_insert_rowid(), {FUNCTION}(NEW.text)
         WHERE NEW.text IS NOT NULL AND NEW.report_id IS NOT NULL;
    END""",
    "search_attachment_delete": """AFTER DELETE ON attachments BEGIN
        DELETE FROM search_docs WHERE kind = 'attachment' AND attachment_id = OLD.id;
    END""",
}


def create(db: Database) -> None:
    """The index's tables and triggers (migration 0015), filled from the archive's texts."""
    register(db.conn)
    db.execute(
        """CREATE TABLE search_docs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            report_id INTEGER NOT NULL,
            sha256 TEXT,
            attachment_id INTEGER
        )"""
    )
    db.execute("CREATE INDEX search_docs_version ON search_docs (report_id, kind, sha256)")
    db.execute("CREATE INDEX search_docs_attachment ON search_docs (attachment_id)")
    db.execute(
        f'CREATE VIRTUAL TABLE search_index USING fts5(terms, content="", tokenize="{TOKENIZER}")'
    )
    for name, body in _TRIGGERS.items():
        db.execute(f"CREATE TRIGGER {name} {body}")
    fill(db)


def fill(db: Database) -> int:
    """Index every title, version text and attached file's text; return how many rows."""
    register(db.conn)
    conn = db.conn
    sources = (
        ("SELECT 'title', id, NULL, NULL, title FROM reports WHERE title IS NOT NULL "
         "ORDER BY id"),
        ("SELECT 'text', report_id, sha256, NULL, text FROM report_versions "
         "WHERE text IS NOT NULL ORDER BY rowid"),
        ("SELECT 'attachment', report_id, NULL, id, text FROM attachments "
         "WHERE text IS NOT NULL AND report_id IS NOT NULL ORDER BY id"),
    )  # fmt: skip
    count = 0
    for sql in sources:
        for kind, report_id, sha256, attachment_id, text in conn.execute(sql):
            doc = conn.execute(
                "INSERT INTO search_docs (kind, report_id, sha256, attachment_id) "
                "VALUES (?, ?, ?, ?)",
                [kind, report_id, sha256, attachment_id],
            ).lastrowid
            conn.execute(
                "INSERT INTO search_index (rowid, terms) VALUES (?, ?)", [doc, search_terms(text)]
            )
            count += 1
    return count


def rebuild(db: Database) -> int:
    """Empty the index and fill it again from the texts (after `reextract`); return rows."""
    with db.atomic():
        db.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")
        db.execute("DELETE FROM search_docs")
        count = fill(db)
        db.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")
    return count
