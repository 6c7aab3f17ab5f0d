"""Storage commands: `db upgrade`, `ingest`, `reparse`, `export`, `archived`, `status`.

The database is $NIANBAO_DATABASE_URL (default sqlite:///data/nianbao.db) unless --database is
given; the WARC archive is $NIANBAO_ARCHIVE_DIR (default data/archive) unless --archive is.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime


def _common(parser: argparse.ArgumentParser, *, archive: bool = True) -> None:
    help_text = "SQLAlchemy URL (default: $NIANBAO_DATABASE_URL)"
    parser.add_argument("--database", "--db", dest="database", metavar="URL", help=help_text)
    if archive:
        parser.add_argument("--archive", metavar="DIR", help="WARC archive directory (default: data/archive)")


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
    _common(upgrade, archive=False)
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=run_upgrade)

    ingest = sub.add_parser("ingest", help="archive, parse and store files, directories or URLs")
    _common(ingest)
    ingest.add_argument("targets", nargs="+", metavar="PATH|URL")
    ingest.add_argument("-q", "--quiet", action="store_true", help="print only the totals")
    ingest.set_defaults(func=run_ingest)

    reparse = sub.add_parser("reparse", help="parse archived documents again with the current parser")
    _common(reparse)
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
    _common(export, archive=False)
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument(
        "--since", type=_timestamp, metavar="TIMESTAMP", help="only rows changed after this time (UTC)"
    )
    export.set_defaults(func=run_export)

    archived = sub.add_parser("archived", help="write an archived document's bytes, exactly as fetched")
    _common(archived)
    archived.add_argument("which", metavar="SHA256|URL", help="the content's sha256, or a URL (latest fetch)")
    archived.add_argument("-o", "--out", metavar="FILE", help="write here instead of standard output")
    archived.set_defaults(func=run_archived)

    status = sub.add_parser("status", help="counts by portal, year, template version, status; failing checks")
    _common(status, archive=False)
    status.set_defaults(func=run_status)


def _log_to_stderr() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def run_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import current_revision, migrated_engine

    with migrated_engine(args.database, args.revision) as engine:
        print(f"{engine.url.render_as_string()}: at revision {current_revision(engine)}")
    return 0


def _line_printer(quiet: bool):  # type: ignore[no-untyped-def]
    return (lambda _line: None) if quiet else (lambda line: print(line, flush=True))


def run_ingest(args: argparse.Namespace) -> int:
    from storage.api import Store
    from storage.ingest import ingest

    _log_to_stderr()
    with Store(args.database, args.archive) as store:
        counts, failed = ingest(store, args.targets, report=_line_printer(args.quiet))
    print(f"total: {counts.summary()}" + (f"; {failed} unreadable" if failed else ""))
    return 1 if failed else 0


def run_reparse(args: argparse.Namespace) -> int:
    from storage.api import Store
    from storage.reparse import ReportSelector, reparse

    _log_to_stderr()
    selectors = [ReportSelector.parse(value) for value in args.report or []]
    with Store(args.database, args.archive) as store:
        counts, parsed = reparse(
            store, since_parser=args.since_parser, selectors=selectors, report=_line_printer(args.quiet)
        )
    print(f"reparsed {parsed} documents: {counts.summary()}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from storage.export import export
    from storage.migrate import migrated_engine

    with migrated_engine(args.database) as engine:
        summary = export(engine, args.out, fmt=args.format, since=args.since)
    rows = ", ".join(f"{name}: {n}" for name, n in summary.rows.items())
    print(f"exported to {summary.directory} ({rows}); next --since {summary.exported_at.isoformat()}Z")
    return 0


def run_archived(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from storage.api import ArchiveError, Store

    with Store(args.database, args.archive) as store:
        try:
            is_sha = re.fullmatch(r"[0-9a-f]{64}", args.which) is not None
            body = store.read(args.which) if is_sha else store.read_url(args.which)
        except (KeyError, ArchiveError) as exc:
            print(f"nianbao archived: {exc}", file=sys.stderr)
            return 1
    if args.out:
        Path(args.out).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


def run_status(args: argparse.Namespace) -> int:
    from storage.migrate import migrated_engine
    from storage.status import render, status_sections

    with migrated_engine(args.database) as engine:
        print(render(status_sections(engine)))
    return 0
