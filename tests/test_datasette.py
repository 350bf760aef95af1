"""The Datasette query surface: every table and column described, every canned query answering,
Chinese search for two- and four-character terms, the Atom view, read-only serving."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from archive import blobs, search
from archive.db import open_db
from bench.query import free_port, serve_command
from tests.helpers import add_version
from tests.test_docs import fts5_shadow_tables

ROOT = Path(__file__).parent.parent
FOLDER = ROOT / "datasette"
METADATA = yaml.safe_load((FOLDER / "metadata.yml").read_text("utf-8"))
SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 1000}  # as `make serve`
ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime.now(UTC)

SZ, GZ, HD = "深圳市人民政府口岸办公室", "广州海关", "北京市海淀区人民政府"
SOURCES = {SZ: "szka", GZ: "gzhg", HD: "hdqzf"}
INDICATOR = "requests.received.new"


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="seconds")


class Fixture:
    """An archive with three sources, several years, versions, events, statistics and checks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_db(path)
        for cycle_id in (1, 2, 3):
            self.db["cycles"].insert(
                {"id": cycle_id, "started_at": ago(30 - cycle_id), "status": "completed"}
            )
        self.ids: dict[str, int] = {}
        self.versions: dict[str, str] = {}

    def report(self, key, agency, title, year, published_on, text, **extra) -> str:
        """Insert a report whose current version has `text`; return its body's sha256."""
        sha = blobs.put(self.db, f"<html><h1>{title}</h1><p>{text}</p></html>".encode())
        row = {
            "source_id": SOURCES[agency],
            "agency": agency,
            "title": title,
            "year": year,
            "published_on": published_on,
            "url": f"http://{SOURCES[agency]}.gov.cn/{key}.html",
            "sha256": sha,
            "first_seen_at": ago(29),
            "last_seen_at": ago(1),
            "status": "active",
            **extra,
        }
        self.ids[key] = self.db["reports"].insert(row).last_pk
        self.versions[key] = self.version(key, sha, text)
        return sha

    def version(self, key: str, sha: str, text: str | None) -> str:
        row = {"report_id": self.ids[key], "sha256": sha, "first_seen_at": ago(29), "text": text}
        add_version(self.db, {**row, "cycle_id": 1})
        search.sync(self.db)  # as archive/events.py does after writing texts
        return sha

    def old_version(self, key: str, text: str) -> str:
        return self.version(key, blobs.put(self.db, text.encode()), text)

    def event(self, kind: str, key: str, days: float, baseline: int = 0, detail=None) -> int:
        row = {
            "report_id": self.ids[key],
            "source_id": self.db["reports"].get(self.ids[key])["source_id"],
            "kind": kind,
            "detected_at": ago(days),
            "cycle_id": 3,
            "baseline": baseline,
            "summary": f"{kind} {key}",
            "detail": detail,
        }
        return self.db["events"].insert(row).last_pk

    def stat(self, key: str, value: float, version: str | None = None, **extra) -> None:
        row = {
            "report_id": self.ids[key],
            "version": version or self.versions[key],
            "regime": "2014",
            "section": "requests",
            "row_label": "本年新收政府信息公开申请数量",
            "column_label": "total",
            "indicator": INDICATOR,
            "value": value,
            "unit": "件",
            **extra,
        }
        self.insert("report_stats", row)

    def check(self, key: str, passed: int, version: str | None = None, **extra) -> None:
        row = {
            "report_id": self.ids[key],
            "version": version or self.versions[key],
            "name": "requests.balance:total",
            "passed": passed,
            **extra,
        }
        self.insert("stats_checks", row)

    def insert(self, view: str, row: dict) -> None:
        """A row written through a view, as a user's script would (its triggers store it)."""
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        with self.db.atomic():
            self.db.execute(f"INSERT INTO {view} ({columns}) VALUES ({marks})", list(row.values()))


