"""The register's canned queries for Datasette: the agency × year grid, overdue now, late rates.

Plain data (title, description, SQL per query), to be merged into datasette/metadata.yml by hand;
the tests run each query against a real `register` table. The grid's cells use the symbols of
the `register` command's LEGEND (`archive.register_display`).
"""

from __future__ import annotations

REGISTER_QUERIES = {
    "matrix": {
        "title": "Register: agency × year",
        "description": (
            "One row per agency: each report year and its status (ok = on time, late+N = N days "
            "late, OVERDUE, - = missing from before tracking began, . = not yet due, ? = undated),"
            " with counts per status."
        ),
        "sql": """\
SELECT source_id, agency, kind, min(year) AS first_year, max(year) AS last_year,
       group_concat(year || ' ' || CASE status
           WHEN 'on_time' THEN 'ok'
           WHEN 'late' THEN 'late+' || days_late
           WHEN 'overdue' THEN 'OVERDUE'
           WHEN 'missing_before_tracking' THEN '-'
           WHEN 'not_due' THEN '.'
           ELSE '?' END, ' | ') AS years,
       sum(status = 'on_time') AS on_time,
       sum(status = 'late') AS late,
       sum(status = 'overdue') AS overdue,
       sum(status = 'missing_before_tracking') AS missing_before_tracking,
       sum(status = 'not_due') AS not_due,
       sum(status = 'undated') AS undated
FROM (SELECT * FROM register ORDER BY source_id, year)
GROUP BY source_id
ORDER BY agency, source_id""",
    },
    "overdue_now": {
        "title": "Register: overdue now",
        "description": (
            "Agency-years whose deadline passed while Gongkai watched the agency, with no report "
            "found yet; the longest overdue first."
        ),
        "sql": """\
SELECT source_id, agency, kind, year, due_on, due_basis, days_late AS days_overdue, computed_at
FROM register
WHERE status = 'overdue'
ORDER BY days_late DESC, agency, year""",
    },
    "late_rates": {
        "title": "Register: late publication per report year",
        "description": (
            "Per report year: how many agencies published on time, late, or not at all. "
            "late_pct = late / (on time + late); not_on_time_pct also counts overdue ones. "
            "Years missing before tracking began and undated reports are left out of both."
        ),
        "sql": """\
SELECT year,
       count(*) AS agencies,
       sum(status = 'on_time') AS on_time,
       sum(status = 'late') AS late,
       sum(status = 'overdue') AS overdue,
       sum(status = 'undated') AS undated,
       sum(status = 'missing_before_tracking') AS missing_before_tracking,
       sum(status = 'not_due') AS not_due,
       round(100.0 * sum(status = 'late')
             / nullif(sum(status IN ('on_time', 'late')), 0), 1) AS late_pct,
       round(100.0 * sum(status IN ('late', 'overdue'))
             / nullif(sum(status IN ('on_time', 'late', 'overdue')), 0), 1) AS not_on_time_pct,
       round(avg(CASE WHEN status = 'late' THEN days_late END), 1) AS avg_days_late
FROM register
GROUP BY year
ORDER BY year DESC""",
    },
}
