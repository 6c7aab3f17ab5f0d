"""`nianbao parse [--json | --table] PATH...`: parse report files and print facts, grids or a summary."""

from __future__ import annotations

import argparse
import json

from pipelines.messages import message
from pipelines.model import ParseResult
from settings.config import Config


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("parse", help="parse report files (HTML, text, markdown, PDF, DOCX)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object per input, one per line")
    output.add_argument(
        "--table",
        action="store_true",
        help="the three tables as grids, each cell marked printed/inferred/blank",
    )
    parser.add_argument(
        "--parse-deadline-s",
        type=float,
        default=Config.model_fields["parse_deadline_s"].default,
        metavar="SECONDS",
        help="stop parsing a file after this long: it gets status error (default %(default)g)",
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


def json_line(result: ParseResult) -> str:
    """The result as one line of strict JSON (no NaN or Infinity); a result that has no such form
    is printed as an error naming why, never as invalid JSON."""
    try:
        return json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False)
    except ValueError as exc:  # a value JSON cannot carry (the parser bounds numbers: a bug)
        failed = ParseResult(
            result.source,
            "error",
            kind=result.kind,
            sha256=result.sha256,
            parser_version=result.parser_version,
            messages=[message("parser_failed", error=f"result not JSON: {exc}")],
        )
        return json.dumps(failed.to_dict(), ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    from pipelines.guarded import parse_path_guarded  # the parser: not imported by other commands

    unreadable = 0
    for path in args.paths:
        try:
            result = parse_path_guarded(path, args.parse_deadline_s)
        except OSError as exc:
            unreadable += 1
            result = ParseResult(
                path, "error", messages=[message("unreadable_file", error=str(exc.strerror or exc))]
            )
        if args.json:
            print(json_line(result), flush=True)
        elif args.table:
            from nianbao.table_view import show  # rich is imported only for this view

            show(result)
        else:
            print(summary(result), flush=True)
    return 1 if unreadable else 0