def build(path: Path) -> Fixture:
    f = Fixture(path)
    f.report(
        "sz2014",
        SZ,
        "市口岸办2014年政府信息公开工作年度报告",
        2014,
        "2015-02-04",
        "根据《条例》要求，特向社会公布2014年政府信息公开工作年度报告。\n本报告由市口岸办编制。",
    )
    old = f.old_version("sz2014", "旧稿独有的句子，后来被删掉了。")
    f.report(
        "sz2015",
        SZ,
        "市口岸办2015年政府信息公开年报",
        2015,
        None,
        "本报告所列数据。申请行政复议0件。",
    )
    f.report(
        "sz2017",
        SZ,
        "市口岸办2017年政府信息公开年报",
        2017,
        "2018-03-20",
        "行政复议1件。",
        status="removed",
    )
    f.report(
        "gz2014", GZ, "广州海关2014年政府信息公开年报", 2014, "2015-03-27", "收到行政复议申请0件。"
    )
    f.report("gz2015", GZ, "广州海关2015年政府信息公开年报", 2015, "2016-03-30", "全文见附件。")
    f.report(
        "gz2015b", GZ, "广州海关2015年政府信息公开年报（图片版）", 2015, "2016-04-01", "见图。"
    )
    f.report("hd2007", HD, "海淀区2007年政府信息公开工作报告", 2007, "2008-03-28", None)
    f.report(
        "sz2016city", SZ, "深圳市人民政府2016年政府信息公开工作年度报告", 2016, "2017-03-30",
        "全市主动公开政府信息。", issuer="深圳市人民政府", issuer_evidence="title", repost=1,
    )  # fmt: skip
    f.report(
        "hd2023", HD, "北京市海淀区人民政府2023年政府信息公开工作年度报告", 2023, "2024-01-31", None
    )

    f.event("new", "sz2014", 1, baseline=1)  # recent, but a baseline: never "new"
    f.event("new", "gz2015b", 2)
    f.event("new", "hd2023", 20)
    f.event("changed", "sz2014", 5, detail="--- a\n+++ b\n-旧\n+新")
    f.ids["sz2014_last_diff"] = f.event("changed", "sz2014", 3, detail="--- b\n+++ c\n-新\n+更新")
    f.ids["gz2014_last_diff"] = f.event("changed", "gz2014", 10, detail="--- a\n+++ b")
    f.event("moved", "gz2015", 4, detail="from http://old")

    f.stat("sz2014", 12)
    f.stat("sz2014", 99, version=old)  # an earlier version's number: not current
    f.stat("sz2014", 2, indicator="requests.carried_over")
    f.stat("gz2014", 3)
    f.stat("hd2023", 40, regime="2021", section="requests.received")
    f.check("sz2014", 1, expected=14, actual=14)
    f.check("sz2014", 0, version=old, expected=1, actual=2)  # fixed since
    f.check("gz2014", 0, expected=5, actual=3, detail="一 + 二 = 5, （七）总计 + 四 = 3")
    return f


@pytest.fixture(scope="module")
def fixture(tmp_path_factory) -> Fixture:
    # Neither archive.db nor demo.db: the metadata must reach a database of any name.
    return build(tmp_path_factory.mktemp("datasette") / "gongkai.db")


def datasette(path: Path) -> Datasette:
    return Datasette(
        [str(path)], metadata=METADATA, plugins_dir=str(FOLDER / "plugins"), settings=SETTINGS
    )


def get(path: Path, url: str):
    async def run():
        ds = datasette(path)
        await ds.invoke_startup()
        return await ds.client.get(url)

    return asyncio.run(run())


def query(path: Path, name: str, **params) -> list[dict]:
    args = "&".join(f"{key}={value}" for key, value in {"_shape": "array", **params}.items())
    response = get(path, f"/{path.stem}/{name}.json?{args}")
    assert response.status_code == 200, response.text
    return response.json()


def titles(rows: list[dict]) -> list[str]:
    return [row["title"] for row in rows]


