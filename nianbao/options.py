"""Command-line options every command shares, and the configuration they resolve to."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: `nianbao parse` must not pay for pydantic
    from settings.config import Config


def add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: $NIANBAO_DATABASE_URL, then the file)"
    )
    parser.add_argument("--archive", metavar="DIR|URL", help="WARC archive: a folder or file:///shared/path")


def config_from_args(args: argparse.Namespace, **extra: object) -> Config:
    """The configuration with this command's options over the environment and the file."""
    from settings.config import load_config

    return load_config(
        {"database_url": getattr(args, "db", None), "archive": getattr(args, "archive", None), **extra}
    )


def say_database(config: Config) -> None:
    """Which database and archive a command reads (on stderr: stdout may be data)."""
    from sqlalchemy.engine import make_url

    url = make_url(config.database_url).render_as_string(hide_password=True)
    print(f"database: {url}  archive: {config.archive}", file=sys.stderr)
