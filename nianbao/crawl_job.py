"""One crawl as a user runs it: the crawl stage (Scrapy, this process) archives documents while
the parse stage (a child process with its parser workers) parses and stores them as they come;
when the crawl is over the parse stage takes what is left, and the summaries of both are merged
per portal.

The parse stage finds its work in the database (documents archived and not yet parsed), so a
killed parse stage loses nothing: `nianbao parse-pending`, or the next crawl, parses the rest.

Both stages log through settings.logs (the child and its workers set it up again) and, given a
ProgressBoard, publish their counters to it: the crawl stage from the reactor, the parse stage
through a queue this process reads.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from nianbao.progress import ProgressBoard
    from settings.config import Config
    from settings.registry import PortalConfig
    from storage.parse_stage import ParseReport

RESULT_WAIT_S = 5.0  # after the parse stage exits, how long its report may take to arrive


@dataclass
class CrawlResult:
    summaries: list[dict[str, Any]]
    parse: ParseReport | None
    parse_error: str | None = None  # the parse stage died or failed: the run did not complete
    problems: list[str] = field(default_factory=list)


@dataclass
class StageQueues:
    """What the parse stage sends its parent: its report, its counts, its log records."""

    results: multiprocessing.Queue
    progress: multiprocessing.Queue
    log_records: multiprocessing.Queue


def parse_stage_main(config: Config, parent: int, stop: Event, queues: StageQueues) -> None:
    """The parse stage of a crawl, in its own process: follow the archive until told to stop."""
    from nianbao.parse_runs import parse_stage
    from nianbao.progress import ParseProgress
    from settings.logs import setup_child_logging
    from storage.api import Store
    from storage.parse_stage import exit_with_parent

    setup_child_logging(config.log_level, queues.log_records)
    exit_with_parent(parent)
    outcomes = ParseProgress(lambda portal, counts: queues.progress.put((portal, counts)))
    with Store.open(config) as store:
        report = parse_stage(store, config, outcomes, queues.log_records).follow(stop.is_set)
    outcomes.flush()
    queues.results.put(report)


class ParseStageProcess:
    def __init__(
        self, config: Config, log_records: multiprocessing.Queue, board: ProgressBoard | None
    ) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
        self.stop = context.Event()
        self.results: multiprocessing.Queue = context.Queue()
        self.progress: multiprocessing.Queue = context.Queue()
        self.board = board
        queues = StageQueues(self.results, self.progress, log_records)
        self.process = context.Process(
            target=parse_stage_main, args=(config, os.getpid(), self.stop, queues), name="nianbao-parse"
        )
        self.reader = threading.Thread(target=self._read_progress, name="nianbao-parse-progress", daemon=True)
        self.reading = True

    def _read_progress(self) -> None:
        """Hand the stage's counts to the board (until the stage is over and its queue empty)."""
        while True:
            try:
                portal, counts = self.progress.get(timeout=0.2)
            except queue.Empty:
                if not self.reading:
                    return
                continue
            if self.board is not None:
                self.board.parsed(portal, counts)

    def start(self) -> None:
        self.process.start()
        self.reader.start()

    def finish(self) -> tuple[ParseReport | None, str | None]:
        """Tell the stage the crawl is over; its report once it has parsed everything."""
        self.stop.set()
        report = None
        while report is None:
            alive = self.process.is_alive()
            try:  # once it has exited, what it sent is already in the pipe
                report = self.results.get(timeout=1.0 if alive else RESULT_WAIT_S)
            except queue.Empty:
                if not alive:
                    break
        self.process.join()
        self.reading = False
        self.reader.join()
        if report is None:
            code = self.process.exitcode
            return None, f"the parse stage died (exit code {code}): run `nianbao parse-pending`"
        return report, None


def merge(summary: dict[str, Any], report: ParseReport) -> None:
    """Add a portal's parse outcomes to its crawl summary."""
    outcomes = report.outcomes.get(summary["portal"], {})
    statuses = report.statuses.get(summary["portal"], {})
    summary["parsed"] = dict(outcomes)
    summary["scanned"] = statuses.get("scanned", 0)  # image-only: archived, not readable without OCR
    summary["unassigned"] = outcomes.get("unassigned", 0)
    parse_failed = outcomes.get("failed", 0) + outcomes.get("unreadable", 0)
    summary["failed"] = summary.get("failed", 0) + parse_failed
    if parse_failed and summary.get("status") == "ok":
        summary["status"] = "failures"


def run_crawl(
    portals: Sequence[PortalConfig],
    config: Config,
    *,
    settings_module: str = "settings.prod",
    overrides: dict[str, Any] | None = None,
    board: ProgressBoard | None = None,
) -> CrawlResult:
    from crawler.run import crawl_portals
    from settings.logs import LogRelay

    with LogRelay() as relay:
        parse = ParseStageProcess(config, relay.queue, board)
        parse.start()  # its imports and the database opening overlap with Scrapy's start-up
        try:
            summaries = crawl_portals(
                portals,
                config,
                settings_module=settings_module,
                overrides=overrides,
                on_progress=board.crawl if board is not None else None,
            )
        finally:
            report, error = parse.finish()
    result = CrawlResult(summaries, report, error)
    if report is not None:
        for summary in summaries:
            merge(summary, report)
        result.problems = list(report.problems)
    return result