def test_new_reports_of_the_last_days_leave_baselines_out(fixture):
    path = fixture.path
    rows = query(path, "new_reports")
    assert titles(rows) == ["广州海关2015年政府信息公开年报（图片版）"]
    assert rows[0] == {
        "agency": GZ,
        "title": "广州海关2015年政府信息公开年报（图片版）",
        "year": 2015,
        "published_on": "2016-04-01",
        "url": "http://gzhg.gov.cn/gz2015b.html",
        "detected_at": ago(2),
        "issuer": None,
        "repost": 0,
        "source_id": "gzhg",
        "report_id": fixture.ids["gz2015b"],
    }
    assert titles(query(path, "new_reports", days=30)) == [
        "广州海关2015年政府信息公开年报（图片版）",
        "北京市海淀区人民政府2023年政府信息公开工作年度报告",
    ]


def test_coverage_is_an_agency_by_year_matrix(fixture):
    rows = query(fixture.path, "coverage")
    assert [row["agency"] for row in rows] == [HD, GZ, SZ]
    hd, gz, sz = rows
    assert sz["2014"] == "2015-02-04"
    assert sz["2015"] == "✓"  # no published date found
    assert sz["2016"] is None, "the city's report reposted in the column is not the office's"
    assert sz["reposts"] == "2016: 深圳市人民政府"
    assert gz["reposts"] is None
    assert sz["2017"] == "2018-03-20 (removed)"
    assert gz["2015"] == "2016-03-30 ×2"
    assert hd["2023"] == "2024-01-31"
    assert hd["other_years"] == "2007: 2008-03-28"
    assert (sz["years"], gz["years"], hd["years"]) == (3, 2, 2)
    assert sz["missing"] == "2016 2018 2019 2020 2021 2022 2023"
    assert gz["missing"] == "2016 2017 2018 2019 2020 2021 2022 2023"
    assert hd["missing"] == " ".join(str(year) for year in range(2008, 2023))
    assert [key for key in sz if key.isdigit()] == [str(year) for year in range(2008, 2031)]
    assert sz["other_years"] is None


def test_edited_reports_count_edits_and_link_the_last_diff(fixture):
    path = fixture.path
    rows = query(path, "edited_reports")
    assert [(row["title"], row["edits"]) for row in rows] == [
        ("市口岸办2014年政府信息公开工作年度报告", 2),
        ("广州海关2014年政府信息公开年报", 1),
    ]
    assert rows[0]["last_edited_at"] == ago(3)
    assert rows[0]["diff_event"] == fixture.ids["sz2014_last_diff"]
    assert rows[0]["url"] == "http://szka.gov.cn/sz2014.html"
    assert rows[1]["diff_event"] == fixture.ids["gz2014_last_diff"]

    page = get(path, f"/{path.stem}/edited_reports").text
    href = f"/{path.stem}/events/{fixture.ids['sz2014_last_diff']}"
    assert f'<a href="{href}">event #' in page
    diff = get(path, f"{href}.json?_shape=array").json()[0]["detail"]
    assert diff == "--- b\n+++ c\n-新\n+更新"


def test_one_indicator_across_agencies_and_years_reads_current_versions(fixture):
    rows = query(fixture.path, "indicator", indicator=INDICATOR)
    assert [(r["agency"], r["year"], r["value"], r["unit"], r["regime"]) for r in rows] == [
        (HD, 2023, 40.0, "件", "2021"),
        (GZ, 2014, 3.0, "件", "2014"),
        (SZ, 2014, 12.0, "件", "2014"),  # not 99: that was an earlier version
    ]
    assert query(fixture.path, "indicator", indicator="no.such.key") == []


