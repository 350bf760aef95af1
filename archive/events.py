"""Detection: what this cycle's sightings mean, recorded as `events`.

- `new`: a report not known before. A source's first cycle with reports is its baseline: its
  reports are recorded with baseline = 1 and never alerted, so adding an agency with fifteen
  years of reports does not flood anyone.
- `changed`: a known report's extracted text differs from the text it served before (raw
  bytes alone do not count: visit counters and render timestamps change every night); a revert
  to an earlier text is a change too. The event carries a unified text diff.
- `moved`: a URL never seen before serves a known report — same body, or same year and title —
  whose old URL is known to be gone: no list links it after a complete walk, or it answered
  404/410 or a soft-404. Unseen on an incomplete walk is not gone: a re-post on page 1 while
  the original is still on page 3 is a report of its own (`new`). The report keeps its row,
  history and id.
- `removed`: a known report that no list links any more, whose own URL answered 404/410 or a
  soft-404 page on two consecutive checks with no list linking it, the second after a complete
  walk of the lists (the first may come on an incremental night: it brings that walk forward).
  Servers return false 404s under load; a 5xx or a timeout is never evidence. Its archived
  copies stay; its status becomes `removed`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass

from sqlite_utils import Database

from archive import aliases, reports, search, sightings
from archive.clock import now_iso

CONFIRMATIONS = 2
_DIFF_LINES = 300


def detect(
    db: Database,
    cycle_id: int,
    agencies: dict[str, str],
    lists_complete: set[str],
    set_based: bool = True,
) -> dict[str, int]:
    """Turn the cycle's sightings into report updates and events; return counts per kind.

    `set_based=False` sends every sighting through the per-sighting path (`_Arrivals` says
    why there is another): the equivalence check runs both."""
    counts: Counter[str] = Counter()
    seen = sightings.of_cycle(db, cycle_id)
    listed = {(s["source_id"], s["url"]) for s in seen if s["in_list"]}
    gone = {(s["source_id"], s["url"]) for s in seen if s["how"] == sightings.GONE}
    walked = {s["source_id"] for s in seen if s["walk_complete"]} & lists_complete
    moves = _MoveEvidence(listed, gone, walked)
    baseline = {sid for sid in agencies if not _has_history(db, sid, cycle_id)}
    arrivals = _Arrivals(db, cycle_id, agencies, moves, baseline) if set_based else None
    with db.atomic():
        # A URL with a query is met after the plain ones: when one report is reached at both,
        # the plain URL is the report's and the other its alias, whatever order they came in.
        for s in sorted(seen, key=lambda s: ("?" in s["url"], s["id"])):
            if arrivals is not None:
                if arrivals.take(s):
                    counts["new"] += 1
                    continue
                arrivals.flush()  # the sighting below sees every report met before it
            found = _apply(db, s, cycle_id, agencies, moves)
            if found:
                _event(db, cycle_id, found, s, baseline)
                counts[found[0]] += 1
            if arrivals is not None:
                arrivals.met(s)
        if arrivals is not None:
            arrivals.flush()
        search.sync(db)  # the titles and texts written above, indexed once for the whole step
    return dict(counts)


class _Arrivals:
    """New reports that nothing known can be: recorded set-based, a few statements a batch.

    On a first cycle almost every sighting is a URL never met whose body no report of the
    source has, and whose report year the source's other reports of that year, if any, are
    listed (or titled) apart from: `_apply` would record each as `new` after five queries
    (is it known, an alias, a move, the same body, the same text?) and five single-row
    writes. Such a sighting is decided here from the source's reports held in memory
    (loaded once per source, kept in step with what the per-sighting path changes) and its
    rows written with the batch's others by INSERT … SELECT, in the sightings' order, so
    that every row, id and event is the one the per-sighting path writes
    (tests/detect_equivalence.py runs both over the same cycles). Anything else — a known
    URL, a possible move or alias, the same body twice — goes through `_apply` as before,
    after the batch so far is written.
    """

    def __init__(
        self,
        db: Database,
        cycle_id: int,
        agencies: dict[str, str],
        moves: _MoveEvidence,
        baseline: set[str],
    ) -> None:
        self.db, self.cycle_id, self.agencies = db, cycle_id, agencies
        self.moves, self.baseline = moves, baseline
        self.sources: dict[str, _Known] = {}
        self.pending: list[tuple] = []
        self.taken = 0
        self.ids: set[int] = set()  # the reports held here, of every source

    def take(self, s: dict) -> bool:
        """Record `s` as a new report (in the batch) if nothing known can be it."""
        if (
            s["how"] != sightings.FETCHED
            or s["report_id"]
            or not s["sha256"]
            or s["source_id"] not in self.agencies
        ):
            return False
        known = self.sources.get(s["source_id"]) or self._load(s["source_id"])
        if s["url"] in known.urls or s["sha256"] in known.bodies:
            return False
        for old in known.by_year.get(s["year"], {}).values():
            if self.moves.old_url_gone(old) and _same_title(old["title"], s["title"]):
                return False  # perhaps moved here (`_moved_from`)
            if old["status"] == reports.ACTIVE and not aliases.listed_apart(old, s):
                return False  # perhaps the same text at another URL (`aliases.match`)
        agency = self.agencies[s["source_id"]]
        self.taken += 1
        title = s["title"] or s["list_title"] or s["url"]  # as reports.insert gives it
        known.put(
            {
                "id": -self.taken,  # not written yet: replaced by its row if met
                "source_id": s["source_id"], "url": s["url"], "title": title,
                "list_title": s["list_title"], "year": s["year"], "status": reports.ACTIVE,
                "gone_count": 0,
            }
        )  # fmt: skip
        known.bodies.add(s["sha256"])
        summary = _describe({"agency": agency, "year": s["year"], "title": title})
        self.pending.append(
            (*(s.get(c) for c in _SEEN), agency, title, int(s["source_id"] in self.baseline),
             summary)
        )  # fmt: skip
        return True

    def met(self, s: dict) -> None:
        """`s` went through `_apply`: what it may have changed of a source held here (a
        report touched, moved, refetched or gone; an alias recorded) is read again."""
        if s["source_id"] not in self.sources and s["report_id"] not in self.ids:
            return  # nothing held here that it can have changed
        ids = [s["report_id"]] if s["report_id"] else []
        rows = self.db.execute(
            f"SELECT {', '.join(_Known.COLUMNS)} FROM reports"
            f" WHERE (source_id = ? AND url = ?){' OR id = ?' if ids else ''}",
            [s["source_id"], s["url"], *ids],
        ).fetchall()
        for row in rows:
            if (known := self.sources.get(row[1])) is not None:
                self._put(known, dict(zip(_Known.COLUMNS, row, strict=True)))
        if (known := self.sources.get(s["source_id"])) is not None:
            known.urls.add(s["url"])  # an alias now, perhaps: never a new report here
            if s["sha256"]:
                known.bodies.add(s["sha256"])

    def flush(self) -> None:
        """Write the batch: reports, versions (their text left to extraction, as
        `_arrival` leaves it), served bodies and `new` events, in the sightings' order."""
        if not self.pending:
            return
        conn = self.db.conn
        conn.execute(_NEW_TABLE)
        conn.executemany(_NEW_ROW, self.pending)
        for statement in _NEW_WRITES:
            conn.execute(statement, {"cycle": self.cycle_id, "now": now_iso()})
        conn.execute("DELETE FROM temp.new_reports")
        self.pending.clear()

    def _put(self, known: _Known, row: dict) -> None:
        known.put(row)
        self.ids.add(row["id"])

    def _load(self, source_id: str) -> _Known:
        known = _Known()
        db = self.db
        for row in db.execute(
            f"SELECT {', '.join(_Known.COLUMNS)} FROM reports WHERE source_id = ?", [source_id]
        ):
            self._put(known, dict(zip(_Known.COLUMNS, row, strict=True)))
        known.urls.update(
            url for (url,) in db.execute(
                "SELECT a.url FROM reports r JOIN report_aliases a ON a.report_id = r.id"
                " WHERE r.source_id = ?", [source_id],
            )
        )  # fmt: skip
        known.bodies.update(
            sha for (sha,) in db.execute(
                "SELECT v.sha256 FROM reports r JOIN report_versions v ON v.report_id = r.id"
                " WHERE r.source_id = ?", [source_id],
            )
        )  # fmt: skip
        self.sources[source_id] = known
        return known


