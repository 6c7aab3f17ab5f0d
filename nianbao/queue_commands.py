"""`nianbao worker`, `nianbao enqueue` and `nianbao schedule`: crawling from several machines
through the job queue on PostgreSQL (nianbao.jobs), and the portals' schedules.

On SQLite there is no queue: `nianbao crawl` runs both stages, and `nianbao schedule
--print-cron` gives the crontab lines that run it on schedule.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args, say_database

if TYPE_CHECKING:
    from settings.config import Config
    from settings.registry import PortalConfig


def register(sub: argparse._SubParsersAction) -> None:
    worker = sub.add_parser("worker", help="run crawl and parse jobs from the queue (PostgreSQL)")
    worker.add_argument("--concurrency", type=int, metavar="N", help="jobs at once (default: 2)")
    worker.add_argument("--portals-dir", help="registry directory (default: settings/portals)")
    worker.add_argument("--settings", default="settings.prod", help="Scrapy settings module")
    worker.add_argument("--jobdir", help="crawl resume state, one folder per portal (default: data/jobs)")
    add_store_options(worker)
    worker.set_defaults(func=run_worker)

    enqueue = sub.add_parser("enqueue", help="queue a crawl job per portal (PostgreSQL); --years: a backfill")
    enqueue.add_argument("portals", nargs="*", metavar="PORTAL", help="default: every portal")
    enqueue.add_argument("--years", help="backfill range, e.g. 2019-2024 (default: expected years)")
    enqueue.add_argument("--portals-dir", help="registry directory (default: settings/portals)")
    add_store_options(enqueue)
    enqueue.set_defaults(func=run_enqueue)

    schedule = sub.add_parser("schedule", help="the portals' schedules; --print-cron: crontab lines")
    schedule.add_argument(
        "--print-cron", action="store_true", help="print a crontab line per portal (`nianbao crawl`)"
    )
    schedule.add_argument("--portals-dir", help="registry directory (default: settings/portals)")
    schedule.add_argument("--settings", help="the crawls' Scrapy settings module (default: settings.prod)")
    add_store_options(schedule)
    schedule.set_defaults(func=run_schedule)


def _portals(config: Config, names: list[str] | None = None) -> list[PortalConfig]:
    from settings.errors import UsageError
    from settings.registry import load_registry, select

    registry = load_registry(config.portals_dir)
    for error in registry.errors:
        print(f"skipped (fix it, see `nianbao portals check`): {error}", file=sys.stderr)
    try:
        return select(registry.portals, names=names or [])
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None


def _queue_ready(config: Config) -> None:
    """PostgreSQL at the newest schema (the queue's tables are in it), or a UsageError."""
    from nianbao.jobs import needs_postgres
    from storage.migrate import checked_engine

    needs_postgres(config)
    with checked_engine(config.database_url):
        pass


def run_worker(args: argparse.Namespace) -> int:
    from nianbao.jobs import WorkerSetup, job_app, work

    extra = {"worker_concurrency": args.concurrency} if args.concurrency is not None else {}
    config = config_from_args(args, portals_dir=args.portals_dir, jobdir=args.jobdir, **extra)
    _queue_ready(config)
    say_database(config)
    portals = _portals(config)
    app = job_app(config, portals)
    print(
        f"worker pid {os.getpid()}: {config.worker_concurrency} jobs at once, "
        f"scheduled crawls of {len(portals)} portals",
        file=sys.stderr,
    )
    with contextlib.suppress(KeyboardInterrupt):  # a stop asked for from the terminal
        asyncio.run(work(app, WorkerSetup(config, args.settings), config.worker_concurrency))
    return ExitCode.OK


def run_enqueue(args: argparse.Namespace) -> int:
    from procrastinate.exceptions import AlreadyEnqueued

    from nianbao.jobs import CRAWL_TASK, crawl_lock, job_app
    from settings.errors import UsageError
    from settings.registry import parse_years

    config = config_from_args(args, portals_dir=args.portals_dir)
    _queue_ready(config)
    try:
        parse_years(args.years)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    portals = _portals(config, args.portals)
    app = job_app(config)
    with app.open():
        for portal in portals:
            deferrer = app.configure_task(CRAWL_TASK, **crawl_lock(portal.name))
            try:
                job_id = deferrer.defer(portal=portal.name, years=args.years)
            except AlreadyEnqueued:
                print(f"{portal.name}: already queued (a crawl of it is waiting); not queued again")
                continue
            print(f"{portal.name}: job {job_id}" + (f" (years {args.years})" if args.years else ""))
    return ExitCode.OK


def cron_lines(portals: list[PortalConfig], args: argparse.Namespace) -> list[str]:
    """One crontab line per schedule entry of each portal: `nianbao crawl --portal NAME`, from the
    current directory (its nianbao.toml) with the options given here."""
    command = [sys.executable, "-m", "nianbao", "crawl"]
    if args.portals_dir:
        command += ["--portals-dir", os.path.abspath(args.portals_dir)]
    for option, value in (("--settings", args.settings), ("--db", args.db), ("--archive", args.archive)):
        if value:
            command += [option, value]
    lines = [
        "# nianbao: one crawl per portal; an overlapping run of a portal exits 3 (locked).",
        "# The times are UTC: set CRON_TZ=UTC (cronie) or the machine's time zone to UTC.",
    ]
    for portal in portals:
        run = shlex.join([*command, "--portal", portal.name])
        lines += [f"{cron} cd {shlex.quote(os.getcwd())} && {run}" for cron in portal.crons()]
    return lines


def run_schedule(args: argparse.Namespace) -> int:
    from croniter import croniter

    config = config_from_args(args, portals_dir=args.portals_dir)
    portals = _portals(config)
    if args.print_cron:
        print("\n".join(cron_lines(portals, args)))
        return ExitCode.OK
    _queue_ready(config)
    now = datetime.now(UTC)
    print("every `nianbao worker` defers these crawls when they are due (each once); times in UTC")
    for portal in portals:
        for cron in portal.crons():
            due = croniter(cron, now).get_next(datetime)
            print(f"{portal.name:<24} {cron:<20} next {due:%Y-%m-%d %H:%M}")
    return ExitCode.OK