def test_failing_checks_of_current_versions(fixture):
    rows = query(fixture.path, "failing_checks")
    assert rows == [
        {
            "agency": GZ,
            "year": 2014,
            "title": "广州海关2014年政府信息公开年报",
            "check_name": "requests.balance:total",
            "expected": 5.0,
            "actual": 3.0,
            "detail": "一 + 二 = 5, （七）总计 + 四 = 3",
            "url": "http://gzhg.gov.cn/gz2014.html",
            "source_id": "gzhg",
            "report_id": fixture.ids["gz2014"],
        }
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # two characters: an FTS5 trigram index would find nothing
        (
            "报告",
            [
                "北京市海淀区人民政府2023年政府信息公开工作年度报告",  # title only: a PDF
                "深圳市人民政府2016年政府信息公开工作年度报告",  # a repost is searched too
                "市口岸办2015年政府信息公开年报",  # text only
                "市口岸办2014年政府信息公开工作年度报告",
                "海淀区2007年政府信息公开工作报告",
            ],
        ),
        (
            "复议",
            [
                "市口岸办2017年政府信息公开年报",
                "市口岸办2015年政府信息公开年报",
                "广州海关2014年政府信息公开年报",
            ],
        ),
        (
            "年度报告",
            [
                "北京市海淀区人民政府2023年政府信息公开工作年度报告",
                "深圳市人民政府2016年政府信息公开工作年度报告",
                "市口岸办2014年政府信息公开工作年度报告",
            ],
        ),
        ("旧稿独有", []),  # only in an earlier version: search reads current versions
        ("", []),
    ],
)
def test_search_finds_two_and_four_character_terms(fixture, q, expected):
    # the order is the index's ranking (tested below), no longer year by year
    assert sorted(titles(query(fixture.path, "search", q=q))) == sorted(expected)


def test_search_returns_a_snippet_around_the_first_match(fixture):
    rows = {row["title"]: row for row in query(fixture.path, "search", q="复议")}
    assert rows["市口岸办2015年政府信息公开年报"]["snippet"] == "本报告所列数据。申请行政复议0件。"
    row = next(r for r in query(fixture.path, "search", q="年度报告") if r["snippet"])
    assert row["snippet"] == (
        "根据《条例》要求，特向社会公布2014年政府信息公开工作年度报告。 本报告由市口岸办编制。"
    )
    assert set(row) == {
        "title", "agency", "year", "url", "snippet", "published_on", "source_id", "report_id"
    }  # fmt: skip


def test_search_snippet_is_cut_around_a_match_deep_in_a_long_text(tmp_path):
    f = Fixture(tmp_path / "long.db")
    f.report("long", SZ, "长文", 2020, None, "甲" * 500 + "行政复议" + "乙" * 500)
    [row] = query(tmp_path / "long.db", "search", q="复议")
    assert row["snippet"] == "…" + "甲" * 38 + "行政复议" + "乙" * 40 + "…"


def feed_entries(path: Path) -> list[ET.Element]:
    response = get(path, f"/{path.stem}/new_reports_feed.atom")
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_the_atom_view_lists_new_reports_newest_first(fixture):
    entries = feed_entries(fixture.path)
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "广州海关2015年政府信息公开年报（图片版）",
        "北京市海淀区人民政府2023年政府信息公开工作年度报告",
    ]
    first = entries[0]
    assert first.findtext(f"{ATOM}id") == "http://gzhg.gov.cn/gz2015b.html"
    assert first.find(f"{ATOM}link").get("href") == "http://gzhg.gov.cn/gz2015b.html"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == GZ
    assert "2015年度 · 发布日期 2016-04-01" in first.findtext(f"{ATOM}content")


def test_the_atom_view_of_an_archive_without_new_reports_says_so(tmp_path):
    open_db(tmp_path / "empty.db")  # datasette-atom alone would answer 500 to no rows
    [entry] = feed_entries(tmp_path / "empty.db")
    assert entry.findtext(f"{ATOM}id") == "tag:gongkai,2026:feed:no-new-reports-yet"


def test_every_canned_query_answers_on_an_empty_archive(tmp_path):
    open_db(tmp_path / "new.db")
    for name in METADATA["databases"]["archive"]["queries"]:
        rows = query(tmp_path / "new.db", name, q="报告", indicator=INDICATOR, days=7)
        assert len(rows) == (1 if name == "new_reports_feed" else 0), name  # the placeholder


