"""`nianbao crawl` (the registry's portals), `nianbao parse-pending` (the parse stage alone) and
`nianbao demo` (the offline mirror portals, end to end)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args, say_database

if TYPE_CHECKING:
    from nianbao.crawl_job import CrawlResult
    from settings.config import Config

DEMO_PORT_BASE = 38610  # preferred mirror ports: the same urls on every demo run
DEMO_EXPORT = Path("data/export")
# (summary key, heading, width)
COLUMNS = (
    ("portal", "portal", 20),
    ("lists_read", "lists", 5),
    ("reports_found", "found", 5),
    ("new", "new", 5),
    ("changed", "changed", 7),
    ("unchanged", "unchanged", 9),
    ("failed", "failed", 6),
    ("status", "status", 9),
)


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


def format_summary(summaries: list[dict[str, Any]]) -> str:
    header = " ".join(f"{heading:<{w}}" for _, heading, w in COLUMNS)
    lines = [header, "-" * len(header)]
    for s in summaries:
        lines.append(" ".join(f"{s.get(name, '-')!s:<{w}}" for name, _, w in COLUMNS))
        notes = []
        if s.get("problem"):
            notes.append(s["problem"])
        if s.get("blocked"):
            notes.append(f"blocked: {s['blocked']}")
        if s.get("years_missing"):
            notes.append("years missing: " + _ranges(s["years_missing"]))
        skipped = [
            f"{s[key]} {what}"
            for key, what in (
                ("lookalikes_skipped", "lookalikes"),
                ("duplicates_skipped", "duplicates"),
                ("navigation_skipped", "navigation links"),
                ("unnamed_skipped", "titles naming no organ or year"),
            )
            if s.get(key)
        ]
        if skipped:
            notes.append("skipped " + ", ".join(skipped))
        if s.get("offsite"):
            notes.append(f"offsite: {s['offsite']} (links to other sites, not fetched)")
        if s.get("attachments_unresolved"):
            notes.append(f"attachments not resolvable: {s['attachments_unresolved']} (their reports failed)")
        if s.get("lists_unpaged"):
            notes.append("the list API answers 404 beyond its first page: the list ends there")
        if s.get("parsed"):
            notes.append(
                "parsed: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(s["parsed"].items()))
            )
        lines += [f"    {note}" for note in notes]
    return "\n".join(lines)


def _ranges(years: list[int]) -> str:
    parts: list[str] = []
    for year in years:
        if parts and parts[-1].split("-")[-1] == str(year - 1):
            parts[-1] = parts[-1].split("-")[0] + f"-{year}"
        else:
            parts.append(str(year))
    return ", ".join(parts)


def crawl_exit_code(result: CrawlResult) -> ExitCode:
    if result.parse_error:
        return ExitCode.ERROR
    codes = []
    for s in result.summaries:
        if s.get("status") == "error":
            codes.append(ExitCode.UNREACHABLE)
        if s.get("status") == "empty":
            codes.append(ExitCode.EMPTY)
        if s.get("failed"):
            codes.append(ExitCode.REPORTS_FAILED)
        if s.get("blocked"):
            codes.append(ExitCode.BLOCKED)
        if s.get("years_missing") and s.get("status") != "empty (declared)":
            codes.append(ExitCode.YEARS_MISSING)
    return ExitCode.worst(codes)


def report_crawl(result: CrawlResult, *, as_json: bool) -> ExitCode:
    if as_json:
        print(json.dumps(result.summaries, ensure_ascii=False))
    else:
        print(format_summary(result.summaries))
    for line in result.problems:
        print(f"failed: {line}", file=sys.stderr)
    for s in result.summaries:
        if s.get("status") == "empty":
            print(
                f"error: {s['portal']}: its lists name no report (declare empty_ok: true if that is right)",
                file=sys.stderr,
            )
    if result.parse_error:
        print(f"error: {result.parse_error}", file=sys.stderr)
    return crawl_exit_code(result)


def run_crawl_command(args: argparse.Namespace) -> int:
    from crawler.run import parse_sets
    from nianbao.crawl_job import run_crawl
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
    with portal_locks(config.database_url, [p.name for p in portals]) as held:
        for locked in held:
            print(f"nianbao crawl: {locked}: skipped", file=sys.stderr)
        free = [p for p in portals if p.name not in {locked.portal for locked in held}]
        if not free:
            return ExitCode.LOCKED
        result = run_crawl(free, config, settings_module=args.settings, overrides=overrides)
    code = report_crawl(result, as_json=args.json)
    return ExitCode.worst([code, ExitCode.LOCKED if held else ExitCode.OK])


def _open_or_fail(config: Config) -> None:
    """Fail before any fetch when the database is not usable (SchemaNotCurrent, see cli.main)."""
    from storage.migrate import checked_engine

    with checked_engine(config.database_url):
        pass


def run_parse_pending(args: argparse.Namespace) -> int:
    from storage.api import Store
    from storage.parse_stage import Outcome, ParseStage

    config = config_from_args(args)
    say_database(config)
    with Store.open(config) as store:
        stage = ParseStage(
            store,
            workers=config.parse_workers if args.workers is None else args.workers,
            batch_reports=config.batch_reports,
            batch_ms=config.batch_ms,
            deadline_s=config.parse_deadline_s,
        )
        report = stage.follow(lambda: True)
    print(report.summary())
    for line in report.problems:
        print(f"failed: {line}", file=sys.stderr)
    if report.total(Outcome.UNREADABLE):
        return ExitCode.ERROR
    return ExitCode.REPORTS_FAILED if report.total(Outcome.FAILED) else ExitCode.OK


def run_demo(args: argparse.Namespace) -> int:
    from mirror.portals import build_mirror, mirror_sites
    from mirror.server import MirrorServer
    from nianbao.crawl_job import run_crawl
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
    ):
        configs = [p.config(server.base_url(p.name)) for p in portals]
        for portal in configs:
            dump_portal(portal, Path(tmp))
        print(f"mirror: {len(portals)} portals on 127.0.0.1 ({sum(len(p.reports) for p in portals)} reports)")
        demo_config = config.model_copy(update={"portals_dir": tmp})
        result = run_crawl(configs, demo_config, settings_module="settings.mirror")
    code = report_crawl(result, as_json=False)
    with checked_engine(config.database_url) as engine:
        export(engine, DEMO_EXPORT)
    print(f"export: {DEMO_EXPORT.resolve()}")
    from nianbao.report_command import write_report  # the quality report site; it prints where

    write_report(config, "data/report")
    # The mirror has blocked portals, lookalikes and a missing year by design: the demo fails
    # only when it did not run through.
    return ExitCode.ERROR if code in (ExitCode.ERROR, ExitCode.USAGE) else ExitCode.OK