class _Known:
    """A source's reports as the checks of `_Arrivals.take` read them: by id and by year;
    every URL that is (or was, tonight) a report's or an alias; every body of a version."""

    COLUMNS = ("id", "source_id", "url", "title", "list_title", "year", "status", "gone_count")

    def __init__(self) -> None:
        self.rows: dict[int, dict] = {}
        self.by_url: dict[str, int] = {}
        self.by_year: dict[int | None, dict[int, dict]] = {}
        self.urls: set[str] = set()
        self.bodies: set[str] = set()

    def put(self, row: dict) -> None:
        """Add or replace a report (by id, or by URL for one not written when taken)."""
        for key in (row["id"], self.by_url.get(row["url"])):
            if key is not None and (old := self.rows.pop(key, None)) is not None:
                self.by_year[old["year"]].pop(key, None)
                self.by_url.pop(old["url"], None)
        self.rows[row["id"]] = row
        self.by_url[row["url"]] = row["id"]
        self.by_year.setdefault(row["year"], {})[row["id"]] = row
        self.urls.add(row["url"])


# A batch of `_Arrivals`, as `reports.insert`, `reports.add_version(with_text=False)`,
# `reports.served` and `record` write each of its sightings.
_SEEN = (
    "source_id", "url", "list_url", "list_title", "year", "published_on",
    "published_on_evidence", "content_type", "issuer", "issuer_evidence", "sha256", "seen_at",
    "note",
)  # fmt: skip
_NEW_COLUMNS = (*_SEEN, "agency", "title", "baseline", "summary")
_NEW_TABLE = (
    f"CREATE TEMP TABLE IF NOT EXISTS new_reports (pos INTEGER PRIMARY KEY, "
    f"{', '.join(_NEW_COLUMNS)})"
)
_NEW_ROW = (
    f"INSERT INTO temp.new_reports ({', '.join(_NEW_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_NEW_COLUMNS))})"
)
_NEW_JOIN = (
    "FROM temp.new_reports n JOIN reports r ON r.source_id = n.source_id AND r.url = n.url "
    "ORDER BY n.pos"
)
_NEW_WRITES = (
    """INSERT INTO reports (title, year, published_on, published_on_evidence, content_type,
        issuer, issuer_evidence, source_id, url, list_url, list_title, agency, sha256,
        first_seen_at, last_seen_at, first_seen_cycle, last_seen_cycle, status, gone_count)
    SELECT title, year, published_on, published_on_evidence, content_type, issuer,
        issuer_evidence, source_id, url, list_url, list_title, agency, sha256, seen_at,
        seen_at, :cycle, :cycle, 'active', 0
    FROM temp.new_reports ORDER BY pos""",
    f"""INSERT OR IGNORE INTO report_versions (report_id, sha256, first_seen_at, cycle_id,
        text, text_sha256, published_on, published_on_evidence, extract_error, describe_error)
    SELECT r.id, n.sha256, n.seen_at, :cycle, NULL, NULL, n.published_on,
        n.published_on_evidence, NULL, n.note {_NEW_JOIN}""",
    f"""INSERT INTO served_versions (report_id, sha256, cycle_id, served_at)
    SELECT r.id, n.sha256, :cycle, n.seen_at {_NEW_JOIN}""",
    f"""INSERT INTO events (report_id, source_id, kind, detected_at, cycle_id, baseline,
        summary, detail)
    SELECT r.id, n.source_id, 'new', :now, :cycle, n.baseline, n.summary, NULL {_NEW_JOIN}""",
)


