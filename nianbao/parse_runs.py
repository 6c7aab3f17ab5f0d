"""The parse stage as every command runs it (crawl, ingest, reparse, parse-pending): the
configured workers, batches and deadline, each document's outcome to `on_outcome`, and workers
that send their log records to the command's process (settings.logs.LogRelay); and what such a
run reports: its exit code and its run record's counts and portals."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from nianbao.exit_codes import ExitCode
from storage.runs import PortalPart

if TYPE_CHECKING:
    from settings.config import Config
    from storage.api import PendingDocument, Store
    from storage.parse_stage import Outcome, ParseReport, ParseStage


def parse_stage(
    store: Store,
    config: Config,
    on_outcome: Callable[[PendingDocument, Outcome, str], None],
    log_records: multiprocessing.Queue,  # type: ignore[type-arg]  # a LogRelay's queue
    *,
    force: bool = False,
) -> ParseStage:
    from settings.logs import setup_child_logging
    from storage.parse_stage import ParseStage

    return ParseStage(
        store,
        workers=config.parse_workers,
        batch_reports=config.batch_reports,
        batch_ms=config.batch_ms,
        deadline_s=config.parse_deadline_s,
        force=force,
        on_outcome=on_outcome,
        worker_setup=partial(setup_child_logging, config.log_level, log_records),
    )


def parse_exit_code(report: ParseReport, unreadable_inputs: int = 0) -> ExitCode:
    """The code of a run of the parse stage (parse-pending, ingest, reparse)."""
    from storage.parse_stage import Outcome

    if report.total(Outcome.UNREADABLE):
        return ExitCode.ERROR  # the archive is not readable here: those documents are still pending
    if unreadable_inputs or report.total(Outcome.FAILED):
        return ExitCode.REPORTS_FAILED
    return ExitCode.OK


def parse_parts(report: ParseReport) -> list[PortalPart]:
    """Each portal's outcomes in a run of the parse stage (documents from no portal: in the totals)."""
    parts = []
    for portal, outcomes in sorted(((p, o) for p, o in report.outcomes.items() if p), key=lambda po: po[0]):
        failed = outcomes.get("failed", 0) + outcomes.get("unreadable", 0)
        parts.append(
            PortalPart(
                portal=portal,
                status="failures" if failed else "ok",
                exit_code=int(ExitCode.REPORTS_FAILED if failed else ExitCode.OK),
                counts={"parsed": dict(outcomes)},
            )
        )
    return parts


def parse_counts(report: ParseReport) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    for counter in report.outcomes.values():
        outcomes.update(counter)
    return {"parsed": dict(outcomes), "upserts": vars(report.counts)}
