"""Every command finds its database the same way: after a crawl with only NIANBAO_DATABASE_URL
set (no --db, no configuration file), `status`, `archived`, `export` and `runs` read the
database the crawl wrote, and say so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nianbao.exit_codes import ExitCode
from tests.crawler.broken_sites import small_portal
from tests.crawler.conftest import ROOT, start_mirror


def test_commands_read_the_database_the_environment_names(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'elsewhere' / 'nianbao.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NIANBAO_DATABASE_URL": database}
    env.pop("NIANBAO_CONFIG", None)
    work = tmp_path / "cwd"  # the defaults (archive, jobs) are relative to it: ./data/...
    work.mkdir()

    def nianbao(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "nianbao", *args]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=240)

    portal = small_portal("mirror-small")
    running = start_mirror([portal], tmp_path / "m")
    try:
        assert nianbao("db", "upgrade").returncode == ExitCode.OK
        crawl = nianbao("crawl", "--portals-dir", str(running.portals_dir), "--settings", "settings.mirror")
    finally:
        running.server.stop()
    said = f"database: {database}  archive: data/archive"
    assert crawl.returncode == ExitCode.OK, crawl.stderr[-3000:]
    assert said in crawl.stderr

    status = nianbao("status", "--json")
    assert said in status.stderr
    (mine,) = json.loads(status.stdout)["portals"]
    assert mine["portal"] == portal.name and sum(mine["reports_by_year"].values()) == 5

    report = running.url(portal.name, portal.reports[0].article_path)
    archived = nianbao("archived", report)
    assert archived.returncode == ExitCode.OK and said in archived.stderr
    assert portal.reports[0].title in archived.stdout

    exported = nianbao("export", "--format", "csv", "--out", "feed")
    assert exported.returncode == ExitCode.OK and said in exported.stderr
    assert len((work / "feed" / "reports.csv").read_text().splitlines()) == 1 + 5

    runs = nianbao("runs", "--json")
    assert said in runs.stderr
    assert [r["command"] for r in json.loads(runs.stdout)] == ["export", "crawl"]
    assert (work / "data" / "archive").is_dir() and not (work / "data" / "nianbao.db").exists()