def _has_history(db: Database, source_id: str, cycle_id: int) -> bool:
    row = db.execute(
        "SELECT 1 FROM reports WHERE source_id = ? AND first_seen_cycle < ? LIMIT 1",
        [source_id, cycle_id],
    ).fetchone()
    return row is not None


@dataclass(frozen=True)
class _MoveEvidence:
    """What the cycle saw that a move (or a removal) can rest on: the URLs the lists linked,
    the URLs that answered gone (404/410/soft-404), and the sources whose lists were walked
    whole without an error."""

    listed: set[tuple[str, str]]
    gone: set[tuple[str, str]]
    complete: set[str]

    def old_url_gone(self, old: dict) -> bool:
        """Evidence that a known report's URL no longer serves it: not linked by a complete walk
        of the lists, or answering gone (tonight, on an earlier check, or removed). A URL merely
        not reached by an incomplete walk is no such evidence: the report may be on a page not
        walked tonight."""
        key = (old["source_id"], old["url"])
        if key in self.listed:
            return False
        return (
            old["source_id"] in self.complete
            or key in self.gone
            or old["gone_count"] > 0
            or old["status"] == reports.REMOVED
        )


def _apply(
    db: Database,
    s: dict,
    cycle_id: int,
    agencies: dict[str, str],
    moves: _MoveEvidence,
) -> tuple | None:
    """Apply one sighting; return (kind, report_id, summary, detail) when it is an event."""
    report = reports.get(db, s["report_id"]) if s["report_id"] else None
    report = report or reports.find(db, s["source_id"], s["url"])
    if report and report["url"] != s["url"]:
        return None  # a sighting of an old URL whose report has since moved
    if report is None and aliases.known(db, s["source_id"], s["url"]):
        return None  # another URL of a known report: it is that report, already recorded
    if s["how"] == sightings.GONE:
        return _gone(db, report, s, moves) if report else None
    if report is None:
        return _arrival(db, s, cycle_id, agencies[s["source_id"]], moves)
    if s["how"] == sightings.FETCHED:
        return _refetched(db, report, s, cycle_id)
    reports.touch(db, report["id"], s, cycle_id)
    return None


