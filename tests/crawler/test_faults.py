"""Crawls of a portal served by the fault server (tests/crawler/fault_server.py, a child
process): bodies cut short with a consistent Content-Length, short bodies, dropped connections
and 5xx are retried; what still fails is kept in fetch_failures and fetched again by the next
run although its list is unchanged, until it succeeds or is gone; a cut body is never parsed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.items import DocumentItem
from mirror.corpus import MirrorReport
from tests.crawler.conftest import ROOT, Workspace
from tests.crawler.fault_server import fault_server, faulty_site, portal_of

AGENCIES = ["某县教育局", "某县财政局", "某县民政局"]


def _spec(name: str, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "years": [2020, 2024],
        "kinds": ["html", "pdf", "docx"],
        "more_agencies": AGENCIES,
        **more,
    }


def _reports(spec: dict[str, Any]) -> list[MirrorReport]:
    return portal_of(spec).reports


def _current_statuses(workspace: Workspace) -> dict[str, int]:
    rows = workspace.query("select status, count(*) from reports group by status")
    return dict(rows)


@pytest.mark.slow
def test_bodies_cut_once_are_fetched_again_in_the_same_run(tmp_path: Path, workspace: Workspace) -> None:
    probe = _spec("fault-cut")
    reports = _reports(probe)
    html = [r.article_path for r in reports if r.kind == "html"]
    files = [r.attachment_path for r in reports if r.attachment_path]
    # what the HTTP layer sees: a body shorter than its Content-Length, a dropped connection
    seen = {html[-1]: {"kind": "short", "times": 1}, files[-1]: {"kind": "drop", "times": 1}}
    spec = _spec("fault-cut", cut={"share": 0.2, "seed": 3, "times": 1}, faults=seen)
    cut = set(faulty_site(spec, portal_of(spec)).faults) - set(seen)  # the server's own choice
    with fault_server(spec, tmp_path) as server:
        summary = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
        hits = Counter(path for path, _, _ in server.hits())
    assert len(cut) >= 4 and any(path.endswith((".pdf", ".docx")) for path in cut)
    assert {path: hits[path] for path in cut} == dict.fromkeys(cut, 2)  # cut, then whole
    assert hits[html[-1]] == 2 and hits[files[-1]] >= 2
    assert (summary["reports_found"], summary["failed"]) == (len(reports), 0), workspace.last_stderr[-3000:]
    assert _current_statuses(workspace) == {"parsed": len(reports)}
    assert workspace.query("select count(*) from fetch_failures") == [(0,)]


def test_a_failing_item_is_logged_without_its_body() -> None:
    body = b"%PDF-1.7 " + b"x" * 100_000
    item = DocumentItem(
        "p", "attachment", "http://h/a.pdf", "http://h/a.pdf", 200, body, {}, None, "http://h/"
    )
    assert "xxxx" not in repr(item) and len(repr(item)) < 1000


@pytest.mark.slow
def test_what_fails_a_run_is_fetched_by_the_next_until_it_succeeds_or_is_gone(
    tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIANBAO_FAILED_FETCH_RETRY_S", "0")  # no backoff between the test's runs
    probe = _spec("fault-runs")
    reports = _reports(probe)
    html = [r for r in reports if r.kind == "html"]
    files = [r for r in reports if r.attachment_path]
    pdf = next(r for r in files if r.attachment_path and r.attachment_path.endswith(".pdf"))
    docx = next(r for r in files if r.attachment_path and r.attachment_path.endswith(".docx"))
    others = [r for r in files if r not in (pdf, docx)]
    assert pdf.attachment_path and docx.attachment_path and others[0].attachment_path
    faults = {
        html[0].article_path: {"kind": "cut"},  # cut, with a consistent length, under the whole ETag
        pdf.attachment_path: {"kind": "cut", "keep": 0.9},
        docx.attachment_path: {"kind": "status", "status": 503},
        html[1].article_path: {"kind": "drop"},
        others[0].attachment_path: {"kind": "status", "status": 404, "heals": False},  # gone
    }
    spec = _spec("fault-runs", faults=faults)
    failing = {html[0].article_path, pdf.attachment_path, docx.attachment_path, html[1].article_path}
    with fault_server(spec, tmp_path) as server:
        first = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
        assert first["failed"] == 5, workspace.last_stderr[-3000:]
        rows = workspace.query("select url, error, status, tries, gone from fetch_failures order by url")
        by_path = {url.removeprefix(server.base_url): rest for url, *rest in rows}
        assert by_path == {
            html[0].article_path: ["truncated: an HTML page without its closing </body>", 200, 1, 0],
            pdf.attachment_path: ["truncated: a PDF without %%EOF at its end", 200, 1, 0],
            docx.attachment_path: ["HTTP 503", 503, 1, 0],
            html[1].article_path: [by_path[html[1].article_path][0], None, 1, 0],
            others[0].attachment_path: ["HTTP 404", 404, 1, 0],
        }
        # the cut bodies are archived as they came, never for the parse stage
        cut = {server.base_url + html[0].article_path, server.base_url + pdf.attachment_path}
        parse_flags = workspace.query("select url, parse from documents where url in (?, ?)", *sorted(cut))
        assert sorted(flag for _, flag in parse_flags) == [0, 0]
        status = json.loads(workspace.command("status", "--json").stdout)
        (part,) = [p for p in status["portals"] if p["portal"] == spec["name"]]
        assert part["failed_fetches"] == {"retrying": 5, "gone": 0}
        parsed_before = _current_statuses(workspace)
        assert sum(parsed_before.values()) == len(reports) - 5

        server.heal()
        hits_before = len(server.hits())
        second = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
        again = [path for path, _, _ in server.hits()[hits_before:]]
        assert failing <= set(again), "each failed fetch is asked for again though its list is unchanged"
        assert second["failed"] == 1, workspace.last_stderr[-3000:]  # the 404, a second time: gone
        assert _current_statuses(workspace) == {"parsed": len(reports) - 1}
        assert workspace.query("select url, tries, gone from fetch_failures") == [
            (server.base_url + others[0].attachment_path, 2, 1)
        ]

        hits_before = len(server.hits())
        status = json.loads(workspace.command("status", "--json").stdout)
        (part,) = [p for p in status["portals"] if p["portal"] == spec["name"]]
        assert part["failed_fetches"] == {"retrying": 0, "gone": 1}
        assert "failed fetches: 0 retried by later runs, 1 gone" in workspace.command("status").stdout

        third = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
        again = [path for path, _, _ in server.hits()[hits_before:]]
        assert others[0].attachment_path not in again  # gone: not asked for again
        assert third["failed"] == 0


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.slow
def test_a_run_killed_before_the_attachments_came_fetches_them_on_resume(
    tmp_path: Path, workspace: Workspace
) -> None:
    probe = _spec("fault-resume")
    reports = _reports(probe)
    files = [r.attachment_path for r in reports if r.attachment_path]
    assert len(files) >= 5
    spec = _spec("fault-resume", faults={path: {"kind": "delay", "delay": 60} for path in files})
    with fault_server(spec, tmp_path) as server:
        command = workspace.crawl_command(server, [spec["name"]])  # type: ignore[arg-type]
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        db = workspace.directory / "db.sqlite"
        deadline = time.monotonic() + 60
        pages = "select count(*) from documents where role = 'report'"
        while _count(db, pages) < len(reports) and time.monotonic() < deadline:
            assert process.poll() is None, "the crawl finished before it could be killed"
            time.sleep(0.1)
        assert _count(db, "select count(*) from documents where role = 'attachment'") == 0
        os.killpg(process.pid, signal.SIGKILL)  # the crawl and its parse stage
        process.wait()
        server.heal()

        summary = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
        fetched = {
            url.removeprefix(server.base_url)
            for (url,) in workspace.query("select url from documents where role = 'attachment'")
        }
        assert fetched == set(files), workspace.last_stderr[-3000:]
        assert summary["failed"] == 0
        assert _current_statuses(workspace) == {"parsed": len(reports)}
