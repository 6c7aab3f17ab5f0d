"""Backfill depth and early stop, and a run killed with SIGKILL that resumes from its JOBDIR."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from mirror.portals import build_bench_mirror, build_mirror
from tests.crawler.conftest import ROOT, Mirror, Workspace, start_mirror
from tests.crawler.test_stages import descendants


def test_backfill_walks_deep_and_stops_early(mirror: Mirror, workspace: Workspace) -> None:
    henan = mirror.portals["mirror-henan"]
    pages = -(-len(henan.site.entries) // 6)  # type: ignore[union-attr]

    recent = workspace.crawl(mirror, ["mirror-henan"], NIANBAO_YEARS="2022-2025")["mirror-henan"]
    assert recent["reports_found"] == 4 and recent["years_found"] == [2022, 2023, 2024, 2025]
    assert recent["lists_stopped_early"] == 1 and recent["lists_read"] < pages
    assert recent["years_missing"] == []

    old = workspace.crawl(mirror, ["mirror-henan"], NIANBAO_YEARS="2008-2011")["mirror-henan"]
    assert old["lists_read"] == pages  # the oldest reports are on the last page
    assert old["years_found"] == [2008, 2009, 2010, 2011] and old["new"] == 4
    fetched = {h.target for h in mirror.server.hits["mirror-henan"] if h.status == 200}
    for report in henan.reports:
        assert (report.article_path in fetched) == (report.year >= 2022 or report.year <= 2011)


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_sigkill_then_resume(tmp_path: Path, workspace: Workspace) -> None:
    portal = build_bench_mirror(150)
    running = start_mirror([portal], tmp_path / "mirror")
    try:
        command = workspace.crawl_command(running, [portal.name], CONCURRENT_REQUESTS_PER_DOMAIN=1)
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        db = workspace.directory / "db.sqlite"
        deadline = time.monotonic() + 60
        while _count(db, "select count(*) from documents") < 40 and time.monotonic() < deadline:
            assert process.poll() is None, "the crawl finished before it could be killed"
            time.sleep(0.1)
        helpers = descendants(process.pid)  # the parse stage and its parser worker
        assert helpers
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 5
        while any(Path(f"/proc/{pid}").exists() for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in helpers if Path(f"/proc/{pid}").exists()], "orphans outlived the crawl"
        stored_before = _count(db, "select count(*) from documents")
        assert 40 <= stored_before < 150
        jobdir = workspace.directory / "jobs" / portal.name
        assert (jobdir / "requests.queue").exists()

        summary = workspace.crawl(running, [portal.name], CONCURRENT_REQUESTS_PER_DOMAIN=1)[portal.name]
        assert summary["status"] == "ok" and summary["failed"] == 0
        assert summary["reports_found"] == 150
        expected = {running.url(portal.name, r.article_path) for r in portal.reports}
        assert workspace.document_urls(portal.name) == expected
        assert (
            _count(db, "select count(*) from (select url from documents group by url having count(*) > 1)")
            == 0
        )
        assert (
            _count(
                db,
                "select count(*) from (select agency, year from reports group by 1, 2 having count(*) > 1)",
            )
            == 0
        )
        assert not jobdir.exists()  # a finished run leaves nothing to resume
    finally:
        running.server.stop()


def test_scrapy_crawl_command_line(tmp_path: Path, workspace: Workspace) -> None:
    """`scrapy crawl <family> -a portal=NAME` with the project's scrapy.cfg."""
    running = start_mirror([p for p in build_mirror() if p.name == "mirror-guangzhou"], tmp_path / "m")
    try:
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "settings.mirror",
            "PYTHONPATH": str(ROOT),
        }
        args = [
            "-s",
            f"NIANBAO_PORTALS_DIR={running.portals_dir}",
            "-s",
            f"NIANBAO_DATABASE_URL={workspace.db_url}",
        ]
        args += [
            "-s",
            f"NIANBAO_ARCHIVE={workspace.directory / 'archive'}",
            "-a",
            "portal=mirror-guangzhou",
        ]
        scrapy = str(Path(os.sys.executable).with_name("scrapy"))
        result = subprocess.run(
            [scrapy, "crawl", "gkmlpt", *args], cwd=ROOT, capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(workspace.document_urls("mirror-guangzhou")) == 10 + sum(
            1 for r in running.portals["mirror-guangzhou"].reports if r.attachment_path
        )
    finally:
        running.server.stop()
