"""Command-line options every command shares, and the configuration they resolve to."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: `nianbao parse` must not pay for pydantic
    from settings.config import Config

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def add_log_options(parser: argparse.ArgumentParser) -> None:
    """--log-level, --log-format, --log-file on `parser` and every command under it, so that
    they are accepted before the command and after it."""
    group = parser.add_argument_group("logging")
    quiet = argparse.SUPPRESS  # unset unless given: one given before the command is kept
    group.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=quiet,
        help="default: $NIANBAO_LOG_LEVEL, then INFO",
    )
    group.add_argument("--log-format", choices=("text", "json"), default=quiet, help="json: an object a line")
    group.add_argument("--log-file", metavar="FILE", default=quiet, help="append the log here, not stderr")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                add_log_options(command)


def add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: $NIANBAO_DATABASE_URL, then the file)"
    )
    parser.add_argument("--archive", metavar="DIR|URL", help="WARC archive: a folder or file:///shared/path")


def config_from_args(args: argparse.Namespace, **extra: object) -> Config:
    """The configuration with this command's options over the environment and the file."""
    from settings.config import load_config

    options = ("db", "archive", "log_level", "log_format", "log_file")
    given = {name: getattr(args, name, None) for name in options}
    given["database_url"] = given.pop("db")
    return load_config({**given, **extra})


def say_database(config: Config) -> None:
    """Which database and archive a command reads (on stderr: stdout may be data)."""
    from sqlalchemy.engine import make_url

    url = make_url(config.database_url).render_as_string(hide_password=True)
    print(f"database: {url}  archive: {config.archive}", file=sys.stderr)
