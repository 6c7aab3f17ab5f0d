"""The progress display: plain lines naming their portal without a terminal, a live table on
one (content, not timing)."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from nianbao.progress import ParseProgress, PlainProgress, ProgressBoard, progress_display, progress_table
from storage.api import PendingDocument
from storage.db import utcnow
from storage.parse_stage import Outcome

COUNTERS = {
    "lists_read": 3,
    "reports_found": 10,
    "reports_fetched": 8,
    "failed": 1,
    "requests": 30,
    "bytes": 9,
}

DONE = {**COUNTERS, "reports_found": 2, "reports_fetched": 2, "reports_failed": 0, "failed": 0}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _board() -> ProgressBoard:
    board = ProgressBoard(["mirror-a", "mirror-b", "mirror-idle"])
    board.crawl("mirror-a", COUNTERS, None)
    board.parsed("mirror-a", {"new": 6, "unchanged": 1})
    board.crawl(
        "mirror-b",
        {**COUNTERS, "reports_found": 2, "reports_fetched": 2, "reports_failed": 0, "failed": 0},
        "blocked",
    )
    board.parsed("mirror-b", {"new": 1, "failed": 1})
    return board


def test_plain_lines_name_their_portal(caplog: pytest.LogCaptureFixture) -> None:
    board = ProgressBoard(["mirror-a", "mirror-b", "mirror-idle"])
    display = PlainProgress(board, interval_s=3600)  # no periodic line: only what stop() says
    display.start()
    board.crawl("mirror-a", COUNTERS, None)
    board.parsed("mirror-a", {"new": 6, "unchanged": 1})
    board.crawl(
        "mirror-b",
        {**COUNTERS, "reports_found": 2, "reports_fetched": 2, "reports_failed": 0, "failed": 0},
        "blocked",
    )
    with caplog.at_level(logging.INFO, logger="nianbao.progress"):
        display.stop()
    lines = {record.portal: record.getMessage() for record in caplog.records}  # type: ignore[attr-defined]
    assert set(lines) == {"mirror-a", "mirror-b"}  # nothing to say of a portal that has not started
    assert lines["mirror-a"].startswith(
        "mirror-a: lists 3, reports 10 found / 8 fetched / 1 failed, parsed 7 (6 new, 1 unchanged), "
    )
    assert " ETA " in lines["mirror-a"] and "done" not in lines["mirror-a"]
    assert lines["mirror-b"].startswith(
        "mirror-b: lists 3, reports 2 found / 2 fetched / 0 failed, parsed 0, "
    )
    assert lines["mirror-b"].endswith(", done: blocked") and "ETA" not in lines["mirror-b"]


def test_parse_outcomes_are_logged_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    board = ProgressBoard()
    progress = ParseProgress(board.parsed, every_s=3600)
    doc = PendingDocument(1, "ab" * 32, "http://x.gov.cn/a.html", utcnow(), portal="mirror-a")
    with caplog.at_level(logging.DEBUG, logger="nianbao.parse"):
        progress(doc, Outcome.NEW, "parsed")
        progress(doc, Outcome.FAILED, "no table")
        progress(doc, Outcome.SKIPPED, "")
    progress.flush()
    levels = [(r.levelname, r.getMessage(), r.url, r.outcome, r.portal) for r in caplog.records]  # type: ignore[attr-defined]
    assert levels == [
        ("INFO", "http://x.gov.cn/a.html: new (parsed)", doc.url, "new", "mirror-a"),
        ("WARNING", "http://x.gov.cn/a.html: failed (no table)", doc.url, "failed", "mirror-a"),
        ("DEBUG", "http://x.gov.cn/a.html: skipped", doc.url, "skipped", "mirror-a"),
    ]
    (entry,) = board.snapshot()
    assert (entry.portal, dict(entry.parsed)) == ("mirror-a", {"new": 1, "failed": 1, "skipped": 1})


def test_the_live_table_on_a_terminal() -> None:
    console = Console(force_terminal=True, width=80, record=True, file=io.StringIO())
    console.print(progress_table(_board()))
    lines = console.export_text().splitlines()
    assert lines[1].split() == ["portal", "lists", "reports", "parsed", "failed", "rate", "ETA", "status"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:] if line.strip()}
    assert rows["mirror-a"][:4] == ["3", "8/10", "7", "1"] and rows["mirror-a"][6] == "running"
    assert rows["mirror-a"][5] != "-"  # an ETA for the 1 report found and not fetched yet
    assert rows["mirror-b"][:4] == ["3", "2/2", "2", "1"] and rows["mirror-b"][5:] == ["-", "blocked"]
    assert rows["mirror-idle"] == ["-", "-", "0", "0", "0.0", "-", "running"]


def test_a_terminal_gets_the_live_display() -> None:
    terminal = Terminal()
    with progress_display(_board(), interval_s=3600, stream=terminal):
        pass
    shown = terminal.getvalue()
    assert "\x1b[" in shown  # drawn in place, with escape codes
    assert "mirror-a" in shown and "8/10" in shown and "blocked" in shown
