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
    db: Database, cycle_id: int, agencies: dict[str, str], lists_complete: set[str]
) -> dict[str, int]:
    """Turn the cycle's sightings into report updates and events; return counts per kind."""
    counts: Counter[str] = Counter()
    seen = sightings.of_cycle(db, cycle_id)
    listed = {(s["source_id"], s["url"]) for s in seen if s["in_list"]}
    gone = {(s["source_id"], s["url"]) for s in seen if s["how"] == sightings.GONE}
    walked = {s["source_id"] for s in seen if s["walk_complete"]} & lists_complete
    moves = _MoveEvidence(listed, gone, walked)
    baseline = {sid for sid in agencies if not _has_history(db, sid, cycle_id)}
    with db.atomic():
        # A URL with a query is met after the plain ones: when one report is reached at both,
        # the plain URL is the report's and the other its alias, whatever order they came in.
        for s in sorted(seen, key=lambda s: ("?" in s["url"], s["id"])):
            found = _apply(db, s, cycle_id, agencies, moves)
            if found:
                _event(db, cycle_id, found, s, baseline)
                counts[found[0]] += 1
        search.sync(db)  # the titles and texts written above, indexed once for the whole step
    return dict(counts)


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
    candidates = db.query(
        """SELECT * FROM reports WHERE source_id = ? AND url != ? AND
           (id IN (SELECT report_id FROM report_versions WHERE sha256 = ?) OR year = ?)""",
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
