"""Each exit code of `nianbao crawl`, from the command run in a subprocess against portals that
produce it (EMPTY: tests/crawler/test_cli.py; ERROR, a parse stage killed: test_stages.py).
Every crawl leaves its run record with the same code and each portal's part in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mirror.portals import MirrorPortal, build_mirror
from nianbao.exit_codes import ExitCode
from settings.registry import dump_portal
from storage.locks import portal_lock
from storage.migrate import head_revision
from tests.crawler.broken_sites import Failing, free_port, small_portal
from tests.crawler.conftest import ROOT, Workspace, start_mirror


def _parts(workspace: Workspace) -> dict[str, tuple[str, int, str | None]]:
    rows = workspace.query("select portal, status, exit_code, reason from run_portals")
    return {portal: (status, code, reason) for portal, status, code, reason in rows}


def _run(workspace: Workspace) -> tuple[str, int | None, bool]:
    (row,) = workspace.query("select command, exit_code, finished_at is not null from runs")
    return row[0], row[1], bool(row[2])


def _crawl_one(tmp_path: Path, workspace: Workspace, portal: MirrorPortal) -> dict[str, Any]:
    """`nianbao crawl` of `portal` alone, served by a mirror for the time of the crawl."""
    running = start_mirror([portal], tmp_path / "m")
    try:
        return workspace.crawl(running, [portal.name])[portal.name]
    finally:
        running.server.stop()


def test_everything_fetched_exits_ok(tmp_path: Path, workspace: Workspace) -> None:
    portal = small_portal("mirror-small")
    summary = _crawl_one(tmp_path, workspace, portal)
    assert workspace.last_exit == ExitCode.OK, workspace.last_stderr[-3000:]
    assert (summary["status"], summary["reports_found"], summary["new"], summary["failed"]) == ("ok", 5, 5, 0)
    assert summary["parsed"] == {"new": 5}
    assert _run(workspace) == ("crawl", ExitCode.OK, True)
    assert _parts(workspace) == {portal.name: ("ok", ExitCode.OK, None)}


def test_blocked_portals(tmp_path: Path, workspace: Workspace) -> None:
    portals = [p for p in build_mirror() if p.name in ("mirror-luoyang", "mirror-kaifeng")]
    running = start_mirror(portals, tmp_path / "m")
    try:
        summaries = workspace.crawl(running, [p.name for p in portals])
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.BLOCKED, workspace.last_stderr[-3000:]
    assert summaries["mirror-luoyang"]["blocked"].startswith("412 with a $_ts JavaScript challenge")
    assert summaries["mirror-kaifeng"]["blocked"].startswith("robots.txt disallows ")
    parts = _parts(workspace)
    assert {name: part[:2] for name, part in parts.items()} == {
        "mirror-luoyang": ("blocked", ExitCode.BLOCKED),
        "mirror-kaifeng": ("blocked", ExitCode.BLOCKED),
    }
    assert parts["mirror-kaifeng"][2] == (
        f"blocked: {summaries['mirror-kaifeng']['blocked']}; years missing: 2020-2025"
    )


def test_reports_and_attachments_that_cannot_be_fetched(tmp_path: Path, workspace: Workspace) -> None:
    portal = small_portal("mirror-failing", kinds=("html", "pdf"))
    html = [r for r in portal.reports if r.kind == "html"]
    pdf = next(r for r in portal.reports if r.attachment_path)
    assert pdf.attachment_path is not None
    broken = {html[0].article_path: 500, html[1].article_path: 404, pdf.attachment_path: 404}
    portal.site = Failing(portal.inner, broken)
    running = start_mirror([portal], tmp_path / "m")
    try:
        summary = workspace.crawl(running, [portal.name])[portal.name]
        served = running.server.hits_matching(portal.name, lambda hit: hit.target == html[0].article_path)
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.REPORTS_FAILED, workspace.last_stderr[-3000:]
    assert (summary["status"], summary["reports_found"], summary["failed"]) == ("failures", 5, 3)
    assert len(served) == 5  # the 500 was retried (RETRY_TIMES) before the report failed
    assert summary["parsed"] == {"new": 2}  # the two reports whose documents came
    assert _parts(workspace)[portal.name] == (
        "failures",
        ExitCode.REPORTS_FAILED,
        "3 reports, attachments or parses failed",
    )


def test_unreachable_portals_are_not_empty(tmp_path: Path, workspace: Workspace) -> None:
    gone = small_portal("mirror-moved")
    gone.site = Failing(gone.inner, {gone.start_path: 410})
    running = start_mirror([gone], tmp_path / "m")
    port = free_port()  # nothing listens there
    dump_portal(small_portal("mirror-down").config(f"http://127.0.0.1:{port}"), running.portals_dir)
    try:
        summaries = workspace.crawl(running, ["mirror-moved", "mirror-down"], RETRY_TIMES=1)
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.UNREACHABLE, workspace.last_stderr[-3000:]
    moved, down = summaries["mirror-moved"], summaries["mirror-down"]
    assert (moved["status"], down["status"]) == ("unreachable", "unreachable")
    assert (
        moved["unreachable"]
        == f"start page {running.url('mirror-moved', gone.start_path)} is gone (HTTP 410)"
    )
    start = f"http://127.0.0.1:{port}{gone.start_path}"
    assert down["unreachable"].startswith(f"start page {start} did not answer after 1 retries: ")
    assert "ConnectionRefused" in down["unreachable"]
    stderr = workspace.last_stderr
    assert f"error: mirror-down: unreachable: start page {start} did not answer" in stderr
    assert "empty_ok" not in stderr and "name no report" not in stderr
    parts = _parts(workspace)
    assert parts["mirror-moved"][:2] == ("unreachable", ExitCode.UNREACHABLE)
    assert parts["mirror-moved"][2].startswith(f"unreachable: {moved['unreachable']}")


def test_years_missing(tmp_path: Path, workspace: Workspace) -> None:
    portal = small_portal("mirror-late", years=range(2020, 2025), expected="2018-2024")
    summary = _crawl_one(tmp_path, workspace, portal)
    assert workspace.last_exit == ExitCode.YEARS_MISSING, workspace.last_stderr[-3000:]
    assert (summary["status"], summary["years_missing"], summary["failed"]) == ("ok", [2018, 2019], 0)
    assert _parts(workspace)[portal.name] == ("ok", ExitCode.YEARS_MISSING, "years missing: 2018-2019")


def test_usage_errors(tmp_path: Path, workspace: Workspace) -> None:
    portal = small_portal("mirror-small")
    running = start_mirror([portal], tmp_path / "m")
    running.server.stop()  # nothing is fetched by a usage error
    crawl = ["crawl", "--portals-dir", str(running.portals_dir), "--settings", "settings.mirror"]

    bad_argument = workspace.nianbao(*crawl, "--portal", portal.name, "--no-such-option")
    assert bad_argument.returncode == ExitCode.USAGE
    assert "unrecognized arguments: --no-such-option" in bad_argument.stderr

    unknown = workspace.nianbao(*crawl, "--portal", "mirror-nowhere")
    assert unknown.returncode == ExitCode.USAGE and "unknown portal" in unknown.stderr

    config = tmp_path / "nianbao.toml"
    config.write_text("[nianbao\ndatabase_url = 1\n")
    bad_file = workspace.nianbao(*crawl, "--portal", portal.name, env={"NIANBAO_CONFIG": str(config)})
    assert bad_file.returncode == ExitCode.USAGE
    assert f"nianbao crawl: configuration file {config}: " in bad_file.stderr

    old = f"sqlite:///{tmp_path / 'old.db'}"
    nianbao = [sys.executable, "-m", "nianbao"]
    subprocess.run([*nianbao, "db", "upgrade", "0003", "--db", old], cwd=ROOT, check=True)
    behind = subprocess.run(
        [*nianbao, *crawl, "--portal", portal.name, "--db", old], cwd=ROOT, capture_output=True, text=True
    )
    assert behind.returncode == ExitCode.USAGE
    assert (
        f"is at revision 0003, this code needs {head_revision()}: run `nianbao db upgrade`" in behind.stderr
    )
    assert "Traceback" not in behind.stderr
    assert workspace.query("select count(*) from runs") == [(0,)]  # nothing ran, nothing recorded


def test_a_portal_another_run_holds(tmp_path: Path, workspace: Workspace) -> None:
    portal = small_portal("mirror-small")
    running = start_mirror([portal], tmp_path / "m")
    try:
        with portal_lock(workspace.db_url, portal.name):
            summary = workspace.crawl(running, [portal.name])[portal.name]
        hits = running.server.hits_matching(portal.name, lambda _hit: True)
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.LOCKED, workspace.last_stderr[-3000:]
    held_by = f"another run of portal {portal.name} holds its lock (pid {os.getpid()} on "
    assert summary["status"] == "locked" and summary["problem"].startswith(held_by)
    assert f"nianbao crawl: {held_by}" in workspace.last_stderr
    assert hits == []  # not one request
    assert _run(workspace) == ("crawl", ExitCode.LOCKED, True)
    assert _parts(workspace)[portal.name][:2] == ("locked", ExitCode.LOCKED)


def test_help_lists_the_exit_codes_in_their_order() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "nianbao", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    codes = shown[shown.index("exit codes") :].splitlines()[1:]
    assert [line.split()[0] for line in codes] == ["0", "1", "2", "4", "8", "5", "6", "7", "3"]
    assert "  5  reports failed " in shown and "  3  locked " in shown
