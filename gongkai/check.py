"""`scheduler.py check SOURCE_ID`: crawl one source into a throwaway archive and say what was
recognised — the family of each list page, the pagination followed, the reports by year, and
every entry skipped with the reason. How a user adds an agency with confidence.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from archive import completeness
from archive.config import Config
from archive.db import open_db
from gongkai import cycle


@dataclass
class CheckReport:
    source_id: str
    agency: str
    exit_code: int
    lists: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    counted: completeness.Totals | None = None  # stated vs reached entries of the columns


def check(config: Config, source_id: str) -> CheckReport:
    """Crawl `source_id` once, archiving into a temporary database that is then thrown away."""
    source = config.source(source_id)
    with tempfile.TemporaryDirectory(prefix="gongkai-check-") as tmp:
        folder = Path(tmp)
        settings = {
            "GONGKAI_DATABASE": str(folder / "check.db"),
            "GONGKAI_NOTES": str(folder / "notes.jsonl"),
            "GONGKAI_SOURCES": source_id,
        }
        code = cycle.crawl(config, None, folder / "crawl.log", settings=settings)
        report = CheckReport(source_id, source.agency, code)
        _read_notes(report, folder / "notes.jsonl")
        _read_archive(report, folder / "check.db")
    return report


def _read_notes(report: CheckReport, path: Path) -> None:
    if not path.exists():
        return
    for line in path.read_text("utf-8").splitlines():
        note = json.loads(line)
        (report.lists if note["note"] == "list" else report.rejected).append(note)


def _read_archive(report: CheckReport, path: Path) -> None:
    db = open_db(path)
    report.reports = list(
        db.query(
            "SELECT year, published_on, published_on_evidence, title, url, how FROM sightings "
            "WHERE how = 'fetched' ORDER BY year DESC, url"
        )
    )
    errors = db.execute(
        "SELECT count(*) FROM fetches WHERE kind = 'list' AND (status IS NULL OR status >= 400)"
    ).fetchone()[0]
    report.counted = completeness.totals(db, None, report.source_id, errors)
    report.problems = list(
        db.query(
            "SELECT url, status, note FROM fetches WHERE kind != 'robots' AND "
            "(status IS NULL OR status >= 400 OR note LIKE 'blocked:%' OR note LIKE 'truncated%')"
        )
    )
    db.close()


def render(report: CheckReport) -> list[str]:
    """The report as lines for the terminal."""
    lines = [f"{report.source_id}  {report.agency}", f"list pages ({len(report.lists)}):"]
    for page in report.lists:
        follow = f"  → {len(page['next'])} more" if page["next"] else ""
        lines.append(f"  {page['family']:<9} {page['reports']:>3} reports  {page['url']}{follow}")
    lines.append(entries_line(report.counted))
    lines.append(f"reports found ({len(report.reports)}):")
    for r in report.reports:
        date = f"{r['published_on'] or '(no date)'} ({r['published_on_evidence'] or '-'})"
        lines.append(f"  {r['year'] or '?':<5} {date:<20} {r['title']}\n{'':8}{r['url']}")
    lines.append(f"entries skipped ({len(report.rejected)}):")
    lines += [f"  {n['text']}  — {n['reason']}" for n in report.rejected]
    if report.problems:
        lines.append(f"problems ({len(report.problems)}):")
        lines += [
            f"  {p['url']}: {p['status'] or ''} {p['note'] or ''}".rstrip() for p in report.problems
        ]
    return lines


def entries_line(counted: completeness.Totals | None) -> str:
    """The columns' stated record count beside the entries the crawl reached."""
    if counted is None or counted.reached is None:
        return "entries: no list page read"
    if counted.stated is None:
        return f"entries: reached {counted.reached}; the column states no count"
    line = f"entries: the column states {counted.stated}, the crawl reached {counted.reached}"
    if counted.incomplete:
        line += f" — {counted.stated - counted.reached} short: reports are being missed"
    return line
