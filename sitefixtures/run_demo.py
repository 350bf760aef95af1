"""`make demo`: serve the bundled sample agency sites on 127.0.0.1 and run one real cycle.

The two sample sites (sitefixtures/demo/szka and …/gzhg) are built in the idiom of the two real
reports in shared/seeds: a Shenzhen port office column (NFCMS, UTF-8) and a Guangzhou Customs
计划总结 column (EasySite, GBK). Fixed ports keep report URLs stable, so running the demo again
shows what an unchanged site costs: no new reports, no new blobs.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from archive.config import load
from archive.db import open_db
from sitefixtures.server import FixtureServer, serve

HERE = Path(__file__).parent / "demo"
AGENCIES = {
    "szka": ("深圳市人民政府口岸办公室", "/xxgk/qt/ndbg/"),
    "gzhg": ("广州海关", "/guangzhou_customs/381558/381575/"),
}

CONFIG = """\
# Written by `make demo`: the bundled sample sites served on 127.0.0.1.
[archive]
database = "demo.db"

[crawl]
contact = "https://github.com/ (the Gongkai demo, local only)"
delay = 0
autothrottle = false
{sources}"""

SOURCE = """
[[sources]]
id = "{id}"
agency = "{agency}"
start_urls = ["{url}"]
"""


def write_config(path: Path, servers: dict[str, FixtureServer]) -> Path:
    """The demo's config file, pointing each source at its local server."""
    sources = "".join(
        SOURCE.format(id=sid, agency=AGENCIES[sid][0], url=server.url + AGENCIES[sid][1])
        for sid, server in servers.items()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG.format(sources=sources), "utf-8")
    return path


def start_servers(base_port: int) -> dict[str, FixtureServer]:
    try:
        return {sid: serve(HERE / sid, base_port + i) for i, sid in enumerate(AGENCIES)}
    except OSError as error:
        sys.exit(
            f"demo: cannot listen on 127.0.0.1:{base_port}-{base_port + 1} ({error}); "
            "pass --port to use other ports"
        )


def print_reports(database: Path, cycle_id: int) -> None:
    db = open_db(database)
    rows = db.execute(
        "SELECT source_id, year, published_on, title, url, repost, issuer FROM reports "
        "WHERE last_seen_cycle = ? ORDER BY source_id, year",
        [cycle_id],
    ).fetchall()
    print(f"\nreports found in cycle {cycle_id}:")
    for source_id, year, published_on, title, url, repost, issuer in rows:
        note = f"  (repost: issued by {issuer}; not counted in the register)" if repost else ""
        print(
            f"  {source_id}  {year}  {published_on or '(no date)':<10}  {title}{note}\n{'':8}{url}"
        )
    blobs_added = db.execute(
        "SELECT count(*) FROM blobs WHERE sha256 IN (SELECT sha256 FROM fetches WHERE cycle_id = ?)"
        " AND sha256 NOT IN (SELECT sha256 FROM fetches WHERE cycle_id < ? AND sha256 IS NOT NULL)",
        [cycle_id, cycle_id],
    ).fetchone()[0]
    print(f"\nnew blobs stored by this cycle: {blobs_added}")


def evidence_lines(database: Path, config_path: Path, data: Path) -> str:
    """The `show` and `export` lines to try next, naming a report the demo really archived."""
    row = (
        open_db(database)
        .execute(
            "SELECT id, sha256 FROM reports WHERE sha256 IS NOT NULL ORDER BY year DESC, id LIMIT 1"
        )
        .fetchone()
    )
    run = f".venv/bin/python scheduler.py --config {config_path}"
    show = f"{run} show {row[1]} -o {data / 'report.html'}" if row else f"{run} show --help"
    return f"""Show:      {show}
           (a report's archived bytes; `show {row[0] if row else "ID"} --versions`: its versions)
Export:    {run} export {data / "demo-reports.wacz"} --reports-only"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8471, help="first of two ports (default 8471)")
    parser.add_argument("--data", default="data", help="folder for demo.toml and demo.db")
    parser.add_argument("--serve", action="store_true", help="keep serving after the cycle")
    args = parser.parse_args()
    servers = start_servers(args.port)
    config_path = write_config(Path(args.data) / "demo.toml", servers)
    from gongkai import cycle  # imported late: it imports the crawl machinery

    config = load(config_path)
    result = cycle.run(config, progress=print)
    for o in result.outcomes:
        print(
            f"{o.source_id}: {o.status}, {o.pages} pages, {o.reports} reports "
            f"({o.new_reports} new), {o.errors} errors {o.message}"
        )
    print_reports(config.database, result.id)
    print(f"""
archive:   {config.database}
crawl log: {result.log_path}
Browse it: make serve   (Datasette, read-only, on http://127.0.0.1:8001 with canned queries)
Register:  .venv/bin/python scheduler.py --config {config_path} register
Run again: make demo   (an unchanged site adds no reports and no blobs)
Verify:    .venv/bin/python scheduler.py --config {config_path} verify
{evidence_lines(config.database, config_path, Path(args.data))}""")
    if args.serve:
        print("serving " + ", ".join(s.url for s in servers.values()) + " — Ctrl-C to stop")
        threading.Event().wait()
    for server in servers.values():
        server.stop()


if __name__ == "__main__":
    main()
