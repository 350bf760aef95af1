"""Gongkai's command line: run a cycle, verify the archive. Wiring only; the work is elsewhere."""

from __future__ import annotations

import sys

import click

import cycle as cycle_module
from archive import blobs
from archive.config import Config, ConfigError, load
from archive.db import open_db


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default="archive.toml",
    show_default=True,
    envvar="GONGKAI_CONFIG",
    type=click.Path(dir_okay=False),
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


def _config(ctx: click.Context) -> Config:
    try:
        return load(ctx.obj)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@cli.command()
@click.pass_context
def once(ctx: click.Context) -> None:
    """Run one cycle now: crawl every enabled source, archive every response, record the
    reports found, and print a summary per source.

    A source that fails is recorded in `cycle_sources` and the others still run. The exit
    status is non-zero only when the cycle as a whole could not run.

    Example:

        python scheduler.py --config archive.toml once
    """
    config = _config(ctx)
    if not config.crawl.contact:
        click.echo("note: set [crawl] contact so site operators can reach you", err=True)
    result = cycle_module.run(config, progress=lambda line: click.echo(line, err=True))
    _print_summary(result)
    click.echo(f"archive: {config.database}   crawl log: {result.log_path}")
    if result.status != "completed":
        raise click.ClickException(result.error)


def _print_summary(result: cycle_module.CycleResult) -> None:
    click.echo(f"cycle {result.id}: {result.status}")
    header = f"{'source':<12} {'status':<7} {'pages':>6} {'reports':>8} {'new':>5} {'errors':>7}"
    click.echo(header)
    for o in result.outcomes:
        click.echo(
            f"{o.source_id:<12} {o.status:<7} {o.pages:>6} {o.reports:>8} {o.new_reports:>5} "
            f"{o.errors:>7}" + (f"  {o.message}" if o.message else "")
        )


@cli.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Re-hash every archived body and check every reference to one.

    Prints each blob whose bytes no longer hash to its key (or its recorded size), and each
    fetch or report pointing at a missing blob; exits 1 if anything does not match. This is
    the proof to cite: the SHA-256 in `fetches.sha256` is the hash of the bytes received.

    Example:

        python scheduler.py --config archive.toml verify
    """
    config = _config(ctx)
    if not config.database.exists():
        raise click.ClickException(f"{config.database}: no archive yet (run `once` first)")
    db = open_db(config.database)
    count = db.execute("SELECT count(*) FROM blobs").fetchone()[0]
    problems = [str(p) for p in blobs.verify(db)]
    for problem in problems:
        click.echo(problem)
    click.echo(f"{count} blobs checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    cli()
