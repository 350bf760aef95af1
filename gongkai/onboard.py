"""`add URL` and `import FILE.csv`: from an agency's page to a watched report column.

`add` crawls the URL the way `check` crawls a source (check.check_url: the real spider in a
child process, robots.txt, our User-Agent, the config's delays, a throwaway archive), so the
report column is found by the same discovery a cycle uses: a page with no report entries
follows its menu links labelled 年报 / 政府信息公开年报 / 年度报告 …, two hops at most. Only
when at least one annual report was found is a `[[sources]]` block appended to the config
(archive/sources_file.py); otherwise it says why not. `import` is `add` for each CSV row, one
after another (so one host at a time), resumable because added rows are then configured.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from archive import registry
from archive.config import AGENCY_KINDS, Config, load, month_day
from archive.sources_file import (
    ADDED_NOTE,
    agency_name,
    append_block,
    canonical,
    configured_with,
    derive_id,
    render_block,
    valid_id,
)
from gongkai import check

ADDED = "added"
FOUND = "found"  # --dry-run: would be added
PRESENT = "already present"
NO_COLUMN = "no column found"
UNREACHABLE = "unreachable"
BLOCKED = "blocked"
REFUSED = "refused"  # a bad or taken --id
OUTCOMES = (ADDED, PRESENT, NO_COLUMN, UNREACHABLE, BLOCKED, REFUSED)


@dataclass
class Outcome:
    url: str
    status: str
    reason: str = ""
    column: str = ""
    family: str = ""
    hops: int = 0
    by_year: dict[int, int] = field(default_factory=dict)
    source_id: str = ""
    agency: str = ""
    block: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (ADDED, FOUND)


def add(
    config: Config,
    url: str,
    agency: str = "",
    source_id: str = "",
    dry_run: bool = False,
    extra: dict[str, object] | None = None,
) -> Outcome:
    """Find the report column at or below `url`, and append it to the config when it holds
    at least one annual report. Never writes anything otherwise."""
    if not http_url(url):
        return Outcome(url, REFUSED, f"{url!r} is not an http(s) URL (http(s)://host[:port]/…)")
    parts = urlsplit(url)
    taken = configured_with(config, [url])
    if taken:
        return Outcome(url, PRESENT, f"source {taken.id!r} already starts at {url}")
    if source_id and not valid_id(source_id):
        return Outcome(url, REFUSED, f"id {source_id!r}: use lowercase letters, digits, - or _")
    if source_id and source_id in {s.id for s in config.sources}:
        return Outcome(url, REFUSED, f"id {source_id!r} is taken by another source")
    outcome = judge(check.check_url(config, url, agency), url)
    if not outcome.ok:
        return outcome
    taken = configured_with(config, [outcome.column])
    if taken:
        return _as(outcome, PRESENT, f"source {taken.id!r} already watches {outcome.column}")
    outcome.agency = agency or outcome.agency or (parts.hostname or "")
    outcome.source_id = source_id or derive_id(outcome.column, (s.id for s in config.sources))
    notes = ADDED_NOTE.format(day=date.today().isoformat(), url=url)
    if outcome.hops:
        notes += f" ({outcome.hops} menu hops above the column)"
    extra = dict(extra or {})
    given = extra.pop("notes", "")
    notes = f"{given}; {notes}" if given else notes
    outcome.block = render_block(
        outcome.source_id, outcome.agency, outcome.column, **extra, notes=notes
    )
    if dry_run:
        outcome.status = FOUND
        return outcome
    append_block(config.path, outcome.block)
    outcome.status = ADDED
    return outcome


def http_url(url: str) -> bool:
    """An http(s) URL with a host and, if any, a numeric port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _as(outcome: Outcome, status: str, reason: str) -> Outcome:
    outcome.status, outcome.reason = status, reason
    return outcome


