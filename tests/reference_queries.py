"""`coverage`, `indicator` and `failing_checks` as they were before `coverage_summary` (migration
0016) and the ordered reads: each a full pass over the archive, sorted. The canned queries must
return exactly these rows, in this order (tests/test_register.py on an archive real cycles
made, tests/test_bench_query.py on a generated one)."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import yaml

from archive import coverage
from archive.db import open_db

METADATA = Path(__file__).parent.parent / "datasette" / "metadata.yml"

COVERAGE = """
WITH cells AS (
  SELECT source_id, agency, year,
         coalesce(min(published_on), '✓')
         || CASE WHEN count(*) > 1 THEN ' ×' || count(*) ELSE '' END
         || CASE WHEN min(status) = 'removed' THEN ' (removed)' ELSE '' END AS cell
  FROM reports
  WHERE year IS NOT NULL AND repost = 0
  GROUP BY source_id, agency, year
),
reposted AS MATERIALIZED (
  SELECT source_id, agency,
         group_concat(year || ': ' || coalesce(issuer, '?'), '; ') AS reposts
  FROM (SELECT source_id, agency, year, issuer FROM reports
        WHERE repost = 1 ORDER BY year)
  GROUP BY source_id, agency
),
span(year) AS (
  SELECT min(year) FROM reports
  UNION ALL
  SELECT year + 1 FROM span WHERE year < (SELECT max(year) FROM reports)
),
gaps AS (
  SELECT source_id, agency, group_concat(year, ' ') AS missing
  FROM (
    SELECT s.source_id, s.agency, span.year
    FROM (SELECT source_id, agency, min(year) AS first FROM cells
          GROUP BY source_id, agency) s
    JOIN span ON span.year >= s.first
    WHERE NOT EXISTS (SELECT 1 FROM cells c WHERE c.source_id = s.source_id
                      AND c.agency = s.agency AND c.year = span.year)
    ORDER BY span.year
  )
  GROUP BY source_id, agency
)
SELECT cells.source_id, cells.agency, count(*) AS years, gaps.missing,
       p.reposts,
       max(CASE WHEN year = 2008 THEN cell END) AS "2008",
       max(CASE WHEN year = 2009 THEN cell END) AS "2009",
       max(CASE WHEN year = 2010 THEN cell END) AS "2010",
       max(CASE WHEN year = 2011 THEN cell END) AS "2011",
       max(CASE WHEN year = 2012 THEN cell END) AS "2012",
       max(CASE WHEN year = 2013 THEN cell END) AS "2013",
       max(CASE WHEN year = 2014 THEN cell END) AS "2014",
       max(CASE WHEN year = 2015 THEN cell END) AS "2015",
       max(CASE WHEN year = 2016 THEN cell END) AS "2016",
       max(CASE WHEN year = 2017 THEN cell END) AS "2017",
       max(CASE WHEN year = 2018 THEN cell END) AS "2018",
       max(CASE WHEN year = 2019 THEN cell END) AS "2019",
       max(CASE WHEN year = 2020 THEN cell END) AS "2020",
       max(CASE WHEN year = 2021 THEN cell END) AS "2021",
       max(CASE WHEN year = 2022 THEN cell END) AS "2022",
       max(CASE WHEN year = 2023 THEN cell END) AS "2023",
       max(CASE WHEN year = 2024 THEN cell END) AS "2024",
       max(CASE WHEN year = 2025 THEN cell END) AS "2025",
       max(CASE WHEN year = 2026 THEN cell END) AS "2026",
       max(CASE WHEN year = 2027 THEN cell END) AS "2027",
       max(CASE WHEN year = 2028 THEN cell END) AS "2028",
       max(CASE WHEN year = 2029 THEN cell END) AS "2029",
       max(CASE WHEN year = 2030 THEN cell END) AS "2030",
       group_concat(CASE WHEN year NOT BETWEEN 2008 AND 2030
                    THEN year || ': ' || cell END, '; ') AS other_years
FROM cells
LEFT JOIN gaps ON gaps.source_id = cells.source_id AND gaps.agency = cells.agency
LEFT JOIN reposted p ON p.source_id = cells.source_id AND p.agency = cells.agency
GROUP BY cells.source_id, cells.agency
ORDER BY cells.agency, cells.source_id
"""

INDICATOR = """
SELECT r.agency, r.year, s.value, s.unit, s.regime, s.section, s.row_label,
       s.column_label, r.title, r.url, r.source_id, r.id AS report_id
FROM report_stats s
JOIN reports r ON r.id = s.report_id AND r.sha256 = s.version
WHERE s.indicator = :indicator
ORDER BY r.agency, r.year, s.id
"""

FAILING_CHECKS = """
SELECT r.agency, r.year, r.title, c.name AS check_name, c.expected, c.actual, c.detail,
       r.url, r.source_id, r.id AS report_id
FROM stats_checks c
JOIN reports r ON r.id = c.report_id AND r.sha256 = c.version
WHERE c.passed = 0
ORDER BY r.agency, r.year, c.name
"""

_FOUND = re.compile(r"found\(many\) AS MATERIALIZED \(.*?\n\)", re.S)


def forced(sql: str, ordered: bool) -> str:
    """A canned query with two ways (`indicator`, `failing_checks`) made to take one whatever
    the counts say: reports in order (`ordered`) or its rows through their index, then sorted."""
    forced, count = _FOUND.subn(f"found(many) AS (SELECT {int(ordered)})", sql)
    assert count == 1, "the canned query no longer chooses its way in `found`"
    return forced


def rows(conn: sqlite3.Connection, sql: str, **params) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def canned(name: str) -> str:
    """The canned query's SQL, as `make serve` gives it to Datasette."""
    queries = yaml.safe_load(METADATA.read_text("utf-8"))["databases"]["archive"]["queries"]
    return queries[name]["sql"]


def assert_same(path: Path) -> None:
    """`coverage`, `indicator` (every indicator present, and one found nowhere) and
    `failing_checks` (each of their two ways forced too) return exactly the rows, in the order,
    the full queries return."""
    with closing(sqlite3.connect(path)) as conn:
        assert rows(conn, canned("coverage")) == rows(conn, COVERAGE)
        indicators = [i for (i,) in conn.execute("SELECT DISTINCT indicator FROM stat_cells")]
        for indicator in [*indicators, "no.such.key"]:
            expected = rows(conn, INDICATOR, indicator=indicator)
            assert rows(conn, canned("indicator"), indicator=indicator) == expected, indicator
            for ordered in (True, False):
                sql = forced(canned("indicator"), ordered)
                assert rows(conn, sql, indicator=indicator) == expected, (indicator, ordered)
        # Checks failing in two reports of one agency and year are in no stated order.
        expected = rows(conn, FAILING_CHECKS)
        for sql in (
            canned("failing_checks"),
            *(forced(canned("failing_checks"), o) for o in (1, 0)),
        ):
            found = rows(conn, sql)
            assert sorted(found) == sorted(expected)
            assert [row[:4] for row in found] == [row[:4] for row in expected]
    with closing(open_db(path)) as db:
        assert coverage.stale(db) == 0
