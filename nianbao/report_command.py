"""`nianbao report --out DIR`: the quality report as a static site (report/site.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args, say_database

if TYPE_CHECKING:
    from settings.config import Config

DEFAULT_OUT = "data/report"


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report", help="write the quality report (coverage, plots, every report's tables) as a static site"
    )
    report.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"(default: {DEFAULT_OUT})")
    add_store_options(report)
    report.set_defaults(func=run_report)


def write_report(config: Config, out: str) -> ExitCode:
    """Write the site from `config`'s database and archive; say where, and what went wrong."""
    from report.fonts import FontMissing
    from report.site import write_site
    from storage.api import Store

    with Store.open(config) as store:
        try:
            summary = write_site(store, out)
        except FontMissing as exc:
            print(f"nianbao report: {exc}", file=sys.stderr)
            return ExitCode.ERROR
    print(summary.line())
    for problem in summary.problems:
        print(f"report: {problem}", file=sys.stderr)
    return ExitCode.ERROR if summary.problems else ExitCode.OK


def run_report(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    say_database(config)
    return write_report(config, args.out)