def judge(report: check.CheckReport, url: str) -> Outcome:
    """What a throwaway crawl from `url` found: the column and its reports, or why none."""
    years = Counter(r["year"] for r in report.reports if r["year"])
    if years:
        column, hops = column_of(report.lists, url)
        family = next((n["family"] for n in report.lists if n["url"] == column), "")
        titles = [r["title"] for r in report.reports]
        return Outcome(
            url,
            FOUND,
            column=column,
            family=family,
            hops=hops,
            by_year=dict(sorted(years.items(), reverse=True)),
            agency=agency_name(titles, report.start_page),
        )
    blocked = [p for p in report.problems if (p["note"] or "").startswith("blocked")]
    if blocked:
        first = blocked[0]
        return Outcome(url, BLOCKED, f"{first['url']} answered {first['note']}: not evaded")
    if report.exit_code != 0:
        return Outcome(url, UNREACHABLE, f"the crawl failed (exit code {report.exit_code})")
    if not report.lists:
        return Outcome(url, UNREACHABLE, _unreachable_reason(report, url))
    pages = len(report.lists)
    return Outcome(
        url,
        NO_COLUMN,
        f"{pages} page{'s' * (pages != 1)} read, no annual report and no menu link to a "
        "report column (年报 / 政府信息公开年报 / 年度报告) found",
    )


def _unreachable_reason(report: check.CheckReport, url: str) -> str:
    for problem in report.problems:
        if canonical(problem["url"]) == canonical(url):
            said = " ".join(str(x) for x in (problem["status"], problem["note"]) if x)
            return f"{url}: {said or 'no answer'}"
    if report.problems:
        p = report.problems[0]
        return f"{p['url']}: {p['status'] or ''} {p['note'] or ''}".strip()
    return f"{url} was not fetched (robots.txt disallows it, or the request was refused)"


def column_of(lists: list[dict], start: str) -> tuple[str, int]:
    """The report column: the first list page holding reports, climbed back through the pages
    of its own column (pagination, a family's shell page) up to the page a menu linked; with
    the number of menu pages above it."""
    parent: dict[str, str] = {}
    by_url = {note["url"]: note for note in lists}
    for note in lists:
        for target in note.get("next") or []:
            parent.setdefault(target, note["url"])
    first = next((n for n in lists if n["reports"]), None)
    if first is None:
        return start, 0
    column, seen = first["url"], {first["url"]}
    while column in parent and parent[column] not in seen:
        above = by_url.get(parent[column])
        if above is None:
            return column, 0
        if above["reports"] or above["family"] != "generic":
            column = above["url"]  # an earlier page of the same column
            seen.add(column)
            continue
        hops, up = 1, above["url"]  # a menu page: count the menu pages up to the start
        while up in parent and parent[up] in by_url and parent[up] not in seen:
            seen.add(up)
            up, hops = parent[up], hops + 1
        return column, hops
    return column, 0


def render(outcome: Outcome) -> list[str]:
    """What `add` found (or why it refused), as lines for the terminal."""
    if not outcome.ok and not outcome.column:
        return [f"refused ({outcome.status}): {outcome.reason}"]
    years = ", ".join(f"{year} ({n})" for year, n in outcome.by_year.items())
    hops = f", {outcome.hops} menu hops below {outcome.url}" if outcome.hops else ""
    lines = [
        f"column: {outcome.column} ({outcome.family or 'generic'}{hops})",
        f"agency: {outcome.agency}" if outcome.agency else "",
        f"reports by year: {years}",
    ]
    lines = [line for line in lines if line]
    if not outcome.ok:
        lines.append(f"refused ({outcome.status}): {outcome.reason}")
    return lines


# ---------------------------------------------------------------------------------- import

REQUIRED = ("agency", "url")
OPTIONAL = ("id", "level", "region", "kind", "due", "since")
REGISTRY_EXTRA = ("provenance", "confidence", "status", "notes")  # the registry file imports too


class ImportFileError(ValueError):
    """A CSV that cannot be imported; the message is one line naming file, line and column."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


def read_rows(path: Path) -> list[Row]:
    """Every row of an import CSV, checked before anything is fetched."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not UTF-8 text (byte {error.start})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    for name in REQUIRED:
        if name not in header:
            raise ImportFileError(
                f"{path}:1: missing column {name!r} (columns: agency,url[,{','.join(OPTIONAL)}])"
            )
    for name in header:
        if name not in (*REQUIRED, *OPTIONAL, *REGISTRY_EXTRA):
            raise ImportFileError(
                f"{path}:1: unknown column {name!r} (columns: agency,url[,{','.join(OPTIONAL)}])"
            )
    rows = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            raise ImportFileError(f"{path}:{line}: more fields than the header's columns")
        values = {k.strip(): (v or "").strip() for k, v in raw.items()}
        if not any(values.values()):
            continue
        _check_row(values, f"{path}:{line}")
        rows.append(Row(line, values))
    return rows