def live_schema(tmp_path: Path) -> dict[str, list[str]]:
    db = open_db(tmp_path / "schema.db")
    shadow = fts5_shadow_tables(db)  # SQLite's own tables behind the search index
    return {
        t: list(db[t].columns_dict)
        for t in db.table_names()
        if not t.startswith("_") and t not in shadow
    }


def test_every_view_is_described(tmp_path):
    db = open_db(tmp_path / "schema.db")
    tables = METADATA["databases"]["archive"]["tables"]
    for view in db.view_names():
        assert tables.get(view, {}).get("description"), f"view {view} has no description"
        described = tables[view].get("columns")
        if described:  # a view documented with a column table: every column described
            assert set(described) == set(db[view].columns_dict), view


def test_every_table_and_column_of_the_live_schema_is_described(tmp_path):
    tables = METADATA["databases"]["archive"]["tables"]
    for table, columns in live_schema(tmp_path).items():
        assert tables.get(table, {}).get("description"), f"table {table} has no description"
        described = tables[table].get("columns", {})
        missing = [column for column in columns if not described.get(column)]
        assert not missing, f"{table}: no description for {missing}"


def test_the_descriptions_reach_a_database_of_any_name(fixture):
    path = fixture.path
    page = get(path, f"/{path.stem}/report_stats").text
    described = METADATA["databases"]["archive"]["tables"]["report_stats"]["columns"]
    assert described["indicator"] in page
    assert "Gongkai" in get(path, "/").text


def load_builder():
    spec = importlib.util.spec_from_file_location("build_metadata", FOLDER / "build_metadata.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_metadata_yml_is_generated_from_the_readme_and_up_to_date():
    builder = load_builder()
    assert (FOLDER / "metadata.yml").read_text("utf-8") == builder.render(), (
        "datasette/metadata.yml is out of date: run `make metadata`"
    )


def test_the_generator_refuses_a_description_written_in_both_places():
    builder = load_builder()
    source = yaml.safe_load((FOLDER / "metadata.in.yml").read_text("utf-8"))
    source["databases"]["archive"]["tables"]["blobs"] = {"columns": {"size": "my own words"}}
    with pytest.raises(SystemExit, match=r"README.md describes blobs\.size"):
        builder.render(source=yaml.safe_dump(source, allow_unicode=True))


def test_datasette_reads_the_archive_read_only(fixture):
    path = fixture.path
    ds = datasette(path)
    database = ds.databases[path.stem]
    assert database.is_mutable  # not immutable: it sees every cycle's commits
    connection = database.connect()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("CREATE TABLE scribble (a)")
    connection.close()
    queries = METADATA["databases"]["archive"]["queries"]
    assert not [name for name, canned in queries.items() if canned.get("write")]


def test_make_serve_starts_datasette_read_only_with_the_metadata(fixture):
    path, port = fixture.path, free_port()
    command = serve_command(path, port)
    assert not {"-i", "--immutable", "--nolock"} & set(command)
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/{path.stem}/search.json?_shape=array&q=%E5%A4%8D%E8%AE%AE"
        rows = wait_for(url)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(rows) == 3


def wait_for(url: str, seconds: float = 30) -> list[dict]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_pages_of_tables_that_grow_skip_the_count_and_suggestions_that_cost_seconds(fixture):
    """At 1.5 M reports a view's row count and facet suggestions are minutes of scanning; the
    metadata marks those pages, and an explicit _count=1 still gets the count."""
    page = get(fixture.path, f"/{fixture.path.stem}/report_stats.json").json()
    assert page["filtered_table_rows_count"] is None
    assert page["suggested_facets"] == [] and page["facet_results"] == {}
    assert page["rows"], "the rows are shown"
    counted = get(fixture.path, f"/{fixture.path.stem}/report_stats.json?_count=1").json()
    assert counted["filtered_table_rows_count"] == len(counted["rows"]) > 0
    reports = get(fixture.path, f"/{fixture.path.stem}/reports.json").json()
    assert reports["suggested_facets"] == []
    assert {"source_id", "year", "status", "regime"} <= set(reports["facet_results"])
    in_table = fixture.db.execute("SELECT count(*) FROM reports").fetchone()[0]
    assert reports["filtered_table_rows_count"] == in_table > 0


def test_search_ranks_the_text_that_says_the_term_most_first(tmp_path):
    f = Fixture(tmp_path / "ranked.db")
    f.report("once", SZ, "长文", 2021, None, "丙" * 3000 + "行政复议" + "丁" * 100)
    f.report(
        "often", SZ, "短文", 2019, None, "申请行政复议5件，行政复议决定维持3件，行政复议纠错1件。"
    )
    f.report("title", SZ, "行政复议工作年报", 2020, None, "本年度情况。")
    rows = query(tmp_path / "ranked.db", "search", q="行政复议")
    assert titles(rows) == ["短文", "行政复议工作年报", "长文"]  # often, short, once in long


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("edited_reports", "events"),
        ("new_reports_feed", "events"),
    ],
)
def test_canned_queries_find_their_rows_through_an_index(tmp_path, name, table):
    """EXPLAIN QUERY PLAN: the table that grows with the archive is searched, never scanned
    whole (a scan is seconds at 1.5 M reports: make bench-query)."""
    db = open_db(tmp_path / "plan.db")
    sql = METADATA["databases"]["archive"]["queries"][name]["sql"]
    params = {"indicator": INDICATOR, "days": ""}
    plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    scans = [step for step in plan if re.match(rf"SCAN (\w+ AS )?{table}\b|SCAN \w\b", step)]
    touched = [step for step in plan if ("USING" in step and table in step) or step in scans]
    assert touched and not scans, plan


