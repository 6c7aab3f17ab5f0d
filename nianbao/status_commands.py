"""`nianbao status` (per portal: last crawl, reports by year, blocked, failing reports; unassigned
and failed documents) and `nianbao runs` (the run records), as text or JSON on stdout."""

from __future__ import annotations

import argparse
import json
from typing import Any

from nianbao.exit_codes import ExitCode
from nianbao.options import add_store_options, config_from_args, say_database

SHOWN = 20  # documents listed per section in the text (--json has them all)


def register(sub: argparse._SubParsersAction) -> None:
    status = sub.add_parser(
        "status",
        help="per portal: last crawl, reports by year, blocked, failing reports; unassigned documents",
    )
    add_store_options(status)
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.set_defaults(func=run_status)

    runs = sub.add_parser("runs", help="the latest runs: command, when, how they ended, counts")
    add_store_options(runs)
    runs.add_argument("--json", action="store_true", help="one JSON list")
    runs.add_argument("--limit", type=int, default=20, metavar="N", help="at most N runs (default 20)")
    runs.add_argument("--portal", metavar="NAME", help="only runs that worked on this portal")
    runs.set_defaults(func=run_runs)


def exit_text(code: int | None) -> str:
    if code is None:
        return "no exit code"
    try:
        return f"exit {code} ({ExitCode(code).label})"
    except ValueError:
        return f"exit {code}"


def _last_crawl_line(crawl: dict[str, Any] | None) -> list[str]:
    if crawl is None:
        return ["  last crawl: none recorded"]
    lines = [
        f"  last crawl: run {crawl['run_id']} ({crawl['command']}) started {crawl['started_at']}, "
        f"{crawl['state']}: {crawl['status']}, {exit_text(crawl['exit_code'])}"
    ]
    if crawl.get("reason"):
        lines.append(f"    {crawl['reason']}")
    return lines


def render_status(found: dict[str, Any]) -> str:
    totals = found["totals"]
    lines = ["totals: " + ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in totals.items())]
    for portal in found["portals"]:
        lines.append("")
        lines.append(portal["portal"] + (f" ({portal['family']})" if portal["family"] else ""))
        lines += _last_crawl_line(portal["last_crawl"])
        said = (portal["last_crawl"] or {}).get("reason") or ""
        if portal["blocked"] and portal["blocked"] not in said:  # blocked since, or by another run
            lines.append(f"  blocked: {portal['blocked']} (recorded {portal['state_at']})")
        years = portal["reports_by_year"]
        by_year = ", ".join(f"{year}: {n}" for year, n in years.items())
        lines.append(f"  reports by year: {by_year or 'none'}")
        fetches = portal["failed_fetches"]
        if any(fetches.values()):
            lines.append(
                f"  failed fetches: {fetches['retrying']} retried by later runs, {fetches['gone']} gone"
            )
        failing = portal["failing_reports"]
        if failing:
            lines.append(f"  failing reports: {len(failing)}")
        for report in failing:
            checks = "; ".join(
                f"{c['rule']} ({c['detail']}" + (f", {c['cause']}" if c["cause"] else "") + ")"
                for c in report["checks"]
            )
            lines.append(f"    {report['agency']} {report['year']}: {checks}")
    for key, title in (
        ("unassigned", "unassigned documents (parsed, no agency or year)"),
        ("failed_documents", "documents that failed to parse"),
    ):
        entries = found[key]
        lines += ["", f"{title}: {len(entries)}"]
        for entry in entries[:SHOWN]:
            listed = f"  listed as «{entry['listed_title']}»" if entry.get("listed_title") else ""
            missing = entry.get("missing")
            lacks = f": no {' and no '.join(missing)}" if missing else ""
            why = entry.get("message") or entry["status"] + lacks
            lines.append(f"  {entry['portal'] or '-'}  {entry['url']}{listed}  ({why})")
        if len(entries) > SHOWN:
            lines.append(f"  ... and {len(entries) - SHOWN} more (--json lists them all)")
    return "\n".join(lines)


def run_status(args: argparse.Namespace) -> int:
    from storage.migrate import checked_engine
    from storage.status import status

    config = config_from_args(args)
    say_database(config)
    with checked_engine(config.database_url) as engine:
        found = status(engine)
    print(json.dumps(found, ensure_ascii=False, indent=1) if args.json else render_status(found))
    return ExitCode.OK


def render_runs(records: list[dict[str, Any]]) -> str:
    lines = []
    for run in records:
        ended = run["finished_at"] or run["state"]
        code = exit_text(run["exit_code"]) if run["state"] == "finished" else run["state"].upper()
        lines.append(f"run {run['id']}  {run['command']}  {run['started_at']} -> {ended}  {code}")
        lines.append(f"  {run['command_line']}  (pid {run['pid']} on {run['host']})")
        if run["error"]:
            lines.append(f"  error: {run['error']}")
        for part in run["portal_parts"]:
            why = f": {part['reason']}" if part["reason"] else ""
            lines.append(f"  {part['portal']}: {part['status']}, {exit_text(part['exit_code'])}{why}")
        flat = ", ".join(f"{k} {v}" for k, v in _flat(run["counts"] or {}) if v)
        if flat:
            lines.append(f"  counts: {flat}")
        if run["summary_file"]:
            lines.append(f"  summary: {run['summary_file']}")
    return "\n".join(lines) or "no runs recorded"


def _flat(counts: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested counts as (dotted name, number): {"parsed": {"new": 5}} -> parsed.new 5."""
    out: list[tuple[str, Any]] = []
    for key, value in counts.items():
        if isinstance(value, dict):
            out += _flat(value, f"{prefix}{key}.")
        elif isinstance(value, int):
            out.append((prefix + key, value))
    return out


def run_runs(args: argparse.Namespace) -> int:
    from storage.migrate import checked_engine
    from storage.runs import list_runs

    config = config_from_args(args)
    say_database(config)
    with checked_engine(config.database_url) as engine:
        records = [r.to_dict() for r in list_runs(engine, limit=args.limit, portal=args.portal)]
    print(json.dumps(records, ensure_ascii=False, indent=1) if args.json else render_runs(records))
    return ExitCode.OK
