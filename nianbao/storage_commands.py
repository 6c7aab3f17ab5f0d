"""Storage commands: `ingest`, `reparse`, `export`, `archived`.

Every command finds the database and the archive as `crawl` does (settings/config.py: --db and
--archive, then the environment, then the file) and says on stderr which it reads. `ingest`,
`reparse` and `export` write a run record (nianbao.run_record).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args, say_database

if TYPE_CHECKING:
    import multiprocessing

    from settings.config import Config
    from storage.api import Store
    from storage.parse_stage import ParseStage


def _timestamp(value: str) -> datetime:
    """An ISO 8601 time; without a zone it is UTC. Returned as naive UTC."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value}") from exc
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _year(value: str) -> int:
    if not value.isdigit() or not 1990 <= int(value) <= 2100:
        raise argparse.ArgumentTypeError(f"not a report year: {value}")
    return int(value)


def register(sub: argparse._SubParsersAction) -> None:
    ingest = sub.add_parser("ingest", help="archive, parse and store files, directories or URLs")
    add_store_options(ingest)
    ingest.add_argument("targets", nargs="+", metavar="PATH|URL")
    ingest.add_argument("-q", "--quiet", action="store_true", help="print only the totals")
    ingest.add_argument(
        "--agency", metavar="NAME", help="the agency every target is a report of (over what its text says)"
    )
    ingest.add_argument("--year", type=_year, metavar="YEAR", help="the year every target reports on")
    ingest.set_defaults(func=run_ingest)

    reparse = sub.add_parser("reparse", help="parse archived documents again with the current parser")
    add_store_options(reparse)
    reparse.add_argument(
        "--since-parser",
        metavar="VERSION",
        help="only contents last parsed by parser VERSION or a later one",
    )
    reparse.add_argument(
        "--report",
        action="append",
        metavar="ID|AGENCY[:YEAR]",
        help="only this report (repeatable): its id, AGENCY:YEAR, or AGENCY for all its years",
    )
    reparse.add_argument("-q", "--quiet", action="store_true", help="print only the totals")
    reparse.set_defaults(func=run_reparse)

    export = sub.add_parser("export", help="write the warehouse feed: facts, reports, checks")
    add_store_options(export)
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument(
        "--since", type=_timestamp, metavar="TIMESTAMP", help="only rows changed after this time (UTC)"
    )
    export.set_defaults(func=run_export)

    archived = sub.add_parser("archived", help="write an archived document's bytes, exactly as fetched")
    add_store_options(archived)
    archived.add_argument("which", metavar="SHA256|URL", help="the content's sha256, or a URL (latest fetch)")
    archived.add_argument("-o", "--out", metavar="FILE", help="write here instead of standard output")
    archived.set_defaults(func=run_archived)


def _line_printer(quiet: bool):  # type: ignore[no-untyped-def]
    return (lambda _line: None) if quiet else (lambda line: print(line, flush=True))


def _stage(
    store: Store,
    config: Config,
    log_records: multiprocessing.Queue,
    *,
    force: bool = False,
    quiet: bool = False,  # type: ignore[type-arg]
) -> ParseStage:
    """The parse stage printing each document's outcome on stdout (and logging it at DEBUG:
    the line is the command's output)."""
    import logging

    from nianbao.parse_runs import parse_stage
    from nianbao.progress import ParseProgress
    from storage.ingest import outcome_line

    printer = _line_printer(quiet)
    logged = ParseProgress(level=logging.DEBUG)

    def on_outcome(doc, outcome, detail):  # type: ignore[no-untyped-def]
        printer(outcome_line(doc, outcome, detail))
        logged(doc, outcome, detail)

    return parse_stage(store, config, on_outcome, log_records, force=force)


def run_ingest(args: argparse.Namespace) -> int:
    from nianbao.parse_runs import parse_counts, parse_exit_code, parse_parts
    from nianbao.run_record import RecordedRun, command_argv  # sqlalchemy: only when it runs
    from settings.logs import LogRelay
    from storage.api import Store
    from storage.ingest import ingest

    config = config_from_args(args)
    say_database(config)
    with Store.open(config) as store, RecordedRun(config, "ingest", command_argv(args)) as run:
        with LogRelay() as relay:
            assigning = args.agency is not None or args.year is not None
            # assigned: parsed again even if parsed before, to be filed under what it was given
            stage = _stage(store, config, relay.queue, force=assigning, quiet=args.quiet)
            report, unreadable = ingest(
                store,
                args.targets,
                stage,
                report=_line_printer(args.quiet),
                agency=args.agency,
                year=args.year,
            )
        print(f"total: {report.summary()}" + (f"; {unreadable} unreadable" if unreadable else ""))
        return run.finish(
            parse_exit_code(report, unreadable),
            counts={**parse_counts(report), "inputs_unreadable": unreadable},
            parts=parse_parts(report),
            details={"problems": report.problems},
        )


def run_reparse(args: argparse.Namespace) -> int:
    from nianbao.parse_runs import parse_counts, parse_exit_code, parse_parts
    from nianbao.run_record import RecordedRun, command_argv  # sqlalchemy: only when it runs
    from settings.logs import LogRelay
    from storage.api import Store
    from storage.reparse import ReportSelector, reparse

    selectors = [ReportSelector.parse(value) for value in args.report or []]
    config = config_from_args(args)
    say_database(config)
    with Store.open(config) as store, RecordedRun(config, "reparse", command_argv(args)) as run:
        with LogRelay() as relay:
            report, selected = reparse(
                store,
                _stage(store, config, relay.queue, force=True, quiet=args.quiet),
                since_parser=args.since_parser,
                selectors=selectors,
            )
        print(f"reparsed {selected} documents: {report.summary()}")
        return run.finish(
            parse_exit_code(report),
            counts={**parse_counts(report), "selected": selected},
            parts=parse_parts(report),
            details={"problems": report.problems},
        )


def run_export(args: argparse.Namespace) -> int:
    from nianbao.run_record import RecordedRun, command_argv  # sqlalchemy: only when it runs
    from storage.export import export
    from storage.migrate import checked_engine

    config = config_from_args(args)
    say_database(config)
    with (
        checked_engine(config.database_url) as engine,
        RecordedRun(config, "export", command_argv(args)) as run,
    ):
        summary = export(engine, args.out, fmt=args.format, since=args.since)
        rows = ", ".join(f"{name}: {n}" for name, n in summary.rows.items())
        print(f"exported to {summary.directory} ({rows}); next --since {summary.exported_at.isoformat()}Z")
        return run.finish(
            ExitCode.OK,
            counts={"rows": summary.rows},
            details={"directory": str(summary.directory.resolve()), "format": args.format},
        )


def run_archived(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from storage.api import ArchiveError, Store

    config = config_from_args(args)
    say_database(config)
    with Store.open(config) as store:
        try:
            is_sha = re.fullmatch(r"[0-9a-f]{64}", args.which) is not None
            body = store.read(args.which) if is_sha else store.read_url(args.which)
        except KeyError as exc:  # nothing archived under that name
            print(f"nianbao archived: {exc.args[0]}", file=sys.stderr)
            return ExitCode.USAGE
        except ArchiveError as exc:  # archived, but its WARC file is not readable here
            print(f"nianbao archived: {exc}", file=sys.stderr)
            return ExitCode.ERROR
    if args.out:
        Path(args.out).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return ExitCode.OK
