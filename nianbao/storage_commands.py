"""Storage commands: `db upgrade`, `ingest`, `reparse`, `export`, `archived`, `status`.

Every command finds the database and the archive as `crawl` does (settings/config.py: --db and
--archive, then the environment, then the file) and says on stderr which it reads.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args, say_database

if TYPE_CHECKING:
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


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema (Alembic migrations)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply the migrations up to the newest schema")
    add_store_options(upgrade)
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=run_upgrade)

    ingest = sub.add_parser("ingest", help="archive, parse and store files, directories or URLs")
    add_store_options(ingest)
    ingest.add_argument("targets", nargs="+", metavar="PATH|URL")
    ingest.add_argument("-q", "--quiet", action="store_true", help="print only the totals")
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

    status = sub.add_parser("status", help="counts by portal, year, template version, status; failing checks")
    add_store_options(status)
    status.set_defaults(func=run_status)


def run_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import current_revision, migrated_engine

    config = config_from_args(args)
    with migrated_engine(config.database_url, args.revision) as engine:
        print(f"{engine.url.render_as_string()}: at revision {current_revision(engine)}")
    return ExitCode.OK


def _line_printer(quiet: bool):  # type: ignore[no-untyped-def]
    return (lambda _line: None) if quiet else (lambda line: print(line, flush=True))


def _stage(store: Store, config: Config, *, force: bool = False, quiet: bool = False) -> ParseStage:
    from storage.ingest import outcome_line
    from storage.parse_stage import ParseStage

    printer = _line_printer(quiet)
    return ParseStage(
        store,
        workers=config.parse_workers,
        batch_reports=config.batch_reports,
        batch_ms=config.batch_ms,
        deadline_s=config.parse_deadline_s,
        force=force,
        on_outcome=lambda doc, outcome, detail: printer(outcome_line(doc, outcome, detail)),
    )


def run_ingest(args: argparse.Namespace) -> int:
    from storage.api import Store
    from storage.ingest import ingest
    from storage.parse_stage import Outcome

    config = config_from_args(args)
    say_database(config)
    with Store.open(config) as store:
        report, unreadable = ingest(
            store, args.targets, _stage(store, config, quiet=args.quiet), report=_line_printer(args.quiet)
        )
    print(f"total: {report.summary()}" + (f"; {unreadable} unreadable" if unreadable else ""))
    failed = unreadable + report.total(Outcome.FAILED) + report.total(Outcome.UNREADABLE)
    return ExitCode.REPORTS_FAILED if failed else ExitCode.OK


def run_reparse(args: argparse.Namespace) -> int:
    from storage.api import Store
    from storage.parse_stage import Outcome
    from storage.reparse import ReportSelector, reparse

    selectors = [ReportSelector.parse(value) for value in args.report or []]
    config = config_from_args(args)
    say_database(config)
    with Store.open(config) as store:
        report, selected = reparse(
            store,
            _stage(store, config, force=True, quiet=args.quiet),
            since_parser=args.since_parser,
            selectors=selectors,
        )
    print(f"reparsed {selected} documents: {report.summary()}")
    return ExitCode.ERROR if report.total(Outcome.UNREADABLE) else ExitCode.OK


def run_export(args: argparse.Namespace) -> int:
    from storage.export import export
    from storage.migrate import checked_engine

    config = config_from_args(args)
    say_database(config)
    with checked_engine(config.database_url) as engine:
        summary = export(engine, args.out, fmt=args.format, since=args.since)
    rows = ", ".join(f"{name}: {n}" for name, n in summary.rows.items())
    print(f"exported to {summary.directory} ({rows}); next --since {summary.exported_at.isoformat()}Z")
    return ExitCode.OK


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
        except (KeyError, ArchiveError) as exc:
            print(f"nianbao archived: {exc}", file=sys.stderr)
            return ExitCode.ERROR
    if args.out:
        Path(args.out).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return ExitCode.OK


def run_status(args: argparse.Namespace) -> int:
    from storage.migrate import checked_engine
    from storage.status import render, status_sections

    config = config_from_args(args)
    say_database(config)
    with checked_engine(config.database_url) as engine:
        print(render(status_sections(engine)))
    return ExitCode.OK
