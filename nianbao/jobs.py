"""The job queue on PostgreSQL (procrastinate): crawl jobs, parse jobs and the portals' schedules.

`crawl_portal` crawls one portal (the crawl stage, in a child process: nianbao.worker_stages)
and then defers `parse_batch` jobs for the documents of that portal left to parse. A crawl job
carries the procrastinate `lock` and `queueing_lock` of its portal: the queue holds at most one
waiting crawl of a portal, and no two workers, on any machine, crawl a portal at once (one
client per site across the cluster: the portals' politeness). Parse jobs of a portal share
the lock `parse:<portal>`, so a document deferred twice is parsed once.

A job fails (procrastinate status `failed`, with the reason in the worker's log) when its stage
could not run through: the crawl stopped or found the portal locked, a document's WARC file
is not readable on this machine. What a crawl finds wrong with a portal (empty lists, missing
years, failed reports) is the run record's, as for `nianbao crawl`; the job succeeds.

Every worker also retries the jobs of workers that stopped sending heartbeats (killed, cut
off) for `worker_stall_s`, and defers the portals' scheduled crawls when they are due
(procrastinate's periodic tasks: the database defers each due crawl once, whatever the number
of workers).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Job, Status
from sqlalchemy.engine import make_url

from nianbao.exit_codes import ExitCode
from nianbao.worker_stages import stage_environment, stage_result
from settings.errors import UsageError

if TYPE_CHECKING:
    from settings.config import Config
    from settings.registry import PortalConfig

log = logging.getLogger("nianbao.jobs")

CRAWL_TASK = "crawl_portal"
PARSE_TASK = "parse_batch"
PARSE_BATCH_DOCUMENTS = 100  # documents per parse job: a job is minutes, not hours
CONTEXT = "nianbao"  # the worker's additional_context key of its WorkerSetup
# a crawl that did not run through fails its job; a portal's own problems do not
CRAWL_FAILURES = (ExitCode.ERROR, ExitCode.USAGE, ExitCode.LOCKED)


class JobFailed(Exception):
    """A stage of a job did not run through (its reason is the message)."""


@dataclass(frozen=True)
class WorkerSetup:
    """What the jobs of a worker run with."""

    config: Config
    settings_module: str = "settings.prod"


def needs_postgres(config: Config) -> str:
    """The libpq connection string of the configured database; UsageError unless PostgreSQL."""
    url = make_url(config.database_url)
    if url.get_backend_name() != "postgresql":
        raise UsageError("the job queue needs PostgreSQL; on SQLite run `nianbao crawl`")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def crawl_lock(portal: str) -> dict[str, str]:
    """The locks of a portal's crawl job (deferred by hand or by its schedule)."""
    return {"lock": portal, "queueing_lock": portal}


def job_app(config: Config, portals: Iterable[PortalConfig] = ()) -> App:
    """The queue on the configured database, with the scheduled crawls of `portals`."""
    app = App(connector=PsycopgConnector(conninfo=needs_postgres(config)))
    crawl = app.task(name=CRAWL_TASK, pass_context=True)(crawl_portal)
    app.task(name=PARSE_TASK, pass_context=True)(parse_batch)
    for portal in portals:
        for number, cron in enumerate(portal.crons()):
            app.periodic_registry.register_task(
                task=crawl,
                cron=cron,
                periodic_id=f"{portal.name}#{number}",
                configure_kwargs={**crawl_lock(portal.name), "task_kwargs": {"portal": portal.name}},  # type: ignore[typeddict-item]
            )
    return app


async def run_stage(setup: WorkerSetup, *args: str) -> dict[str, Any]:
    """Run a stage in its child process (killed if the job is cancelled); its JSON result."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nianbao.worker_stages",
        "--parent",
        str(os.getpid()),
        "--settings",
        setup.settings_module,
        *args,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **stage_environment(setup.config)},
    )
    try:
        stdout, _ = await process.communicate()
    except BaseException:
        process.kill()
        raise
    result = stage_result(stdout)
    if result is None:
        raise JobFailed(f"the {args[0]} stage died (exit code {process.returncode}); see the log above")
    return result


def batches(ids: Sequence[int], size: int = PARSE_BATCH_DOCUMENTS) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


async def crawl_portal(
    context: JobContext, portal: str, years: str | None = None, timestamp: int | None = None
) -> dict[str, Any]:
    """Crawl a portal (`years`: a backfill range; `timestamp`: set when its schedule deferred
    it), then defer the parse jobs of what it archived."""
    setup: WorkerSetup = context.additional_context[CONTEXT]
    result = await run_stage(setup, "crawl", portal, *(["--years", years] if years else []))
    for batch in batches(result.get("pending", [])):
        await context.app.configure_task(PARSE_TASK, lock=f"parse:{portal}").defer_async(document_ids=batch)
    code = ExitCode(result["exit_code"])
    if code in CRAWL_FAILURES:
        raise JobFailed(f"crawl of {portal}: exit {int(code)} ({code.label}): {result.get('reason')}")
    return {"exit_code": int(code), "reason": result.get("reason")}


async def parse_batch(context: JobContext, document_ids: list[int]) -> dict[str, Any]:
    """Parse and store these documents (those still pending when the job runs)."""
    setup: WorkerSetup = context.additional_context[CONTEXT]
    result = await run_stage(setup, "parse", *map(str, document_ids))
    code = ExitCode(result["exit_code"])
    if code == ExitCode.ERROR:  # a WARC file not readable here: those documents stay pending
        problems = "; ".join(result.get("problems", []))
        raise JobFailed(f"parse of {len(document_ids)} documents: {result.get('reason')}: {problems}")
    return {"exit_code": int(code), "reason": result.get("reason")}


async def retry_stalled_jobs(app: App, stall_s: float) -> None:
    """Forever, every `stall_s / 2` seconds: `retry_stalled_once` (every worker runs this)."""
    while True:
        await asyncio.sleep(stall_s / 2)
        try:
            await retry_stalled_once(app, stall_s)
        except ConnectorException:  # the database went away for a moment: the next pass retries
            log.exception("looking for stalled jobs failed")


async def retry_stalled_once(app: App, stall_s: float) -> None:
    """Put the jobs of workers silent for `stall_s` back in the queue (a job another worker
    retried first is left alone)."""
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stall_s):
        try:
            await app.job_manager.retry_job(job)
        except ConnectorException:
            await _not_retried(app, job)
            continue
        log.warning("job %s (%s) of a stalled worker put back in the queue", job.id, job.call_string)
    await app.job_manager.prune_stalled_workers(stall_s)


async def _not_retried(app: App, job: Job) -> None:
    """A stalled job that cannot go back in the queue: another worker retried it first (left
    alone), or another crawl of its portal is waiting there (its queueing lock): that crawl does
    the work, this one is marked failed."""
    (current,) = await app.job_manager.list_jobs_async(id=job.id)
    if current.status != Status.DOING.value:
        return
    await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
    log.warning(
        "job %s (%s) of a stalled worker failed: another job with its queueing lock %s is queued",
        job.id,
        job.call_string,
        job.queueing_lock,
    )


async def work(app: App, setup: WorkerSetup, concurrency: int) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM: the running jobs finish first)."""
    stall_s = setup.config.worker_stall_s
    async with app.open_async():
        recovery = asyncio.create_task(retry_stalled_jobs(app, stall_s), name="retry-stalled-jobs")
        try:
            await app.run_worker_async(
                concurrency=concurrency,
                additional_context={CONTEXT: setup},
                update_heartbeat_interval=stall_s / 4,
                stalled_worker_timeout=stall_s,
            )
        finally:
            recovery.cancel()
