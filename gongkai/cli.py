"""Gongkai's command line: run a cycle, run cycles on a schedule, verify the archive.

Wiring only; the work is elsewhere (gongkai/cycle.py, gongkai/schedule.py, archive/). Run as
`gongkai …` once installed, or as `python scheduler.py …` from a checkout.
"""

from __future__ import annotations

import itertools
import signal
import sqlite3
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click
from sqlite_utils import Database

from archive import (
    blobs,
    coverage,
    cycles,
    evidence,
    export_verify,
    extraction,
    lock,
    preflight,
    register,
    search,
    source_list,
)
from archive import export as export_module
from archive.config import Config, ConfigError, load
from archive.db import open_db
from archive.preflight import ArchiveError
from gongkai import check as check_module
from gongkai import cycle as cycle_module
from gongkai import onboard, schedule


class _Commands(click.Group):
    """The command group, and the one place where any command's failure to use its files
    becomes one line naming the file and what is wrong, never a traceback: a bad config or
    archive path (ConfigError, ArchiveError: nothing was touched), a file-system error, or
    SQLite failing mid-write (a full disk: what was committed before stays archived)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (ConfigError, ArchiveError) as error:
            raise click.ClickException(str(error)) from None
        except sqlite3.Error as error:
            database = ctx.meta.get(_DATABASE, "the archive")
            raise click.ClickException(
                f"{database}: {error} (SQLite); what was committed before stays archived"
            ) from None
        except OSError as error:
            if error.filename is None:
                raise
            raise click.ClickException(f"{error.filename}: {error.strerror}") from None


_DATABASE = "gongkai.database"


def _day_option(name: str, help: str) -> Callable:
    """A `--name YYYY-MM-DD` option, given to the command as a date (or None)."""
    return click.option(
        name,
        type=click.DateTime(["%Y-%m-%d"]),
        metavar="YYYY-MM-DD",
        callback=lambda _ctx, _param, value: value.date() if value else None,
        help=help,
    )


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default="archive.toml",
    show_default=True,
    envvar="GONGKAI_CONFIG",
    type=click.Path(readable=False),  # checked by config.load, which says what is wrong in one line
    help="The TOML config file: [archive], [crawl] and the [[sources]] to watch.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str) -> None:
    """Gongkai: find, archive and watch Chinese government information-disclosure annual
    reports (政府信息公开工作年度报告).

    Every response is kept verbatim in SQLite under its SHA-256; every annual report found is a
    row in `reports`. Browse the result with `datasette DATABASE`.
    """
    ctx.obj = config_path


def _config(ctx: click.Context, need_sources: bool = True) -> Config:
    config = load(ctx.obj, need_sources=need_sources)  # a ConfigError is said by _Commands
    ctx.meta[_DATABASE] = config.database  # for the errors said by _Commands
    return config


def _existing_archive(ctx: click.Context) -> Config:
    """The config of a command that reads an archive a cycle made: one line when there is none."""
    config = _config(ctx)
    if not config.database.exists():
        raise click.ClickException(f"{config.database}: no archive yet (run `once` first)")
    return config


@cli.command()
@click.option(
    "--wait",
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    type=click.FloatRange(min=0),
    help="If another cycle holds the archive, wait up to this long for it instead of refusing.",
)
@click.pass_context
def once(ctx: click.Context, wait: float) -> None:
    """Run one cycle now: crawl every enabled source, archive every response, record the
    reports found, and print a summary per source.

    A source that fails is recorded in `cycle_sources` and the others still run. The exit
    status is non-zero only when the cycle as a whole could not run, when another cycle
    holds the archive (see --wait), or when SIGINT/SIGTERM stopped it: the crawl is then cut
    short, what it fetched so far stays archived, and the cycle is recorded as interrupted.

    Example:

        python scheduler.py --config archive.toml once

        python scheduler.py --config archive.toml once --wait 3600   # from cron
    """
    config = _config(ctx)
    stop = threading.Event()
    with _stop_on_signals(stop) as received:
        result = _run_waiting(config, stop, wait, received)
    _print_summary(result)
    click.echo(f"archive: {config.database}   crawl log: {result.log_path}")
    _contact_note(config)
    if result.status == cycles.INTERRUPTED and received:
        raise _Stopped(
            f"cycle {result.id} interrupted by {received[0]}; the responses fetched before the "
            "stop are archived",
            received[0],
        )
    if result.status != cycles.COMPLETED:
        raise click.ClickException(result.error)


@cli.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """Run cycles on the [schedule] cron (default: 02:30 every night, Asia/Shanghai) until
    stopped, one at a time, printing a summary per cycle.

    If the schedule was missed — no completed cycle since the most recent scheduled time, e.g.
    the machine was off — a catch-up cycle runs at once. SIGINT or SIGTERM stops it cleanly: a
    running crawl is cut short and recorded as interrupted, what it fetched stays archived,
    and the exit status is 0.

    Run it under systemd (Type=simple; see the README's "Running it nightly"). Or skip it and
    let cron or a systemd timer call `once --wait SECONDS` instead.

    Example:

        python scheduler.py --config archive.toml start
    """
    config = _config(ctx)
    preflight.check(config.database)  # refuse now, not at the first scheduled time
    _contact_note(config)
    stop = threading.Event()
    with _stop_on_signals(stop) as received:
        schedule.run(config, stop, on_result=_print_cycle, say=_say)
    if received:
        click.echo(f"stopped by {received[0]}", err=True)


def _say(line: str) -> None:
    click.echo(line, err=True)


def _contact_note(config: Config) -> None:
    if not config.crawl.contact:
        click.echo("note: set [crawl] contact so site operators can reach you", err=True)


class _Stopped(click.ClickException):
    """Stopped by a signal: exit 128 + its number, as a shell reports a process it killed."""

    def __init__(self, message: str, signame: str) -> None:
        super().__init__(message)
        self.exit_code = 128 + signal.Signals[signame].value


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[list[str]]:
    """While inside, SIGINT and SIGTERM set `stop` (their names are collected) instead of
    ending the process; the previous handlers are restored on the way out."""
    received: list[str] = []

    def handler(signum: int, _frame: object) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _run_waiting(
    config: Config, stop: threading.Event, wait: float, received: list[str]
) -> cycle_module.CycleResult:
    """One cycle; while another holds the archive, wait for up to `wait` seconds (a signal
    ends the waiting too)."""
    try:
        return cycle_module.run(config, progress=_say, stop=stop, wait=wait)
    except lock.Busy as busy:
        if stop.is_set():
            raise _Stopped(f"{busy}; stopped waiting on {received[0]}", received[0]) from None
        waited = f"; waited {wait:g} s" if wait else "; use --wait SECONDS to wait for it"
        raise click.ClickException(f"{busy}{waited}") from None


def _print_cycle(result: cycle_module.CycleResult) -> None:
    _print_summary(result)
    error = f"   error: {result.error}" if result.error else ""
    click.echo(f"crawl log: {result.log_path}{error}")


def _print_summary(result: cycle_module.CycleResult) -> None:
    click.echo(f"cycle {result.id}: {result.status}")
    header = f"{'source':<12} {'status':<7} {'pages':>6} {'reports':>8} {'new':>5} {'errors':>7}"
    click.echo(header)
    for o in result.outcomes:
        click.echo(
            f"{o.source_id:<12} {o.status:<7} {o.pages:>6} {o.reports:>8} {o.new_reports:>5} "
            f"{o.errors:>7}" + (f"  {o.message}" if o.message else "")
        )
    if result.events:
        click.echo("events: " + ", ".join(f"{k} {n}" for k, n in sorted(result.events.items())))
    if result.delivery and (result.delivery.sent or result.delivery.failed):
        d = result.delivery
        down = f" (down: {', '.join(d.down)}; retried next cycle)" if d.down else ""
        click.echo(f"alerts: {d.sent} sent, {d.failed} failed{down}")


@cli.command()
@click.option(
    "--export",
    "export_file",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Verify an export (.wacz or .warc.gz) instead of the archive.",
)
@click.pass_context
def verify(ctx: click.Context, export_file: str | None) -> None:
    """Re-hash every archived body and check every reference to one.

    Prints each blob whose bytes no longer hash to its key (or its recorded size), each
    fetch or report pointing at a missing blob, each text the search index lacks and each of
    its rows whose text is gone, and whether coverage_summary matches the reports; exits 1 if
    anything does not match. This is
    the proof to cite: the SHA-256 in `fetches.sha256` is the hash of the bytes received.

    With --export FILE, checks an export instead: every record's payload hashes to its
    WARC-Payload-Digest (and a WACZ's files to its datapackage.json) and, when the config's
    archive exists, each exported exchange is in it unchanged.

    Example:

        python scheduler.py --config archive.toml verify

        python scheduler.py --config archive.toml verify --export reports-2026.wacz
    """
    if export_file:
        _verify_export(ctx, export_file)
        return
    config = _existing_archive(ctx)
    db = open_db(config.database)
    count = db.execute("SELECT count(*) FROM blobs").fetchone()[0]
    found = itertools.chain(blobs.verify(db), search.verify(db), coverage.verify(db))
    problems = [str(p) for p in found]
    for problem in problems:
        click.echo(problem)
    click.echo(
        f"{count} blobs, the search index and coverage_summary checked, {len(problems)} problems"
    )
    sys.exit(1 if problems else 0)


@cli.command()
@click.argument("target")
@_day_option(
    "--at", "With a URL: the body as archived on or before this day (UTC), not the latest."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the body to this file instead of stdout.",
)
@click.option("--headers", is_flag=True, help="Print the exchange's request and response heads.")
@click.option("--versions", is_flag=True, help="With a report id: list its versions.")
@click.option(
    "--diff", nargs=2, metavar="A B", help="With a report id: the text diff of two versions."
)
@click.pass_context
def show(
    ctx: click.Context,
    target: str,
    at: date | None,
    output: str | None,
    headers: bool,
    versions: bool,
    diff: tuple[str, str] | None,
) -> None:
    """Write an archived body, byte for byte, to stdout (or -o FILE); or a report's versions.

    TARGET is a SHA-256 (a blob key, as in `fetches.sha256`), a URL (its latest archived
    body, or the one of --at YYYY-MM-DD), or a report id (its current body; --versions lists
    every version with when it was first seen, its SHA-256 and size; --diff A B prints the
    text diff of versions A and B, given as numbers from --versions or SHA-256 prefixes).
    With --headers, the request as sent and the response headers as received are printed
    instead of the body (the body still goes to -o FILE if given).

    Example:

        python scheduler.py --config archive.toml show 3f5a…e1 -o report.html

        python scheduler.py --config archive.toml show http://ka.sz.gov.cn/… --at 2026-03-03

        python scheduler.py --config archive.toml show 12 --diff 1 2
    """
    config = _existing_archive(ctx)
    if (versions or diff) and not target.isdigit():
        raise click.ClickException(f"--versions and --diff take a report id, not {target!r}")
    db = open_db(config.database)
    try:
        if target.isdigit() and (versions or diff or len(target) < 12):
            _show_report(db, int(target), versions, diff)
            if versions or diff:
                return
            target = evidence.current_sha256(db, int(target))
        if target.startswith(("http://", "https://")):
            exchange = evidence.exchange_of_url(db, target, at)
            body = evidence.body(db, exchange.sha256)
        else:
            body = evidence.body(db, target)
            exchange = evidence.exchange_of_blob(db, target)
    except evidence.NotFound as missing:
        raise click.ClickException(str(missing)) from None
    if headers:
        if exchange is None:
            raise click.ClickException(f"blob {target}: no fetch in the log brought it")
        click.echo(evidence.headers_text(db, exchange), nl=False)
    if output:
        with open(output, "wb") as out:
            out.write(body)
    elif not headers:
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()


def _show_report(
    db: Database, report_id: int, versions: bool, diff: tuple[str, str] | None
) -> None:
    found = evidence.versions(db, report_id)
    if versions:
        click.echo(f"{'version':>7}  {'first seen':<25}  {'sha256':<64}  {'size':>9}")
        for v in found:
            click.echo(f"{v.number:>7}  {v.first_seen_at:<25}  {v.sha256}  {v.size or 0:>9}")
    if diff:
        click.echo(evidence.diff(db, report_id, *diff), nl=False)


def _verify_export(ctx: click.Context, export_file: str) -> None:
    """`verify --export`: the file on its own, and against the archive when there is one."""
    db = None
    try:
        config = load(ctx.obj)
        if config.database.exists():
            db = open_db(config.database)
    except ConfigError:
        pass
    try:
        checked = export_verify.verify(Path(export_file), db, progress=_say)
    except (OSError, ValueError, zipfile.BadZipFile, export_verify.Unreadable) as error:
        raise click.ClickException(f"{export_file}: not a readable export ({error})") from None
    for problem in checked.problems:
        click.echo(problem)
    against = (
        f", {checked.matched_archive} records found unchanged in {config.database}"
        if db is not None
        else ", no archive at hand to compare with"
    )
    click.echo(
        f"{checked.records} records: {checked.payloads} payloads and {checked.revisits} "
        f"revisits checked{against}; {len(checked.problems)} problems"
    )
    sys.exit(1 if checked.problems else 0)


@cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--source", metavar="ID", help="Only this source's exchanges.")
@_day_option("--since", "Only exchanges fetched on or after this day (UTC).")
@_day_option("--until", "Only exchanges fetched on or before this day (UTC).")
@click.option(
    "--reports-only",
    is_flag=True,
    help="Only report pages, their attachments and the list pages that linked them.",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    file: str,
    source: str | None,
    since: date | None,
    until: date | None,
    reports_only: bool,
) -> None:
    """Export archived exchanges as a WACZ (FILE.wacz) or a WARC (FILE.warc.gz), for pywb,
    ReplayWeb.page or another archive.

    Each exchange is a WARC 1.1 request and response record with the headers as received;
    WARC-Payload-Digest is `sha256:` and the blob key. A 304 is a revisit record pointing at
    the body it confirmed, and a body fetched again is a revisit too: no bytes are repeated.
    A WACZ adds a CDXJ index, pages/pages.jsonl (the report pages, titled) and
    datapackage.json with every file's hash. Check one with `verify --export FILE`.

    Example:

        python scheduler.py --config archive.toml export reports.wacz --source szka --reports-only

        python scheduler.py --config archive.toml export 2026-03.warc.gz --since 2026-03-01
    """
    config = _existing_archive(ctx)
    if source and source not in {s.id for s in config.sources}:
        raise click.ClickException(f"{config.path}: no source with id {source!r}")
    try:
        summary = export_module.export(
            open_db(config.database),
            Path(file),
            source=source,
            since=since,
            until=until,
            reports_only=reports_only,
            progress=_say,
        )
    except export_module.ExportError as error:
        raise click.ClickException(str(error)) from None
    partial = (
        f", {summary.partial} with only what was known (fetched before 0009)"
        if summary.partial
        else ""
    )
    click.echo(
        f"{summary.path}: {summary.exchanges} exchanges ({summary.responses} responses, "
        f"{summary.revisits} revisits{partial}), {summary.pages} report pages, "
        f"{summary.payload_bytes:,} bytes of bodies"
    )
    if summary.pulled_in:
        click.echo(
            f"  {summary.pulled_in} earlier exchanges brought along: the bodies that 304s in "
            "range confirmed"
        )
    if summary.skipped:
        click.echo(f"  {summary.skipped} failed fetches left out: no response was exchanged")


@cli.command("register")
@click.option("--year", type=int, metavar="YEAR", help="Only this report year.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(register.STATUSES),
    help="Only rows with this status (repeat for several).",
)
@click.option("--source", "sources", multiple=True, metavar="ID", help="Only this source (repeat).")
@click.option("--csv", "as_csv", is_flag=True, help="Print every column as CSV instead.")
@_day_option(
    "--today", "Judge deadlines as of this day (default: today in the [schedule] time zone)."
)
@click.pass_context
def register_command(
    ctx: click.Context,
    year: int | None,
    statuses: tuple[str, ...],
    sources: tuple[str, ...],
    as_csv: bool,
    today: date | None,
) -> None:
    """Print the register: for each source and report year, the deadline, whether the report
    came on time, late, or not at all (overdue), and on what evidence; then the agency × year
    matrix. Computed from the archive as of --today; nothing is written.

    Deadlines: report years up to 2018 are due 31 March of the next year; from 2019,
    departments by 31 January and governments' own reports by 31 March — unless [register]
    local_rules or a source's `due` say otherwise. A source without `kind` has it guessed from
    its agency name, and the output says so.

    Example:

        python scheduler.py --config archive.toml register

        python scheduler.py --config archive.toml register --status overdue

        python scheduler.py --config archive.toml register --year 2024 --csv
    """
    config = _existing_archive(ctx)
    unknown = [s for s in sources if s not in {source.id for source in config.sources}]
    if unknown:
        raise click.ClickException(f"{config.path}: no source with id {unknown[0]!r}")
    day = today or register.today(config)
    rows = [
        row
        for row in register.compute(open_db(config.database), config, day)
        if (year is None or row["year"] == year)
        and (not statuses or row["status"] in statuses)
        and (not sources or row["source_id"] in sources)
    ]
    notes = register.guessed_notes(config)
    if as_csv:
        click.echo(register.csv_text(rows), nl=False)
        for note in notes:
            click.echo(note, err=True)
        return
    _print_register(rows, day, config.schedule.timezone, notes)


def _print_register(rows: list[dict], day: date, zone: str, notes: list[str]) -> None:
    click.echo(f"register as of {day.isoformat()} ({zone}): {len(rows)} agency-years")
    if rows:
        click.echo("")
        for line in register.table_lines(rows):
            click.echo(line)
        click.echo("")
        for line in register.matrix_lines(rows):
            click.echo(line)
        click.echo(register.LEGEND)
    for note in notes:
        click.echo(note)


@cli.command()
@click.pass_context
def reextract(ctx: click.Context) -> None:
    """Re-run text and statistics extraction over every report version in the archive.

    Extraction is a pure function of the archived bytes, so when Gongkai's extractors improve,
    this rebuilds `report_versions.text`, `report_stats` and `stats_checks` from `blobs` alone,
    without fetching anything. Safe to run at any time; it takes the archive's lock.

    Example:

        python scheduler.py --config archive.toml reextract
    """
    config = _existing_archive(ctx)
    try:
        with lock.hold(config.database):
            db = open_db(config.database)
            count = extraction.reextract(
                db, lambda done, total: click.echo(f"… {done}/{total} versions", err=True)
            )
    except lock.Busy as busy:
        raise click.ClickException(str(busy)) from None
    failing = db.execute("SELECT count(*) FROM stats_checks WHERE passed = 0").fetchone()[0]
    rows = db.execute("SELECT count(*) FROM report_stats").fetchone()[0]
    click.echo(f"{count} versions re-extracted: {rows} statistics cells, {failing} failing checks")
    unread = db.execute("SELECT count(*) FROM extraction_failures").fetchone()[0]
    if unread:
        click.echo(f"{unread} versions could not be read: see the extraction_failures view")


@cli.command("check")
@click.argument("source_id")
@click.pass_context
def check_command(ctx: click.Context, source_id: str) -> None:
    """Crawl one source without touching the archive and print what discovery recognised:
    each list page's CMS family and the pagination followed, how many entries the column states
    beside how many the crawl reached, the reports found by year (with where each date came
    from), every entry skipped with the reason, and any fetch problem.

    The crawl goes into a temporary database that is deleted afterwards, so run it as often as
    you like while adding an agency to the config.

    Example:

        python scheduler.py --config archive.toml check szka
    """
    config = _config(ctx)
    config.source(source_id)  # a ConfigError (no such source) is said by _Commands
    report = check_module.check(config, source_id)
    for line in check_module.render(report):
        click.echo(line)
    for note in register.guessed_notes(config):
        if f"source {source_id} " in note:
            click.echo(note)
    if report.exit_code != 0:
        raise click.ClickException(f"the crawl exited with code {report.exit_code}")


@cli.command("add")
@click.argument("url")
@click.option("--agency", metavar="NAME", help="The agency's name (default: as its site says).")
@click.option("--id", "source_id", metavar="ID", help="The source id (default: from the host).")
@click.option("--dry-run", is_flag=True, help="Print the [[sources]] block; write nothing.")
@click.pass_context
def add_command(
    ctx: click.Context, url: str, agency: str | None, source_id: str | None, dry_run: bool
) -> None:
    """Find an agency's report column from its home page, its 信息公开 page or the column
    itself, and add it to the config when at least one annual report is there.

    The URL is crawled as `check` crawls a source (robots.txt, the config's User-Agent and
    delays, a throwaway archive): menu links labelled 年报 / 政府信息公开年报 / 年度报告 are
    followed up to two hops, from a home page through its 信息公开 link. It prints the
    column, its CMS family and the reports by year; the [[sources]] block is appended at the
    end of the config file, whose existing text is left byte for byte. Refuses, writing
    nothing, when no report column is found, the site answers with a challenge page, it
    cannot be reached, or the URL or column is already configured.

    Example:

    \b
        python scheduler.py --config archive.toml add http://mzj.example.gov.cn/xxgk/
        python scheduler.py --config archive.toml add URL --agency 东岭区民政局 --dry-run
    """
    config = _config(ctx, need_sources=False)
    outcome = onboard.add(config, url, agency or "", source_id or "", dry_run=dry_run)
    for line in onboard.render(outcome):
        click.echo(line)
    if dry_run and outcome.ok:
        click.echo("")
        click.echo(outcome.block, nl=False)
        return
    if not outcome.ok:
        raise click.ClickException(f"{url}: nothing written ({outcome.status})")
    click.echo(f"added source {outcome.source_id!r} to {config.path}")
    _contact_note(config)


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--needs-human",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Where to write the rows a person must look at (default: FILE.needs-human.csv "
    "beside the config).",
)
@click.pass_context
def import_command(ctx: click.Context, file: str, needs_human: str | None) -> None:
    """`add` every row of a CSV with columns agency,url[,id,level,region,kind,due,since], one
    after another, so one host at a time.

    Prints a progress line per row, then a summary (added, already present, no column found,
    unreachable, blocked, refused), and writes the rows that need a person to a CSV. Resumable:
    a row whose URL is configured already is skipped without a fetch, so running it again
    only tries what is still missing. The registry (archive/registry.csv) imports too.

    Example:

        python scheduler.py --config archive.toml import agencies.csv
    """
    config = _config(ctx, need_sources=False)
    try:
        rows = onboard.read_rows(Path(file))
    except onboard.ImportFileError as error:
        raise click.ClickException(str(error)) from None
    results = onboard.import_rows(config.path, rows, Path(file), progress=_say)
    for line in onboard.summary_lines(results):
        click.echo(line)
    todo = Path(needs_human or config.path.parent / f"{Path(file).stem}.needs-human.csv")
    count = onboard.write_needs_human(todo, results)
    click.echo(f"{count} rows need a person: {todo}")


@cli.command("sources")
@click.option("--csv", "as_csv", is_flag=True, help="Print every column as CSV instead.")
@_day_option(
    "--today", "Judge overdue years as of this day (default: today in the [schedule] time zone)."
)
@click.pass_context
def sources_command(ctx: click.Context, as_csv: bool, today: date | None) -> None:
    """List the configured sources (your own and those [include] selects) with the CMS family
    of their column, the last cycle's status, the reports by year, the entries the column
    states beside those reached, and the register's overdue years.

    Reads the archive; nothing is fetched or written. Before the first cycle every source is
    listed as `never run`.

    Example:

    \b
        python scheduler.py --config archive.toml sources
        python scheduler.py --config archive.toml sources --csv > sources.csv
    """
    config = _config(ctx, need_sources=False)
    db = open_db(config.database) if config.database.exists() else None
    day = today or register.today(config)
    rows = source_list.rows(db, config, day)
    if as_csv:
        click.echo(source_list.csv_text(rows), nl=False)
        return
    for line in source_list.table_lines(rows):
        click.echo(line)


if __name__ == "__main__":
    cli()
