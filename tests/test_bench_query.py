"""`make bench-query` at a toy size: it builds, serves, times and prints its QUERYBENCH line.

No timing is asserted: the numbers are measured by `make bench-query`, not tested. What is
checked is that the generated archive is one Datasette and the search can read (every canned
query answered, the search finds its term), that `coverage` and `indicator` give on it exactly
what the full queries give, and that the output has the promised shape.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import reference_queries as reference

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(300)
def test_bench_query_runs_at_a_toy_size(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench.query", "--sizes", "150,300", "--work", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    rows = (
        "search 2 chars",
        "search nowhere",
        "table report_stats",
        "canned coverage",
        r"canned indicator \(rare\)",
    )
    for row in rows:
        line = re.search(rf"^{row}\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$", out, re.M)
        assert line and "inf" not in line.group(0), (row, out)  # answered at both sizes
    assert re.search(
        r"^QUERYBENCH search_p95_ms_1\.5M=\d+ table_p95_ms_1\.5M=\d+ canned_p95_ms_1\.5M=\d+ "
        r"index_bytes_per_report=\d+$",
        out,
        re.M,
    ), out
    with sqlite3.connect(tmp_path / "query300.db") as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (300,)
        assert (
            conn.execute(
                "SELECT count(*) FROM search_index WHERE search_index MATCH '\"复议\"'"
            ).fetchone()[0]
            > 0
        )
    # The summary the archive's triggers filled gives what the full queries give.
    reference.assert_same(tmp_path / "query300.db")
