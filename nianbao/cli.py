"""The `nianbao` command: one subcommand per module listed in COMMAND_MODULES.

Data (summaries, exports, --json) goes to stdout; errors, log records and progress to stderr
(or the log file)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from nianbao.exit_codes import ExitCode, epilog
from nianbao.options import add_log_options, config_from_args

# Each module exposes register(subparsers) and sets `func` on its parser (returns an exit code).
COMMAND_MODULES = (
    "nianbao.parse_command",
    "nianbao.db_commands",
    "nianbao.storage_commands",
    "nianbao.status_commands",
    "nianbao.crawl_commands",
    "nianbao.queue_commands",
    "nianbao.probe_command",
    "nianbao.portals_command",
    "nianbao.report_command",
)

log = logging.getLogger("nianbao")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao",
        description=__doc__,
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    add_log_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    from settings.errors import UsageError
    from settings.logs import setup_logging

    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    args.argv = argv  # the run record's command line
    try:
        setup_logging(config_from_args(args))
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"nianbao {args.command}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except Exception as exc:  # a bug or a failure nothing handles: logged with its traceback
        log.exception("nianbao %s failed", args.command)
        print(f"nianbao {args.command}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.ERROR


if __name__ == "__main__":
    sys.exit(main())
