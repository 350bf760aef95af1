"""`scheduler.py check SOURCE_ID`: crawl one source into a throwaway archive and say what was
recognised — the family of each list page, the pagination followed, the reports by year, and
every entry skipped with the reason. How a user adds an agency with confidence.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path

from archive import blobs, completeness
from archive.config import Config, load
from archive.db import open_db
from archive.sources_file import render_block
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
    start_page: bytes = b""  # the start URL's body as archived (check_url only)


def check(config: Config, source_id: str) -> CheckReport:
    """Crawl `source_id` once, archiving into a temporary database that is then thrown away."""
    source = config.source(source_id)
    with tempfile.TemporaryDirectory(prefix="gongkai-check-") as tmp:
        return _crawl(config, source_id, source.agency, Path(tmp))


def check_url(config: Config, url: str, agency: str = "") -> CheckReport:
    """Crawl a URL that no source names yet (`add`), exactly as `check` crawls a source: the
    same spider, with the config's [crawl] settings (User-Agent, robots.txt, delays), into a
    throwaway archive. The candidate's id is `candidate`; `report.start_page` holds the start
    URL's body, for the agency's name when none is given."""
    with tempfile.TemporaryDirectory(prefix="gongkai-add-") as tmp:
        folder = Path(tmp)
        path = folder / "candidate.toml"
        path.write_text(candidate_config(config, url, agency), "utf-8")
        return _crawl(load(path), CANDIDATE, agency, folder, start_url=url)


CANDIDATE = "candidate"


def candidate_config(config: Config, url: str, agency: str) -> str:
    """A config holding the user's [crawl] settings and one source: the URL to try."""
    lines = ["[crawl]"]
    for f in fields(config.crawl):
        lines.append(f"{f.name} = {json.dumps(getattr(config.crawl, f.name), ensure_ascii=False)}")
    return "\n".join(lines) + "\n\n" + render_block(CANDIDATE, agency or "?", url)


def _crawl(
    config: Config, source_id: str, agency: str, folder: Path, start_url: str = ""
) -> CheckReport:
    settings = {
        "GONGKAI_DATABASE": str(folder / "check.db"),
        "GONGKAI_NOTES": str(folder / "notes.jsonl"),
        "GONGKAI_SOURCES": source_id,
    }
    code = cycle.crawl(config, None, folder / "crawl.log", settings=settings)
    report = CheckReport(source_id, agency, code)
    _read_notes(report, folder / "notes.jsonl")
    _read_archive(report, folder / "check.db", start_url)
    return report


def _read_notes(report: CheckReport, path: Path) -> None:
    if not path.exists():
        return
    for line in path.read_text("utf-8").splitlines():
        note = json.loads(line)
        (report.lists if note["note"] == "list" else report.rejected).append(note)


def _read_archive(report: CheckReport, path: Path, start_url: str = "") -> None:
    if not path.exists():  # the crawler died before opening it
        return
    db = open_db(path)
    if start_url:
        row = db.execute(
            "SELECT sha256 FROM fetches WHERE url = ? AND status = 200 AND sha256 IS NOT NULL "
            "ORDER BY id LIMIT 1",
            [start_url],
        ).fetchone()
        report.start_page = blobs.get(db, row[0]) if row else b""
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
