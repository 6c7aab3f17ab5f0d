"""A crawl's log: one JSON object per line from every process (the command, the crawl stage, the
parse stage), with portal and url where they apply and none of Scrapy's settings dump; the same
records as text lines on stderr, progress lines naming their portal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mirror.portals import build_mirror
from nianbao.exit_codes import ExitCode
from tests.crawler.broken_sites import Failing, small_portal
from tests.crawler.conftest import Workspace, start_mirror

TEXT_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) [\w.]+ ")
COMMAND_LINES = ("database: ", "failed: ", "error: ")  # what a command itself prints on stderr


def test_a_crawls_json_log_parses_line_by_line(
    tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = small_portal("mirror-small")
    missing = portal.reports[0]
    portal.site = Failing(portal.inner, {missing.article_path: 404})
    luoyang = next(p for p in build_mirror() if p.name == "mirror-luoyang")
    running = start_mirror([portal, luoyang], tmp_path / "m")
    log = tmp_path / "logs" / "crawl.jsonl"
    monkeypatch.setenv("NIANBAO_PROGRESS_INTERVAL_S", "0.2")
    try:
        options = ("--log-format", "json", "--log-file", str(log), "--log-level", "INFO")
        workspace.crawl(running, [portal.name, luoyang.name], *options)
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.REPORTS_FAILED, workspace.last_stderr[-3000:]
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", r["time"]) for r in records)

    failed = [r for r in records if r["message"].startswith("fetch failed")]
    assert [(r["portal"], r["url"], r["level"]) for r in failed] == [
        (portal.name, running.url(portal.name, missing.article_path), "WARNING")
    ]
    (blocked,) = [r for r in records if r["message"].startswith(f"portal {luoyang.name} blocked: 412")]
    assert blocked["portal"] == luoyang.name
    assert blocked["url"] == running.url(luoyang.name, luoyang.start_path) and blocked["level"] == "WARNING"
    parsed = [r for r in records if r["logger"] == "nianbao.parse"]  # from the parse stage's process
    assert sorted(r["url"] for r in parsed) == sorted(
        running.url(portal.name, r.article_path) for r in portal.reports[1:]
    )
    assert {(r["portal"], r["outcome"]) for r in parsed} == {(portal.name, "new")}
    summaries = {r["portal"]: r["summary"] for r in records if "summary" in r}
    assert summaries[portal.name]["failed"] == 1 and summaries[luoyang.name]["status"] == "blocked"
    done = [r for r in records if r["logger"] == "nianbao.progress" and "done:" in r["message"]]
    assert {r["portal"] for r in done} == {portal.name, luoyang.name}
    assert {r["run_id"] for r in records if r["logger"] == "nianbao.run_record"} == {1}

    assert not [r for r in records if "Overridden settings" in r["message"] or "Versions:" in r["message"]]
    chatty = ("scrapy.crawler", "scrapy.middleware", "scrapy.utils.log", "scrapy.statscollectors")
    assert not [r for r in records if r["logger"].startswith(chatty) and r["level"] == "INFO"]
    # the log went to the file: stderr has only what the command itself says
    assert all(line.startswith(COMMAND_LINES) for line in workspace.last_stderr.splitlines())


def test_text_log_and_progress_lines_on_stderr(
    tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    portals = [small_portal("mirror-one"), small_portal("mirror-two", agency="某市人民政府")]
    running = start_mirror(portals, tmp_path / "m")
    monkeypatch.setenv("NIANBAO_PROGRESS_INTERVAL_S", "0.2")
    try:
        summaries = workspace.crawl(running, [p.name for p in portals], "--log-level", "INFO")
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.OK, workspace.last_stderr[-3000:]
    lines = workspace.last_stderr.splitlines()
    assert all(TEXT_RECORD.match(line) or line.startswith(COMMAND_LINES) for line in lines), lines
    for portal in portals:
        progress = [line for line in lines if f" nianbao.progress [{portal.name}] {portal.name}: " in line]
        assert progress, lines
        assert (
            progress[-1]
            .split(f"[{portal.name}] ", 1)[1]
            .startswith(f"{portal.name}: lists 1, reports 5 found / 5 fetched / 0 failed, parsed 5 (5 new), ")
        )
        assert progress[-1].endswith(", done: ok")
        assert summaries[portal.name]["parsed"] == {"new": 5}
