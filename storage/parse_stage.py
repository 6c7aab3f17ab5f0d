"""The parse stage: archived report documents -> parses -> facts, in group-committed batches.

`ParseStage.run(documents)` is the one place where "skip what this parser has parsed, else parse
and store" happens, for the crawl, `ingest`, `reparse` (which forces) and `parse-pending`; every
document comes out with an explicit `Outcome`. Parsing runs in worker processes (none: in this
one); results are stored by this process, several reports per transaction, each in its own
savepoint (Store.store_parses): a kill loses at most the batch not yet committed, whose documents
are still pending for the next run. A worker that dies or overruns the deadline is replaced; the
document it held is retried alone, and if it kills a worker alone it is stored as failed.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from storage.api import ArchiveError, PendingDocument, Store, StoreFailure, UpsertCounts

if TYPE_CHECKING:
    from pipelines.model import ParseResult

POLL_S = 0.2  # how often a following stage looks for new documents when it has none
# A worker is killed when a parse runs this much past the deadline: the parser keeps no clock
# (pipelines/limits.py bounds its work), so the deadline is enforced from here, with room for
# a slow machine before a document is given up.
HARD_DEADLINE_FACTOR, HARD_DEADLINE_GRACE_S = 2.0, 10.0
FAILED_STATUSES = ("error", "unsupported")


class Outcome(StrEnum):
    NEW = "new"  # a report seen for the first time
    UPDATED = "updated"  # a known report got a new version or changed facts
    UNCHANGED = "unchanged"  # parsed again, nothing changed
    UNASSIGNED = "unassigned"  # parsed, but no agency and year: no report to file it under
    FAILED = "failed"  # the document could not be parsed or stored (see its message)
    SKIPPED = "skipped"  # this parser has parsed these bytes before
    UNREADABLE = "unreadable"  # the archive file is not readable here: still pending


@dataclass
class ParseReport:
    """What a run of the stage did, per portal (None: documents that came from no portal)."""

    outcomes: dict[str | None, Counter[str]] = field(default_factory=dict)
    statuses: dict[str | None, Counter[str]] = field(default_factory=dict)
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    problems: list[str] = field(default_factory=list)  # one line per failed or unreadable document

    def add(self, doc: PendingDocument, outcome: Outcome, status: str | None, problem: str | None) -> None:
        self.outcomes.setdefault(doc.portal, Counter())[outcome] += 1
        if status:
            self.statuses.setdefault(doc.portal, Counter())[status] += 1
        if problem:
            self.problems.append(f"{doc.url} ({doc.sha256[:12]}): {problem}")

    def total(self, outcome: Outcome) -> int:
        return sum(c[outcome] for c in self.outcomes.values())

    def summary(self) -> str:
        seen = Counter[str]()
        for counter in self.outcomes.values():
            seen.update(counter)
        parts = ", ".join(f"{seen[o]} {o}" for o in Outcome if seen[o])
        return f"documents: {parts or 'none'}; {self.counts.summary()}"


def exit_with_parent(parent: int, poll_seconds: float = 0.5) -> None:
    """A worker (or a crawl's parse stage) must not outlive `parent`, the process that started it,
    even one killed with SIGKILL (perhaps before this child got here): what it has not committed
    is pending for the next run."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def start_worker(parent: int, setup: Callable[[], None] | None) -> None:
    """A new worker: dies with its parent, caps its memory (a bomb fails its document, not the
    machine), and sets itself up as the parent asked (logging)."""
    from pipelines.limits import cap_memory

    exit_with_parent(parent)
    cap_memory()
    if setup is not None:
        setup()


def warm_up() -> None:
    """Import the parser in a new worker, before the deadline of its first document starts."""
    import pipelines.parse  # noqa: F401


def parse_document(body: bytes, url: str, listed_title: str | None) -> ParseResult:
    """Parse one document (in a worker process). `listed_title`: a document that names no agency
    or year itself (a scan) takes them from the title its portal lists it under."""
    from pipelines.parse import parse_bytes

    return parse_bytes(body, url, listed_title=listed_title)


@dataclass
class _Task:
    doc: PendingDocument
    body: bytes
    started: float = 0.0
    alone: bool = False  # retried by itself after a worker died beside it


class ParseStage:
    def __init__(
        self,
        store: Store,
        *,
        workers: int = 1,
        batch_reports: int = 50,
        batch_ms: int = 500,
        deadline_s: float = 60.0,
        force: bool = False,
        on_outcome: Callable[[PendingDocument, Outcome, str], None] | None = None,
        parse: Callable[[bytes, str, str | None], ParseResult] = parse_document,
        hard_deadline_s: float | None = None,
        parser_version: str | None = None,  # None: the parser's own (tests stand in a newer one)
        worker_setup: Callable[[], None] | None = None,  # run in each new worker (picklable)
    ) -> None:
        from pipelines.parse import PARSER_VERSION

        self.store = store
        self.parser_version = parser_version or PARSER_VERSION
        self.workers = workers
        self.batch_reports, self.batch_s = batch_reports, batch_ms / 1000
        self.hard_deadline_s = hard_deadline_s or deadline_s * HARD_DEADLINE_FACTOR + HARD_DEADLINE_GRACE_S
        self.parse = parse  # a module-level function: it is sent to the worker processes
        self.force = force
        self.on_outcome = on_outcome
        self.worker_setup = worker_setup
        self.report = ParseReport()
        self.attempted: set[int] = set()  # document ids this run has taken
        self._contents: set[str] = set()  # sha256 taken: one parse per content
        self._batch: list[tuple[PendingDocument, ParseResult]] = []
        self._batch_since = 0.0
        self._pool: ProcessPoolExecutor | None = None
        self._running: dict[Future[ParseResult], _Task] = {}
        self._retry: list[_Task] = []

    # --- the one entry point -------------------------------------------------------------------

    def run(self, documents: Iterable[PendingDocument]) -> ParseReport:
        """Parse and store `documents` (skipping contents this parser has parsed, unless forced)."""
        try:
            for doc in documents:
                self._take(doc)
            self._drain()
        finally:
            self._close_pool()
        return self.report

    def follow(self, stop: Callable[[], bool]) -> ParseReport:
        """Parse pending documents as they are archived until `stop()` says the crawl is over,
        then everything still pending that this run has not taken yet."""
        try:
            after = 0
            while True:
                found = self.store.pending(self.parser_version, after=after, limit=self.batch_reports)
                if found:
                    after = found[-1].document_id
                    for doc in found:
                        self._take(doc)
                    continue
                if stop():
                    break
                self._collect(POLL_S)
                self._flush_if_due()
            for doc in self._all_pending():
                self._take(doc)
            self._drain()
        finally:
            self._close_pool()
        return self.report

    def _all_pending(self) -> Iterator[PendingDocument]:
        # documents committed out of id order (PostgreSQL) are found here
        after = 0
        while found := self.store.pending(self.parser_version, after=after, limit=500):
            after = found[-1].document_id
            yield from (doc for doc in found if doc.document_id not in self.attempted)

    # --- taking documents ----------------------------------------------------------------------

    def _take(self, doc: PendingDocument) -> None:
        self.attempted.add(doc.document_id)
        if doc.sha256 in self._contents:
            self._done(doc, Outcome.SKIPPED, None, None)
            return
        self._contents.add(doc.sha256)
        if not self.force and self.store.is_parsed(doc.sha256, self.parser_version):
            self._done(doc, Outcome.SKIPPED, None, None)
            return
        try:
            body = self.store.read(doc.sha256)
        except (ArchiveError, KeyError) as exc:
            where = self.store.archive_location
            self._done(doc, Outcome.UNREADABLE, None, f"archive ({where}) not readable here: {exc}")
            return
        self._submit(_Task(doc, body))

    def _submit(self, task: _Task) -> None:
        args = (task.body, task.doc.url, task.doc.listed_title)
        if self.workers == 0:
            self._parsed(task.doc, self.parse(*args))
            return
        self._run_retries()
        limit = 1 if task.alone else self.workers
        while len(self._running) >= limit:
            self._collect(None)
        pool = self._executor()  # a new pool warms up before the deadline starts
        task.started = time.monotonic()
        self._running[pool.submit(self.parse, *args)] = task

    def _run_retries(self) -> None:
        while self._retry:
            task = self._retry.pop(0)
            self._submit(task)
            while self._running:
                self._collect(None)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # never fork a process with threads
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=start_worker,
                initargs=(os.getpid(), self.worker_setup),
            )
            wait([self._pool.submit(warm_up) for _ in range(self.workers)])
        return self._pool

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    # --- results -------------------------------------------------------------------------------

    def _collect(self, timeout: float | None) -> None:
        """Wait for at least one running parse (or `timeout`), and handle what finished."""
        if not self._running:
            return
        overdue_at = min(task.started for task in self._running.values()) + self.hard_deadline_s
        budget = max(0.0, overdue_at - time.monotonic())
        done, _ = wait(
            self._running,
            timeout=budget if timeout is None else min(timeout, budget),
            return_when=FIRST_COMPLETED,
        )
        overran = not done and time.monotonic() >= overdue_at
        if overran:
            self._kill_workers()
            done, _ = wait(self._running)
        broken = False
        for future in done:
            try:
                result = future.result()
            except BrokenProcessPool:
                broken = True
                continue
            self._parsed(self._running.pop(future).doc, result)
        if broken:  # every task the pool held is lost with it
            tasks = list(self._running.values())
            self._running.clear()
            self._close_pool()
            self._after_worker_death(tasks, overran=overran)
        self._flush_if_due()

    def _kill_workers(self) -> None:
        assert self._pool is not None
        for process in list(self._pool._processes.values()):  # no public way to stop one task
            process.kill()

    def _after_worker_death(self, tasks: list[_Task], *, overran: bool) -> None:
        """A worker died (killed past the deadline, out of memory, crashed). Alone, the task
        that held it fails; beside others, each is retried alone to find which one it was."""
        from pipelines.messages import message
        from pipelines.model import ParseResult

        for task in tasks:
            if not (task.alone or len(tasks) == 1):
                task.alone = True
                self._retry.append(task)
                continue
            why = (
                message("over_hard_deadline", seconds=self.hard_deadline_s)
                if overran
                else message("parser_died")
            )
            self._parsed(task.doc, ParseResult(task.doc.url, "error", messages=[why]))

    def _parsed(self, doc: PendingDocument, result: ParseResult) -> None:
        if not self._batch:
            self._batch_since = time.monotonic()
        self._batch.append((doc, result))
        self._flush_if_due()

    def _flush_if_due(self) -> None:
        if self._batch and (
            len(self._batch) >= self.batch_reports or time.monotonic() - self._batch_since >= self.batch_s
        ):
            self._flush()

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        stored = self.store.store_parses(batch, self.parser_version)
        for (doc, result), counts in zip(batch, stored, strict=True):
            self._file(doc, result, counts)

    def _drain(self) -> None:
        while self._running:
            self._collect(None)
        self._run_retries()
        self._flush()

    def _file(self, doc: PendingDocument, result: ParseResult, counts: UpsertCounts | StoreFailure) -> None:
        if isinstance(counts, StoreFailure):
            self._done(doc, Outcome.FAILED, result.status, str(counts))
            return
        self.report.counts += counts
        if result.status in FAILED_STATUSES:
            outcome, problem = Outcome.FAILED, "; ".join(m.text for m in result.messages) or result.status
        elif not (result.agency and result.year):
            outcome, problem = Outcome.UNASSIGNED, None
        elif counts.reports_inserted:
            outcome, problem = Outcome.NEW, None
        elif counts.reports_updated or counts.versions_inserted:
            outcome, problem = Outcome.UPDATED, None
        else:
            outcome, problem = Outcome.UNCHANGED, None
        self._done(doc, outcome, result.status, problem)

    def _done(self, doc: PendingDocument, outcome: Outcome, status: str | None, problem: str | None) -> None:
        self.report.add(doc, outcome, status, problem)
        if self.on_outcome is not None:
            self.on_outcome(doc, outcome, problem or status or "")
