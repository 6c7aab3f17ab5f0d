"""`nianbao crawl` (the registry's portals), `nianbao parse-pending` (the parse stage alone) and
`nianbao demo` (the offline mirror portals, end to end). Each writes a run record
(nianbao.run_record) and shows its progress on stderr (nianbao.progress)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args, say_database

if TYPE_CHECKING:
    from nianbao.crawl_job import CrawlResult
    from nianbao.run_record import RecordedRun
    from settings.config import Config
    from settings.registry import PortalConfig

DEMO_PORT_BASE = 38610  # preferred mirror ports: the same urls on every demo run
DEMO_EXPORT = Path("data/export")


def register(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser("crawl", help="crawl portals of the registry, then parse what was fetched")
    crawl.add_argument("--portal", action="append", default=[], metavar="NAME", help="repeatable")
    crawl.add_argument("--province", help="every portal of a province, e.g. 河南省")
    crawl.add_argument(
        "--years", help="backfill range, e.g. 2008-2024 (default: the portals' expected years)"
    )
    crawl.add_argument("--portals-dir", help="registry directory (default: settings/portals)")
    crawl.add_argument("--settings", default="settings.prod", help="Scrapy settings module")
    crawl.add_argument("--jobdir", help="resume state, one folder per portal (default: data/jobs)")
    crawl.add_argument(
        "--recheck", action="store_true", help="re-validate every known report, even on unchanged lists"
    )
    crawl.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a Scrapy setting")
    crawl.add_argument("--json", action="store_true", help="print the summaries as one JSON list")
    add_store_options(crawl)
    crawl.set_defaults(func=run_crawl_command)

    pending = sub.add_parser("parse-pending", help="parse and store every archived document not parsed yet")
    pending.add_argument("--workers", type=int, metavar="N", help="parser processes (0: this process)")
    add_store_options(pending)
    pending.set_defaults(func=run_parse_pending)

    demo = sub.add_parser("demo", help="start the offline mirror portals and crawl them all")
    add_store_options(demo)
    demo.set_defaults(func=run_demo)


def crawl_with_progress(
    portals: Sequence[PortalConfig], config: Config, *, settings_module: str, overrides: dict[str, Any]
) -> CrawlResult:
    from nianbao.crawl_job import run_crawl
    from nianbao.progress import ProgressBoard, progress_display

    board = ProgressBoard([p.name for p in portals])
    with progress_display(board, config.progress_interval_s):
        return run_crawl(portals, config, settings_module=settings_module, overrides=overrides, board=board)


def finish_crawl(run: RecordedRun, result: CrawlResult, *, as_json: bool) -> ExitCode:
    """Report a crawl and complete its run record; the exit code."""
    from nianbao.crawl_report import crawl_counts, crawl_parts, report_crawl

    code = report_crawl(result, as_json=as_json)
    return run.finish(
        code,
        counts=crawl_counts(result),
        parts=crawl_parts(result),
        error=result.parse_error,
        details={"summaries": result.summaries, "problems": result.problems},
    )


def run_crawl_command(args: argparse.Namespace) -> int:
    from crawler.run import parse_sets
    from nianbao.crawl_job import CrawlResult
    from nianbao.crawl_report import locked_summary
    from nianbao.run_record import RecordedRun, command_argv  # sqlalchemy: only when it runs
    from settings.registry import load_registry, parse_years, select
    from storage.locks import portal_locks

    config = config_from_args(args, portals_dir=args.portals_dir, jobdir=args.jobdir)
    registry = load_registry(config.portals_dir)
    for error in registry.errors:  # one bad file does not block the others
        print(f"skipped (fix it, see `nianbao portals check`): {error}", file=sys.stderr)
    try:
        portals = select(registry.portals, names=args.portal, province=args.province)
        parse_years(args.years)
    except (KeyError, ValueError) as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    if not portals:
        print("nianbao crawl: no portal matches", file=sys.stderr)
        return ExitCode.USAGE
    _open_or_fail(config)
    say_database(config)
    overrides = parse_sets(args.set)
    if args.years:
        overrides["NIANBAO_YEARS"] = args.years
    if args.recheck:
        overrides["NIANBAO_TRUST_UNCHANGED_LISTS"] = False
    names = [p.name for p in portals]
    with RecordedRun(config, "crawl", command_argv(args), names) as run:
        with portal_locks(config.database_url, names) as held:
            for locked in held:
                print(f"nianbao crawl: {locked}: skipped", file=sys.stderr)
            taken = {locked.portal for locked in held}
            free = [p for p in portals if p.name not in taken]
            if free:
                result = crawl_with_progress(free, config, settings_module=args.settings, overrides=overrides)
            else:
                result = CrawlResult([], None)
        by_name = {s["portal"]: s for s in result.summaries} | {
            locked.portal: locked_summary(locked) for locked in held
        }
        result.summaries = [by_name[name] for name in names]
        return finish_crawl(run, result, as_json=args.json)


def _open_or_fail(config: Config) -> None:
    """Fail before any fetch when the database is not usable (SchemaNotCurrent, see cli.main)."""
    from storage.migrate import checked_engine

    with checked_engine(config.database_url):
        pass


def run_parse_pending(args: argparse.Namespace) -> int:
    from nianbao.parse_runs import parse_counts, parse_exit_code, parse_parts, parse_stage
    from nianbao.progress import ParseProgress, ProgressBoard, progress_display
    from nianbao.run_record import RecordedRun, command_argv  # sqlalchemy: only when it runs
    from settings.logs import LogRelay
    from storage.api import Store

    workers = {"parse_workers": args.workers} if args.workers is not None else {}
    config = config_from_args(args, **workers)
    say_database(config)
    with Store.open(config) as store, RecordedRun(config, "parse-pending", command_argv(args)) as run:
        board = ProgressBoard()
        progress = ParseProgress(board.parsed)
        with progress_display(board, config.progress_interval_s), LogRelay() as relay:
            report = parse_stage(store, config, progress, relay.queue).follow(lambda: True)
            progress.flush()
        print(report.summary())
        for line in report.problems:
            print(f"failed: {line}", file=sys.stderr)
        return run.finish(
            parse_exit_code(report),
            counts=parse_counts(report),
            parts=parse_parts(report),
            details={"problems": report.problems},
        )


def run_demo(args: argparse.Namespace) -> int:
    from mirror.portals import build_mirror, mirror_sites
    from mirror.server import MirrorServer
    from nianbao.run_record import RecordedRun, command_argv  # sqlalchemy: only when it runs
    from settings.registry import dump_portal
    from storage.export import export
    from storage.migrate import checked_engine, migrated_engine

    config = config_from_args(args)
    with migrated_engine(config.database_url):  # the demo sets everything up
        pass
    say_database(config)
    portals = build_mirror()
    sites = mirror_sites(portals)
    ports = {name: DEMO_PORT_BASE + i for i, name in enumerate(sites)}
    with (
        MirrorServer(sites, ports=ports) as server,
        tempfile.TemporaryDirectory() as tmp,
        RecordedRun(config, "demo", command_argv(args), [p.name for p in portals]) as run,
    ):
        configs = [p.config(server.base_url(p.name)) for p in portals]
        for portal in configs:
            dump_portal(portal, Path(tmp))
        print(f"mirror: {len(portals)} portals on 127.0.0.1 ({sum(len(p.reports) for p in portals)} reports)")
        demo_config = config.model_copy(update={"portals_dir": tmp})
        result = crawl_with_progress(configs, demo_config, settings_module="settings.mirror", overrides={})
        code = finish_crawl(run, result, as_json=False)
    with checked_engine(config.database_url) as engine:
        export(engine, DEMO_EXPORT)
    print(f"export: {DEMO_EXPORT.resolve()}")
    from nianbao.report_command import write_report  # the quality report site; it prints where

    write_report(config, "data/report")
    # The mirror has blocked portals, lookalikes and a missing year by design: the demo fails
    # only when it did not run through.
    return ExitCode.ERROR if code in (ExitCode.ERROR, ExitCode.USAGE) else ExitCode.OK