def plan_of(name: str, **params) -> list[str]:
    """EXPLAIN QUERY PLAN of a canned query on a fresh archive: its steps' text."""
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "plan.db")
        sql = METADATA["databases"]["archive"]["queries"][name]["sql"]
        steps = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        db.close()
    return steps


def test_coverage_reads_its_first_page_from_the_summary_without_sorting():
    """`coverage` walks `coverage_summary` in its primary key's order — the matrix's order — so
    Datasette's first page is read and the rest never: no sort (a temporary b-tree would mean
    every source aggregated first: 5.5 s at 1.5 M reports), and `reports` only through an index
    (the archive's first and last year)."""
    plan = plan_of("coverage")
    assert not [step for step in plan if "TEMP B-TREE" in step], plan
    assert {step for step in plan if step.startswith("SCAN")} == {"SCAN c", "SCAN span"}, plan
    reads = [step for step in plan if re.match(r"(SCAN|SEARCH) reports\b", step)]
    assert reads and all("USING COVERING INDEX idx_reports_year" in r for r in reads), plan
    assert any(
        re.match(r"SEARCH \w USING PRIMARY KEY \(agency=\? AND source_id=\?", s) for s in plan
    )


@pytest.mark.parametrize(
    ("name", "ordered", "indexed", "big"),
    [
        (
            "indicator",
            "SEARCH s USING PRIMARY KEY (version_id=?)",
            "SEARCH s USING COVERING INDEX stat_values_cell (cell_id=?)",
            r"SCAN (s|stat_values)\b",
        ),
        (
            "failing_checks",
            "SEARCH c USING INDEX idx_check_results_passed (passed=? AND version_id=?)",
            "SEARCH c USING INDEX idx_check_results_passed (passed=?)",
            r"SCAN (c|check_results)\b",
        ),
    ],
)
def test_common_rows_are_read_in_order_and_rare_ones_through_their_index(
    name, ordered, indexed, big
):
    """`indicator` and `failing_checks` have two ways, one taken per request: reports read in
    agency and year order (an index; each report's rows through a key; only ties within an
    agency-year sorted, so Datasette stops after its first page), or, when the rows are rare,
    the rows through their index, then sorted. Neither scans its big table."""
    plan = plan_of(name, indicator=INDICATOR)
    assert "SCAN r USING INDEX reports_agency_year" in plan, plan
    assert ordered in plan and indexed in plan, plan
    assert "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" in plan, plan
    assert not [step for step in plan if re.match(big, step)], plan
