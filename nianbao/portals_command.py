"""`nianbao portals check`: validate every portal YAML of the registry; each error names its file
and line (YAML syntax errors too)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    portals = sub.add_parser("portals", help="the portal registry (settings/portals/*.yaml)")
    commands = portals.add_subparsers(dest="portals_command", required=True)
    check = commands.add_parser("check", help="validate every portal file; errors name file and line")
    check.add_argument("--portals-dir", help="registry directory (default: settings/portals)")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from settings.registry import load_registry

    registry = load_registry(args.portals_dir)
    for error in registry.errors:
        print(error)
    bad = len({error.path for error in registry.errors})
    print(f"{len(registry.portals)} portals valid" + (f", {bad} files with errors" if bad else ""))
    return 1 if registry.errors else 0
