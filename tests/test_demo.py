"""`make demo` as a user runs it: both seed reports found, and a re-run stores nothing new."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from pathlib import Path

from archive.db import open_db
from sitefixtures import run_demo

EXPECTED = json.loads((run_demo.HERE / "expected.json").read_text("utf-8"))


def free_port_pair() -> int:
    """A port p such that p and p+1 are both free right now."""
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two adjacent free ports")


def run(port: int, data: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sitefixtures.run_demo", "--port", str(port), "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_finds_the_seed_reports_and_reruns_for_free(tmp_path):
    port = free_port_pair()
    first = run(port, tmp_path)

    db = open_db(tmp_path / "demo.db")
    rows = {
        (r["source_id"], r["url"].split(":", 2)[2].split("/", 1)[1], r["year"], r["published_on"])
        for r in db.query("SELECT * FROM reports")
    }
    want = {
        (sid, r["path"].lstrip("/"), r["year"], r["published_on"])
        for sid, spec in EXPECTED.items()
        for r in spec["reports"]
    }
    assert rows == want
    assert ("gzhg", "guangzhou_customs/381558/381575/391204/index.html", 2015, "2016-03-30") in rows
    assert ("szka", "xxgk/qt/ndbg/content/post_2295602.html", 2014, "2015-02-04") in rows
    assert "市口岸办2014年政府信息公开工作年度报告" in first
    # The column also carries the city's 2019 report: kept, marked, not counted as the office's.
    reposts = db.execute("SELECT title, issuer, issuer_evidence FROM reports WHERE repost = 1")
    assert reposts.fetchall() == [
        ("深圳市人民政府2019年政府信息公开工作年度报告", "深圳市人民政府", "title")
    ]
    own_2019 = db.execute(
        "SELECT id FROM reports WHERE source_id = 'szka' AND year = 2019 AND repost = 0"
    ).fetchone()[0]
    assert db["register"].get(("szka", 2019))["report_id"] == own_2019
    assert "repost: issued by 深圳市人民政府" in first
    assert "make serve" in first

    seed = "SELECT id FROM reports WHERE url LIKE '%/391204/index.html'"
    cells = {
        row["indicator"]: (row["value"], row["unit"])
        for row in db.query(f"SELECT * FROM report_stats WHERE report_id = ({seed})")
    }
    assert cells["legacy.active.items"] == (634, "条")
    assert cells["legacy.staff.total"] == (24, "人")
    assert cells["legacy.budget"] == (5, "万元")
    regime = db.execute(f"SELECT regime FROM reports WHERE id = ({seed})").fetchone()[0]
    assert regime == "2014"

    blob_count = db.execute("SELECT count(*) FROM blobs").fetchone()[0]
    second = run(port, tmp_path)
    assert db.execute("SELECT count(*) FROM blobs").fetchone()[0] == blob_count
    assert "new blobs stored by this cycle: 0" in second
    assert "(0 new)" in second


def test_demo_ends_with_show_and_export_lines_that_work(tmp_path):
    out = run(free_port_pair(), tmp_path)
    lines = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in out.splitlines()
             if line.startswith(("Show:", "Export:"))}  # fmt: skip
    root = Path(__file__).parent.parent
    for name in ("Show", "Export"):
        argv = lines[name].split()
        assert argv[0] == ".venv/bin/python"
        done = subprocess.run([sys.executable, *argv[1:]], cwd=root, capture_output=True)
        assert done.returncode == 0, done.stderr
    key = lines["Show"].split(" show ")[1].split()[0]
    report = tmp_path / "report.html"
    assert hashlib.sha256(report.read_bytes()).hexdigest() == key
    assert (tmp_path / "demo-reports.wacz").stat().st_size > 0