def _arrival(
    db: Database, s: dict, cycle_id: int, agency: str, moves: _MoveEvidence
) -> tuple | None:
    if s["how"] != sightings.FETCHED:
        return None
    old = _moved_from(db, s, moves)
    if old:
        moved = {"url": s["url"], "moved_from": old["url"], "sha256": s["sha256"]}
        reports.touch(db, old["id"], s, cycle_id, **moved)
        if not reports.has_body(db, old["id"], s["sha256"]):
            reports.add_version(db, old["id"], s, cycle_id, with_text=False)
        if old["sha256"] != s["sha256"]:
            reports.served(db, old["id"], s, cycle_id)
        return ("moved", old["id"], f"{old['title']}: moved to {s['url']}", f"from {old['url']}")
    same = aliases.match(db, s)
    if same:
        aliases.record(db, same[0]["id"], s, cycle_id, same[1])
        return None
    report_id = reports.insert(db, s, agency, cycle_id)
    reports.add_version(db, report_id, s, cycle_id, with_text=False)  # text: extraction's job
    reports.served(db, report_id, s, cycle_id)
    return ("new", report_id, _describe(reports.get(db, report_id)), "")


def _moved_from(db: Database, s: dict, moves: _MoveEvidence) -> dict | None:
    """A known report of the source that matches and whose old URL is known to be gone."""
    # Per report of the source, by report_versions' key (`id IN (SELECT report_id … WHERE
    # sha256 = ?)` scanned every version of the archive per new URL), in the order the
    # source's (source_id, url) index gives them, as before.
    candidates = db.query(
        """SELECT * FROM reports r WHERE source_id = ? AND url != ? AND
           (EXISTS (SELECT 1 FROM report_versions v WHERE v.report_id = r.id AND v.sha256 = ?)
            OR year = ?) ORDER BY url""",
        [s["source_id"], s["url"], s["sha256"], s["year"]],
    )
    for old in candidates:
        if not moves.old_url_gone(old):
            continue
        if reports.has_body(db, old["id"], s["sha256"]) or _same_title(old["title"], s["title"]):
            return old
    return None


def _same_title(a: str | None, b: str | None) -> bool:
    norm = lambda t: re.sub(r"[\s\W_]+", "", t or "")  # noqa: E731
    return bool(norm(a)) and norm(a) == norm(b)