def _check_row(values: dict[str, str], where: str) -> None:
    if not http_url(values["url"]):
        raise ImportFileError(
            f"{where}: column 'url' must be an http(s) URL, not {values['url']!r}"
        )
    if values.get("id") and not valid_id(values["id"]):
        raise ImportFileError(
            f"{where}: column 'id' must be lowercase letters, digits, - or _ (got {values['id']!r})"
        )
    if values.get("level") and values["level"] not in registry.LEVELS:
        raise ImportFileError(
            f"{where}: column 'level' takes {', '.join(registry.LEVELS)} (got {values['level']!r})"
        )
    if values.get("kind") and values["kind"] not in AGENCY_KINDS:
        raise ImportFileError(f"{where}: column 'kind' takes {', '.join(AGENCY_KINDS)}")
    if values.get("due") and month_day(values["due"]) is None:
        raise ImportFileError(f"{where}: column 'due' must be \"MM-DD\" (got {values['due']!r})")
    since = values.get("since")
    if since and (not since.isdigit() or int(since) < 2008):
        raise ImportFileError(f"{where}: column 'since' must be a year ≥ 2008 (got {since!r})")


def import_rows(
    config_path: Path,
    rows: list[Row],
    source: Path,
    progress: Callable[[str], None] = lambda line: None,
) -> list[tuple[Row, Outcome]]:
    """`add` each row in turn. A row whose URL (or id, at that URL) is configured already is
    skipped without a fetch, so a second run only tries what still needs trying."""
    results: list[tuple[Row, Outcome]] = []
    last_host = None
    config = load(config_path, need_sources=False)
    for number, row in enumerate(rows, 1):
        host = urlsplit(row["url"]).netloc.lower()
        taken = configured_with(config, [row["url"]])
        if taken:
            outcome = Outcome(row["url"], PRESENT, f"source {taken.id!r} starts there")
        else:
            if host == last_host:
                time.sleep(config.crawl.delay)  # one host, one crawl after another: politely
            outcome = add(config, row["url"], row["agency"], row["id"], extra=_extra(row, source))
            last_host = host
            if outcome.status == ADDED:
                config = load(config_path, need_sources=False)  # with the row just added
        results.append((row, outcome))
        said = f"{outcome.status}" + (f": {outcome.reason}" if outcome.reason else "")
        if outcome.status == ADDED:
            said += f" as {outcome.source_id!r} ({sum(outcome.by_year.values())} reports)"
        progress(f"[{number}/{len(rows)}] {row['agency'] or '?'} {row['url']} … {said}")
    return results


def _extra(row: Row, source: Path) -> dict[str, object]:
    described = ", ".join(f"{k}: {row[k]}" for k in ("level", "region") if row[k])
    provenance = f"provenance: {row['provenance']}" if row["provenance"] else ""
    notes = "; ".join(
        x for x in (f"imported from {source.name}:{row.line}", described, provenance) if x
    )
    return {
        "kind": row["kind"],
        "due": row["due"],
        "since": int(row["since"]) if row["since"] else None,
        "notes": notes,
    }


def summary_lines(results: list[tuple[Row, Outcome]]) -> list[str]:
    counts = Counter(outcome.status for _, outcome in results)
    lines = [f"{'outcome':<16} {'rows':>5}"]
    lines += [f"{status:<16} {counts.get(status, 0):>5}" for status in OUTCOMES]
    lines.append(f"{'total':<16} {len(results):>5}")
    return lines


def write_needs_human(path: Path, results: list[tuple[Row, Outcome]]) -> int:
    """The rows neither added nor already present, with why, for a person to look at."""
    todo = [(row, o) for row, o in results if o.status not in (ADDED, PRESENT)]
    columns = ["line", "agency", "url", "outcome", "reason"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row, outcome in todo:
            writer.writerow([row.line, row["agency"], row["url"], outcome.status, outcome.reason])
    return len(todo)
