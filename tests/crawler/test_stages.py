"""`nianbao crawl` runs the crawl stage and the parse stage side by side; a parse stage killed
mid-crawl fails the run loudly, and `nianbao parse-pending` completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mirror.portals import build_bench_mirror
from nianbao.exit_codes import ExitCode
from tests.crawler.conftest import ROOT, Workspace, start_mirror


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    """The processes `pid` started, and theirs, but multiprocessing's resource tracker."""
    found = []
    for child in _children(pid):
        try:
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                found += [child, *descendants(child)]
        except FileNotFoundError:
            continue
    return found


def _parse_stage(crawl_pid: int) -> int | None:
    """The crawl's parse stage: its spawned child that is not multiprocessing's resource tracker."""
    for child in _children(crawl_pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"multiprocessing.spawn" in cmdline and b"resource_tracker" not in cmdline:
            return child
    return None


def test_a_killed_parse_stage_fails_the_crawl_and_parse_pending_completes_it(
    tmp_path: Path, workspace: Workspace
) -> None:
    portal = build_bench_mirror(120)
    running = start_mirror([portal], tmp_path / "mirror")
    try:
        command = workspace.crawl_command(running, [portal.name], CONCURRENT_REQUESTS_PER_DOMAIN=1)
        crawl = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        victim = None
        while victim is None and time.monotonic() < deadline:
            assert crawl.poll() is None, "the crawl finished before its parse stage could be killed"
            victim = _parse_stage(crawl.pid)
            time.sleep(0.05)
        assert victim is not None
        while not workspace.query("select count(*) from report_versions")[0][0]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(victim, signal.SIGKILL)
        _out, err = crawl.communicate(timeout=240)
    finally:
        running.server.stop()
    assert crawl.returncode == ExitCode.ERROR, err[-3000:]
    assert "the parse stage died" in err and "nianbao parse-pending" in err
    archived = workspace.query("select count(*) from documents where parse")[0][0]
    parsed = workspace.query("select count(*) from report_versions")[0][0]
    assert archived == len(portal.reports) and 0 < parsed < archived  # the crawl went on; parsing did not

    cmd = [sys.executable, "-m", "nianbao", "parse-pending", "--db", workspace.db_url]
    cmd += ["--archive", str(workspace.directory / "archive")]
    resumed = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert resumed.returncode == ExitCode.OK, resumed.stderr[-3000:]
    assert workspace.query("select count(*) from report_versions")[0][0] == archived
    duplicated = (
        "select count(*) from (select sha256 from report_versions group by sha256 having count(*) > 1)"
    )
    assert workspace.query(duplicated) == [(0,)]
