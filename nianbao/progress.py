"""Progress of a run, per portal: what the crawl stage has read and fetched (published by
crawler.extensions.CrawlProgress) and what the parse stage has parsed (ParseProgress).

On a terminal a live table (rich) redraws in place, log records printing above it; otherwise a
plain line per portal every `progress_interval_s` while its counters move, and one when it is
done, as INFO records of the `nianbao.progress` logger (so in the log's format, with the portal
as a field). Rate and ETA count reports: the ETA is for the reports found so far (a portal's
lists are still being read while its first reports are fetched).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table

from storage.status import NO_PORTAL

if TYPE_CHECKING:
    from storage.api import PendingDocument
    from storage.parse_stage import Outcome

log = logging.getLogger("nianbao.progress")
outcome_log = logging.getLogger("nianbao.parse")
REFRESH_PER_S = 2  # the live table


@dataclass
class PortalProgress:
    portal: str
    crawl: dict[str, int] = field(default_factory=dict)  # crawler.extensions.progress_counters
    parsed: Counter[str] = field(default_factory=Counter)  # parse outcomes
    status: str | None = None  # set when the portal's crawl is done
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None  # when its crawl was done
    changed: float = field(default_factory=time.monotonic)

    @property
    def done_reports(self) -> int:
        """Reports settled: fetched (or known unchanged), or failed."""
        c = self.crawl
        return min(c.get("reports_fetched", 0) + c.get("reports_failed", 0), c.get("reports_found", 0))

    @property
    def rate(self) -> float:
        """Reports settled (else documents parsed) per second since the portal started."""
        done = self.done_reports if self.crawl else sum(self.parsed.values())
        # less than a second of work says nothing of a rate
        elapsed = max((self.ended or time.monotonic()) - self.started, 1.0)
        return done / elapsed

    @property
    def eta_s(self) -> float | None:
        """Seconds left for the reports found so far (None: not known yet, or done)."""
        left = self.crawl.get("reports_found", 0) - self.done_reports
        if self.status or left <= 0 or self.rate <= 0:
            return None
        return left / self.rate

    @property
    def parse_failed(self) -> int:
        return self.parsed.get("failed", 0) + self.parsed.get("unreadable", 0)

    def parsed_text(self) -> str:
        total = sum(self.parsed.values())
        parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.parsed.items()))
        return f"parsed {total}" + (f" ({parts})" if parts else "")

    def line(self) -> str:
        parts = []
        if self.crawl:
            c = self.crawl
            parts.append(
                f"lists {c.get('lists_read', 0)}, reports {c.get('reports_found', 0)} found / "
                f"{c.get('reports_fetched', 0)} fetched / {c.get('failed', 0)} failed"
            )
        if self.parsed or self.crawl:
            parts.append(self.parsed_text())
        parts.append(f"{self.rate:.1f}/s")
        if self.eta_s is not None:
            parts.append(f"ETA {format_seconds(self.eta_s)}")
        if self.status:
            parts.append(f"done: {self.status}")
        return f"{self.portal}: " + ", ".join(parts)


def format_seconds(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class ProgressBoard:
    """The counters of every portal of a run; written from the crawl's reactor thread and the
    parse stage's reader, read by a display."""

    def __init__(self, portals: list[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._portals: dict[str, PortalProgress] = {name: PortalProgress(name) for name in portals or []}
        self._finished: list[str] = []  # portals done since a display last asked

    def _portal(self, name: str) -> PortalProgress:
        if name not in self._portals:
            self._portals[name] = PortalProgress(name)
        return self._portals[name]

    def crawl(self, portal: str, counters: dict[str, int], status: str | None) -> None:
        """The crawl stage's sink (crawler.extensions.ProgressSink)."""
        with self._lock:
            entry = self._portal(portal)
            if counters != entry.crawl or (status and not entry.status):
                entry.changed = time.monotonic()
            entry.crawl = dict(counters)
            if status and not entry.status:
                entry.status, entry.ended = status, time.monotonic()
                self._finished.append(portal)

    def parsed(self, portal: str | None, outcomes: dict[str, int]) -> None:
        with self._lock:
            entry = self._portal(portal or NO_PORTAL)
            if Counter(outcomes) != entry.parsed:
                entry.changed = time.monotonic()
                entry.parsed = Counter(outcomes)

    def snapshot(self) -> list[PortalProgress]:
        with self._lock:
            return [replace(p, crawl=dict(p.crawl), parsed=Counter(p.parsed)) for p in self._portals.values()]

    def take_finished(self) -> list[str]:
        with self._lock:
            finished, self._finished = self._finished, []
            return finished


class ParseProgress:
    """The parse stage's `on_outcome`: logs each document's outcome (url, portal, outcome as
    fields; new, updated, unassigned at `level`, failures at WARNING, the rest at DEBUG) and hands
    the counts per portal to `publish` at most every `every_s`."""

    def __init__(
        self,
        publish: Callable[[str | None, dict[str, int]], None] | None = None,
        *,
        level: int = logging.INFO,
        every_s: float = 1.0,
    ) -> None:
        self.publish = publish
        self.level = level
        self.every_s = every_s
        self.counts: dict[str | None, Counter[str]] = {}
        self.dirty: set[str | None] = set()
        self.last = 0.0

    def __call__(self, doc: PendingDocument, outcome: Outcome, detail: str) -> None:
        from storage.parse_stage import Outcome

        if outcome in (Outcome.FAILED, Outcome.UNREADABLE):
            level = logging.WARNING
        elif outcome in (Outcome.SKIPPED, Outcome.UNCHANGED):  # a re-crawl is quiet
            level = logging.DEBUG
        else:
            level = self.level
        context = {"url": doc.url, "outcome": str(outcome)}
        if doc.portal:
            context["portal"] = doc.portal
        outcome_log.log(level, "%s: %s%s", doc.url, outcome, f" ({detail})" if detail else "", extra=context)
        self.counts.setdefault(doc.portal, Counter())[str(outcome)] += 1
        self.dirty.add(doc.portal)
        if time.monotonic() - self.last >= self.every_s:
            self.flush()

    def flush(self) -> None:
        for portal in self.dirty:
            if self.publish is not None:
                self.publish(portal, dict(self.counts[portal]))
        self.dirty.clear()
        self.last = time.monotonic()


# --- displays --------------------------------------------------------------------------------


class PlainProgress:
    """A line per portal every `interval_s` while its counters move, and one when it is done."""

    def __init__(self, board: ProgressBoard, interval_s: float) -> None:
        self.board = board
        self.interval_s = interval_s
        self.stopped = threading.Event()
        self.shown: dict[str, float] = {}  # portal -> `changed` of the last line shown
        self.thread = threading.Thread(target=self._run, name="nianbao-progress", daemon=True)
        self.last_round = time.monotonic()

    def _show(self, entry: PortalProgress) -> None:
        self.shown[entry.portal] = entry.changed
        log.info("%s", entry.line(), extra={"portal": entry.portal})

    def _round(self, *, periodic: bool) -> None:
        finished = set(self.board.take_finished())
        for entry in self.board.snapshot():
            moved = self.shown.get(entry.portal) != entry.changed and bool(entry.crawl or entry.parsed)
            if entry.portal in finished or (periodic and moved and not entry.status):
                self._show(entry)

    def _run(self) -> None:
        while not self.stopped.wait(min(self.interval_s, 0.5)):
            periodic = time.monotonic() - self.last_round >= self.interval_s
            if periodic:
                self.last_round = time.monotonic()
            self._round(periodic=periodic)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        self._round(periodic=False)  # portals that finished since the last round
        for entry in self.board.snapshot():  # and the parse stage's last word on every portal
            if self.shown.get(entry.portal) != entry.changed and (entry.crawl or entry.parsed):
                self._show(entry)


def progress_table(board: ProgressBoard) -> Table:
    entries = board.snapshot()
    # no vertical rules: a row of a long portal name still fits 80 columns
    table = Table(
        title="nianbao",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        expand=False,
    )
    widest = max((len(e.portal) for e in entries), default=6)
    table.add_column("portal", no_wrap=True, min_width=widest)  # never cut: it names the row
    # reports: fetched/found (found grows while the lists are read)
    for heading in ("lists", "reports", "parsed", "failed", "rate", "ETA"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for entry in entries:
        c = entry.crawl
        eta = entry.eta_s
        table.add_row(
            entry.portal,
            str(c.get("lists_read", "-")),
            f"{c['reports_fetched']}/{c['reports_found']}" if c else "-",
            str(sum(entry.parsed.values())),
            str(c.get("failed", 0) + entry.parse_failed),
            f"{entry.rate:.1f}",
            format_seconds(eta) if eta is not None else "-",
            entry.status or "running",
        )
    return table


class LiveProgress:
    """The table redrawn in place on a terminal; what is written to stderr meanwhile (log
    records, messages) prints above it."""

    def __init__(self, board: ProgressBoard, console: Console) -> None:
        self.board = board
        self.live = Live(
            console=console,
            get_renderable=lambda: progress_table(board),
            refresh_per_second=REFRESH_PER_S,
            redirect_stderr=True,
            redirect_stdout=False,
        )

    def start(self) -> None:
        self.live.start()

    def stop(self) -> None:
        self.live.refresh()
        self.live.stop()


@contextmanager
def progress_display(
    board: ProgressBoard, interval_s: float, stream: IO[str] | None = None
) -> Iterator[ProgressBoard]:
    """Show `board` while the block runs: live on a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    display: LiveProgress | PlainProgress
    if stream.isatty():
        display = LiveProgress(board, Console(file=stream))
    else:
        display = PlainProgress(board, interval_s)
    display.start()
    try:
        yield board
    finally:
        display.stop()