def _refetched(db: Database, report: dict, s: dict, cycle_id: int) -> tuple | None:
    """A known report fetched again: a change is a text different from the one served before.

    Compared with the body the URL served last (`reports.sha256`), not with the newest version
    recorded: a revert to an earlier text (A → B → A) serves a body already known, and is as
    much an edit as the first change was.
    """
    if not s.get("note"):  # described this time: an earlier failure on this body is over
        reports.described(db, report["id"], s["sha256"])
    changes = {"sha256": s["sha256"]}
    if s["sha256"] == report["sha256"]:
        reports.touch(db, report["id"], s, cycle_id, **changes)
        return None
    reports.served(db, report["id"], s, cycle_id)
    before = reports.version(db, report["id"], report["sha256"])
    if before is not None:
        before = reports.with_text(db, before, report)
    after = reports.version(db, report["id"], s["sha256"])
    if after is None:
        after = reports.add_version(db, report["id"], s, cycle_id)
    else:
        after = reports.with_text(db, after, {**report, "content_type": s["content_type"]})
        changes["regime"] = after["regime"]  # the served-again version's, as extracted then
    reports.touch(db, report["id"], s, cycle_id, **changes)
    if before is None or _same_text(before, after):
        return None
    if any(v["text_sha256"] is None and v.get("extract_error") for v in (before, after)):
        return None  # a text that could not be read is no evidence of an edit (see the view)
    diff = _diff(before, after)
    added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
    summary = f"{_describe(report)}: text changed (+{added} −{removed} lines)"
    return ("changed", report["id"], summary, "\n".join(diff[:_DIFF_LINES]))


def _same_text(before: dict, after: dict) -> bool:
    if before["text_sha256"] and after["text_sha256"]:
        return before["text_sha256"] == after["text_sha256"]
    return before["sha256"] == after["sha256"]


def _diff(before: dict, after: dict) -> list[str]:
    return list(
        difflib.unified_diff(
            (before["text"] or "").splitlines(),
            (after["text"] or "").splitlines(),
            fromfile=before["sha256"][:12],
            tofile=after["sha256"][:12],
            lineterm="",
            n=1,
        )
    )


def _gone(db: Database, report: dict, s: dict, moves: _MoveEvidence) -> tuple | None:
    """Count one failed check; the second consecutive one removes the report.

    A check counts when no list linked the URL that night, whatever kind of walk it was (an
    incremental night's 404 is the first of the two); the report is removed only on a check
    that follows a complete walk of the lists, so the second is always one that saw the report
    gone from the whole column. A gone URL still linked (a broken link), or a report still
    linked at another of its URLs (an alias), breaks the streak.
    """
    also = aliases.of_report(db, report["id"])
    if s["in_list"] or any((s["source_id"], url) in moves.listed for url in also):
        if report["gone_count"]:
            db["reports"].update(report["id"], {"gone_count": 0})
        return None
    count = report["gone_count"] + 1
    db["reports"].update(report["id"], {"gone_count": count})
    confirmed = s["walk_complete"] and s["source_id"] in moves.complete
    if count < CONFIRMATIONS or not confirmed or report["status"] == reports.REMOVED:
        return None
    db["reports"].update(report["id"], {"status": reports.REMOVED})
    detail = json.dumps({"http_status": s["http_status"], "checks": count})
    return ("removed", report["id"], f"{_describe(report)}: removed ({s['url']})", detail)


def _describe(report: dict) -> str:
    year = report.get("year") or "?"
    return f"{report['agency']} {year}: {report['title']}"


def _event(db: Database, cycle_id: int, found: tuple, s: dict, baseline: set[str]) -> int:
    name, report_id, summary, detail = found
    return record(
        db,
        cycle_id,
        name,
        s["source_id"],
        summary,
        detail,
        report_id=report_id,
        baseline=name == "new" and s["source_id"] in baseline,
    )


def record(
    db: Database,
    cycle_id: int,
    kind: str,
    source_id: str,
    summary: str,
    detail: str = "",
    report_id: int | None = None,
    baseline: bool = False,
    year: int | None = None,
) -> int:
    """Write one event row and return its id; `year` is the report year it is about."""
    row = {
        "report_id": report_id,
        "source_id": source_id,
        "kind": kind,
        "detected_at": now_iso(),
        "cycle_id": cycle_id,
        "baseline": int(baseline),
        "summary": summary,
        "detail": detail or None,
    }
    if year is not None:
        row["year"] = year
    return reports.insert_row(db, "events", row)  # prepared: one per new report on a first cycle
