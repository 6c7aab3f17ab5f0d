"""`nianbao crawl` from the command line: the summary, and an empty portal is an error unless declared."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from mirror.portals import MirrorPortal, TrsSite
from nianbao.exit_codes import ExitCode
from tests.crawler.conftest import ROOT, Mirror, Workspace, start_mirror


def _nianbao(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "nianbao", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_empty_portal_is_an_error_unless_declared(tmp_path: Path, workspace: Workspace) -> None:
    column = "/zwgk/ndbg/"
    empty = MirrorPortal(
        "mirror-empty", "某县人民政府", "county", "某县", "trs", TrsSite("某县人民政府", [], column=column),
        column + "index.html", "2019-2025",
    )  # fmt: skip
    running = start_mirror([empty], tmp_path / "m")
    try:
        args = ["crawl", "--portals-dir", str(running.portals_dir), "--portal", "mirror-empty"]
        args += [
            "--db",
            workspace.db_url,
            "--archive",
            str(tmp_path / "archive"),
            "--jobdir",
            str(tmp_path / "j"),
        ]
        args += ["--settings", "settings.mirror"]
        result = _nianbao(*args)
        assert result.returncode == ExitCode.EMPTY, result.stderr[-2000:]
        assert "mirror-empty" in result.stdout and "empty" in result.stdout
        assert "error: mirror-empty: its lists name no report" in result.stderr
        assert "years missing: 2019-2025" in result.stdout

        path = running.portals_dir / "mirror-empty.yaml"
        path.write_text(
            yaml.safe_dump({**yaml.safe_load(path.read_text()), "empty_ok": True}, allow_unicode=True)
        )
        declared = _nianbao(*args)
        assert declared.returncode == 0, declared.stdout + declared.stderr[-2000:]
        assert "empty (declared)" in declared.stdout
    finally:
        running.server.stop()


def test_unknown_portal_and_bad_years() -> None:
    assert "unknown portal" in _nianbao("crawl", "--portal", "nowhere").stderr
    assert "bad year range" in _nianbao("crawl", "--portal", "henan", "--years", "2024-2019").stderr


def test_province_crawls_only_its_portals(mirror: Mirror, workspace: Workspace, tmp_path: Path) -> None:
    expected = {r.agency for r in mirror.portals["mirror-guangzhou"].reports}
    args = ["crawl", "--portals-dir", str(mirror.portals_dir), "--province", "广东省"]
    args += ["--db", workspace.db_url, "--archive", str(tmp_path / "archive")]
    args += ["--settings", "settings.mirror"]
    result = _nianbao(*args)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    crawled = [line.split()[0] for line in result.stdout.splitlines()[2:] if line.startswith("mirror-")]
    assert crawled == ["mirror-guangzhou"]
    with sqlite3.connect(workspace.db_url.removeprefix("sqlite:///")) as db:
        portals = {name for (name,) in db.execute("SELECT name FROM portals")}
        agencies = {agency for (agency,) in db.execute("SELECT DISTINCT agency FROM reports")}
    assert portals == {"mirror-guangzhou"}
    assert agencies == expected


def test_a_bad_portal_file_is_skipped_and_named(tmp_path: Path, workspace: Workspace) -> None:
    column = "/zwgk/ndbg/"
    empty = MirrorPortal(
        "mirror-empty", "某县人民政府", "county", "某县", "trs", TrsSite("某县人民政府", [], column=column),
        column + "index.html", "2019-2025", empty_ok=True,
    )  # fmt: skip
    running = start_mirror([empty], tmp_path / "m")
    bad = running.portals_dir / "broken.yaml"
    bad.write_text("name: broken\ntitle: 某市人民政府\nfamily: joomla\n", encoding="utf-8")
    try:
        args = ["crawl", "--portals-dir", str(running.portals_dir), "--db", workspace.db_url]
        args += ["--archive", str(tmp_path / "archive"), "--jobdir", str(tmp_path / "j")]
        result = _nianbao(*args, "--settings", "settings.mirror")
    finally:
        running.server.stop()
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert f"skipped (fix it, see `nianbao portals check`): {bad}:3: family: Input should be" in result.stderr
    assert "mirror-empty" in result.stdout and "empty (declared)" in result.stdout
