"""A command that installs like one: the project built as a wheel and installed into a fresh
virtualenv outside the checkout gives a `gongkai` command that runs a real cycle.

The loose root modules the command line used to import (cycle, schedule, check) were not in the
wheel, so an installed `scheduler` could not even import. Dependencies are not downloaded again:
the fresh environment sees the test environment's site-packages through a `.pth` line, which
adds that folder to sys.path without running its own `.pth` files — so the checkout's editable
install stays out, and every module of Gongkai must come from the wheel.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers import expected, fixture_source, write_config

ROOT = Path(__file__).resolve().parent.parent


def run(argv: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv with the project's wheel installed; returns its bin folder."""
    folder = tmp_path_factory.mktemp("install")
    wheels = folder / "wheels"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
         str(ROOT)],
        cwd=folder, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    venv = folder / "venv"
    created = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=folder)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
               cwd=folder).stdout.strip()  # fmt: skip
    (Path(site) / "deps-from-tests.pth").write_text(sysconfig.get_path("purelib") + "\n")
    wheel = next(wheels.glob("gongkai-*.whl"))
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    done = run([*pip, "install", "--no-deps", "--quiet", str(wheel)], cwd=folder, timeout=300)
    assert done.returncode == 0, done.stderr
    return venv / "bin"


def test_the_installed_command_comes_from_the_wheel_not_the_checkout(installed, tmp_path):
    where = run(
        [str(installed / "python"), "-c",
         "import gongkai.cli, crawler, archive; print(gongkai.cli.__file__, crawler.__file__)"],
        cwd=tmp_path,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout and str(installed.parent) in where.stdout
    helped = run([str(installed / "gongkai"), "--help"], cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    for command in ("once", "start", "check", "register", "verify", "show", "export"):
        assert f"  {command}" in helped.stdout


def test_the_installed_command_runs_a_cycle_against_a_fixture_site(installed, serve_site, tmp_path):
    server = serve_site("robots_disallowed")
    spec = expected("robots_disallowed")
    source = fixture_source(server, spec, "bagtj")
    config = write_config(tmp_path, [source])
    cycle = run([str(installed / "gongkai"), "--config", str(config.path), "once"], cwd=tmp_path)
    assert cycle.returncode == 0, cycle.stdout + cycle.stderr
    with sqlite3.connect(config.database) as db:
        found = {row[0] for row in db.execute("SELECT url FROM reports")}
    assert len(found) == len(spec["reports"])
