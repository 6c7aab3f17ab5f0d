"""`nianbao parse [--json | --table] PATH...`: parse report files and print facts, grids or a summary."""

from __future__ import annotations

import argparse
import json

from pipelines.messages import message
from pipelines.model import ParseResult
from pipelines.parse import parse_path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("parse", help="parse report files (HTML, text, markdown, PDF, DOCX)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object per input, one per line")
    output.add_argument(
        "--table",
        action="store_true",
        help="the three tables as grids, each cell marked printed/inferred/blank",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.set_defaults(func=run)


def summary(result: ParseResult) -> str:
    tables = sorted({f.table for f in result.facts})
    lines = [
        f"{result.source}: {result.status}",
        f"  agency: {result.agency or '?'}  year: {result.year or '?'}  format: {result.format or '-'}"
        f"  published: {result.published or '?'}",
        f"  tables: {', '.join(tables) or 'none'}  facts: {len(result.facts)}"
        f"  inferred: {sum(f.inferred for f in result.facts)}  blank: {sum(f.blank for f in result.facts)}",
    ]
    lines += [f"  FAILED {c.id}: {c.detail} (cause: {c.cause})" for c in result.failing_checks]
    lines += [f"  note: {m.text}" for m in result.messages]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    unreadable = 0
    for path in args.paths:
        try:
            result = parse_path(path)
        except OSError as exc:
            unreadable += 1
            result = ParseResult(
                path, "error", messages=[message("unreadable_file", error=str(exc.strerror or exc))]
            )
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        elif args.table:
            from nianbao.table_view import show  # rich is imported only for this view

            show(result)
        else:
            print(summary(result), flush=True)
    return 1 if unreadable else 0
