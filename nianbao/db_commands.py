"""`nianbao db upgrade|current|history|downgrade`: the database schema (Alembic migrations).
Only `upgrade` (and `demo`) migrate forward; every other command requires the schema at head."""

from __future__ import annotations

import argparse
import sys

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema (Alembic migrations)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply the migrations up to the newest schema")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=run_upgrade)
    current = db_sub.add_parser("current", help="the database's revision, and the code's")
    current.set_defaults(func=run_current)
    history = db_sub.add_parser("history", help="every migration, oldest first; where the database is")
    history.set_defaults(func=run_history)
    downgrade = db_sub.add_parser("downgrade", help="undo the migrations after REVISION, keeping the data")
    downgrade.add_argument("revision", metavar="REVISION", help="e.g. 0003 (see `nianbao db history`)")
    downgrade.set_defaults(func=run_downgrade)
    for command in (upgrade, current, history, downgrade):
        add_store_options(command)


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import database_revision, migrated_engine

    url = config_from_args(args).database_url
    before = database_revision(url)
    with migrated_engine(url, args.revision):
        pass
    after = database_revision(url)
    was = f" (was {before or 'empty'})" if before != after else ""
    print(f"{_where(url)}: at revision {after}{was}")
    return ExitCode.OK


def run_current(args: argparse.Namespace) -> int:
    from storage.migrate import database_revision, head_revision

    url = config_from_args(args).database_url
    current = database_revision(url)
    state = "at head" if current == head_revision() else "not at head: run `nianbao db upgrade`"
    print(f"{_where(url)}: at revision {current or 'none (empty)'}; code's head {head_revision()} ({state})")
    return ExitCode.OK


def run_history(args: argparse.Namespace) -> int:
    from storage.migrate import database_revision, revisions

    current = database_revision(config_from_args(args).database_url)
    for revision, title in revisions():
        print(f"{revision}  {title}" + ("  <- the database" if revision == current else ""))
    return ExitCode.OK


def run_downgrade(args: argparse.Namespace) -> int:
    from storage.db import make_engine
    from storage.migrate import database_revision, downgrade, revisions

    url = config_from_args(args).database_url
    known = [revision for revision, _ in revisions()]
    if args.revision not in known and args.revision != "base":
        print(
            f"nianbao db downgrade: no revision {args.revision}; known: {', '.join(known)}", file=sys.stderr
        )
        return ExitCode.USAGE
    before = database_revision(url)
    engine = make_engine(url)
    try:
        downgrade(engine, args.revision)
    finally:
        engine.dispose()
    print(f"{_where(url)}: at revision {database_revision(url) or 'none (empty)'} (was {before})")
    return ExitCode.OK
