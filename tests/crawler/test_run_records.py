"""Run records: a crawl's row, its kept JSON summary, `nianbao runs`, the feed's `runs` and
`portals` files; a crawl killed with SIGKILL stays unfinished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from mirror.portals import build_bench_mirror, build_mirror
from nianbao.exit_codes import ExitCode
from storage.export import PORTALS_SCHEMA, RUNS_SCHEMA
from tests.crawler.broken_sites import small_portal
from tests.crawler.conftest import ROOT, Workspace, start_mirror


def _csv(path: Path):  # type: ignore[no-untyped-def]
    """A feed CSV file as the warehouse reads it: empty fields are nulls."""
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


def test_runs_and_feed_files_read_back(tmp_path: Path, workspace: Workspace) -> None:
    portal = small_portal("mirror-small")
    luoyang = next(p for p in build_mirror() if p.name == "mirror-luoyang")
    running = start_mirror([portal, luoyang], tmp_path / "m")
    try:
        summaries = workspace.crawl(running, [portal.name, luoyang.name])
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.BLOCKED, workspace.last_stderr[-3000:]

    listed = workspace.command("runs", "--json")
    assert listed.returncode == ExitCode.OK, listed.stderr
    (run,) = json.loads(listed.stdout)
    assert (run["command"], run["exit_code"], run["state"]) == ("crawl", ExitCode.BLOCKED, "finished")
    assert run["portals"] == [portal.name, luoyang.name]
    assert run["command_line"].startswith("nianbao crawl --json --portals-dir ")
    assert run["counts"]["reports_found"] == 5 and run["counts"]["parsed"] == {"new": 5}
    assert run["counts"]["portals"] == {"ok": 1, "blocked": 1}
    parts = {p["portal"]: p for p in run["portal_parts"]}
    assert (parts[portal.name]["status"], parts[portal.name]["counts"]["new"]) == ("ok", 5)
    assert parts[luoyang.name]["reason"].startswith("blocked: 412 with a $_ts JavaScript challenge")
    kept = json.loads(Path(run["summary_file"]).read_text())
    assert Path(run["summary_file"]).parent == Path(os.environ["NIANBAO_LOG_DIR"]) / "runs"
    assert kept["run_id"] == run["id"] and kept["exit"] == "blocked"
    assert {s["portal"]: s["status"] for s in kept["summaries"]} == {
        portal.name: "ok",
        luoyang.name: "blocked",
    }
    assert kept["summaries"][0]["reports_found"] == summaries[portal.name]["reports_found"]

    text = workspace.command("runs", "--portal", luoyang.name, "--limit", "5").stdout
    assert f"run {run['id']}  crawl  " in text and "exit 6 (blocked)" in text
    assert f"  {luoyang.name}: blocked, exit 6 (blocked): blocked: 412 " in text
    assert workspace.command("runs", "--portal", "mirror-other").stdout.strip() == "no runs recorded"

    feed = tmp_path / "feed"
    exported = workspace.command("export", "--format", "csv", "--out", str(feed))
    assert exported.returncode == ExitCode.OK, exported.stderr
    runs = _csv(feed / "runs.csv").to_pylist()
    assert _csv(feed / "runs.csv").column_names == RUNS_SCHEMA.names
    crawl, export = runs
    assert (crawl["run_id"], crawl["command"], crawl["exit_code"]) == (run["id"], "crawl", ExitCode.BLOCKED)
    assert crawl["portals"] == f"{portal.name},{luoyang.name}" and crawl["finished_at"] is not None
    assert json.loads(crawl["counts"])["reports_found"] == 5
    # the export's own run, started before it read the table, is in its feed as still running
    assert (export["command"], export["finished_at"], export["exit_code"]) == ("export", None, None)

    portals = {row["portal"]: row for row in _csv(feed / "portals.csv").to_pylist()}
    assert _csv(feed / "portals.csv").column_names == PORTALS_SCHEMA.names
    mine = portals[portal.name]
    assert (mine["reports"], mine["reports_failing_checks"], mine["blocked"]) == (5, 0, None)
    assert (mine["last_crawl_run_id"], mine["last_crawl_status"], mine["last_crawl_exit_code"]) == (
        run["id"],
        "ok",
        ExitCode.OK,
    )
    blocked = portals[luoyang.name]
    assert blocked["blocked"] == summaries[luoyang.name]["blocked"] and blocked["reports"] == 0
    assert (blocked["last_crawl_status"], blocked["last_crawl_exit_code"]) == ("blocked", ExitCode.BLOCKED)

    parquet = tmp_path / "parquet"
    assert workspace.command("export", "--out", str(parquet)).returncode == ExitCode.OK
    assert pq.read_table(parquet / "runs.parquet").schema == RUNS_SCHEMA
    assert pq.read_table(parquet / "portals.parquet").num_rows == 2
    finished = [r["command"] for r in json.loads(workspace.command("runs", "--json").stdout)]
    assert finished == ["export", "export", "crawl"]


@pytest.mark.slow
def test_a_killed_crawl_stays_unfinished(tmp_path: Path, workspace: Workspace) -> None:
    portal = build_bench_mirror(120)
    running = start_mirror([portal], tmp_path / "m")
    try:
        command = workspace.crawl_command(running, [portal.name], CONCURRENT_REQUESTS_PER_DOMAIN=1)
        crawl = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not workspace.query("select count(*) from documents where role = 'report'")[0][0]:
            assert crawl.poll() is None and time.monotonic() < deadline, (
                "the crawl ended before it was killed"
            )
            time.sleep(0.05)
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait(timeout=30)
    finally:
        running.server.stop()
    (run,) = json.loads(workspace.command("runs", "--json", "--portal", portal.name).stdout)
    assert (run["pid"], run["state"], run["finished_at"], run["exit_code"]) == (
        crawl.pid,
        "unfinished",
        None,
        None,
    )
    assert run["portal_parts"] == []
    text = workspace.command("runs").stdout
    assert f"run {run['id']}  crawl  {run['started_at']} -> unfinished  UNFINISHED" in text
