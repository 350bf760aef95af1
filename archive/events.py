"""Detection: what this cycle's sightings mean, recorded as `events`.

- `new`: a report not known before. A source's first cycle with reports is its baseline: its
  reports are recorded with baseline = 1 and never alerted, so adding an agency with fifteen
  years of reports does not flood anyone.
- `changed`: a known report's extracted text changed (raw bytes alone do not count: visit
  counters and render timestamps change every night). The event carries a unified text diff.
- `moved`: a URL never seen before serves a known report — same body, or same year and title —
  whose old URL no list links any more. The report keeps its row, history and id.
- `removed`: a known report that no list links any more, whose own URL answered 404/410 or a
  soft-404 page on two checks (servers return false 404s under load; a 5xx or a timeout is never
  evidence). Its archived copies stay; its status becomes `removed`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter

from sqlite_utils import Database

from archive import reports, sightings
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
    baseline = {sid for sid in agencies if not _has_history(db, sid, cycle_id)}
    with db.atomic():
        for s in seen:
            found = _apply(db, s, cycle_id, agencies, listed, lists_complete)
            if found:
                _event(db, cycle_id, found, s, baseline)
                counts[found[0]] += 1
    return dict(counts)


def _has_history(db: Database, source_id: str, cycle_id: int) -> bool:
    row = db.execute(
        "SELECT 1 FROM reports WHERE source_id = ? AND first_seen_cycle < ? LIMIT 1",
        [source_id, cycle_id],
    ).fetchone()
    return row is not None


def _apply(
    db: Database,
    s: dict,
    cycle_id: int,
    agencies: dict[str, str],
    listed: set[tuple[str, str]],
    complete: set[str],
) -> tuple | None:
    """Apply one sighting; return (kind, report_id, summary, detail) when it is an event."""
    report = reports.get(db, s["report_id"]) if s["report_id"] else None
    report = report or reports.find(db, s["source_id"], s["url"])
    if report and report["url"] != s["url"]:
        return None  # a sighting of an old URL whose report has since moved
    if s["how"] == sightings.GONE:
        return _gone(db, report, s, complete) if report else None
    if report is None:
        return _arrival(db, s, cycle_id, agencies[s["source_id"]], listed)
    if s["how"] == sightings.FETCHED:
        return _refetched(db, report, s, cycle_id)
    reports.touch(db, report["id"], s, cycle_id)
    return None


def _arrival(
    db: Database, s: dict, cycle_id: int, agency: str, listed: set[tuple[str, str]]
) -> tuple | None:
    if s["how"] != sightings.FETCHED:
        return None
    old = _moved_from(db, s, listed)
    if old:
        reports.touch(db, old["id"], s, cycle_id, url=s["url"], moved_from=old["url"])
        if not reports.has_body(db, old["id"], s["sha256"]):
            reports.add_version(db, old["id"], s, cycle_id, with_text=False)
            db["reports"].update(old["id"], {"sha256": s["sha256"]})
        return ("moved", old["id"], f"{old['title']}: moved to {s['url']}", f"from {old['url']}")
    report_id = reports.insert(db, s, agency, cycle_id)
    reports.add_version(db, report_id, s, cycle_id, with_text=False)  # text: extraction's job
    return ("new", report_id, _describe(reports.get(db, report_id)), "")


def _moved_from(db: Database, s: dict, listed: set[tuple[str, str]]) -> dict | None:
    """A known report of the source whose old URL is no longer listed and that matches."""
    candidates = db.query(
        """SELECT * FROM reports WHERE source_id = ? AND url != ? AND
           (id IN (SELECT report_id FROM report_versions WHERE sha256 = ?) OR year = ?)""",
        [s["source_id"], s["url"], s["sha256"], s["year"]],
    )
    for old in candidates:
        if (s["source_id"], old["url"]) in listed:
            continue
        if reports.has_body(db, old["id"], s["sha256"]) or _same_title(old["title"], s["title"]):
            return old
    return None


def _same_title(a: str | None, b: str | None) -> bool:
    norm = lambda t: re.sub(r"[\s\W_]+", "", t or "")  # noqa: E731
    return bool(norm(a)) and norm(a) == norm(b)


def _refetched(db: Database, report: dict, s: dict, cycle_id: int) -> tuple | None:
    reports.touch(db, report["id"], s, cycle_id, sha256=s["sha256"])
    if reports.has_body(db, report["id"], s["sha256"]):
        if not s.get("note"):  # described this time: an earlier failure on it is over
            reports.described(db, report["id"], s["sha256"])
        return None
    before = reports.latest_version(db, report["id"])
    if before is not None:
        before = reports.with_text(db, before, report)
    after = reports.add_version(db, report["id"], s, cycle_id)
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


def _gone(db: Database, report: dict, s: dict, complete: set[str]) -> tuple | None:
    """Count one piece of removal evidence; the second consecutive one removes the report."""
    if s["in_list"] or s["source_id"] not in complete:
        return None  # still linked (a broken link), or the lists were not fully walked
    count = report["gone_count"] + 1
    db["reports"].update(report["id"], {"gone_count": count})
    if count < CONFIRMATIONS or report["status"] == reports.REMOVED:
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
    return db["events"].insert(row).last_pk
