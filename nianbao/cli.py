"""The `nianbao` command: one subcommand per module listed in COMMAND_MODULES."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes register(subparsers) and sets `func` on its parser (returns an exit code).
COMMAND_MODULES = (
    "nianbao.parse_command",
    "nianbao.storage_commands",
    "nianbao.crawl_commands",
    "nianbao.probe_command",
    "nianbao.portals_command",
    "nianbao.report_command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nianbao", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from settings.errors import UsageError

    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"nianbao {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
