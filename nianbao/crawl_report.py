"""What a crawl reports: the summary table (stdout), the errors (stderr), each portal's exit code
and the run's (nianbao.exit_codes), and each portal's part in the run record."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

from nianbao.exit_codes import ExitCode
from storage.runs import PortalPart

if TYPE_CHECKING:
    from nianbao.crawl_job import CrawlResult
    from storage.locks import PortalLocked

# (summary key, heading, width)
COLUMNS = (
    ("portal", "portal", 20),
    ("lists_read", "lists", 5),
    ("reports_found", "found", 5),
    ("new", "new", 5),
    ("changed", "changed", 7),
    ("unchanged", "unchanged", 9),
    ("failed", "failed", 6),
    ("status", "status", 11),
)
# the counters a run record keeps, per portal and summed over them
COUNTERS = (
    "lists_read",
    "reports_found",
    "new",
    "changed",
    "unchanged",
    "failed",
    "documents_new",
    "not_modified",
    "requests",
    "bytes",
)


def locked_summary(locked: PortalLocked) -> dict[str, Any]:
    """The summary of a portal left to the run that holds its lock."""
    return {"portal": locked.portal, "status": "locked", "problem": str(locked)}


def portal_exit_code(summary: dict[str, Any]) -> ExitCode:
    status = summary.get("status")
    if status == "error" or summary.get("finish_reason", "finished") != "finished":
        return ExitCode.ERROR  # its crawler did not start, or was stopped before the end
    if status == "locked":
        return ExitCode.LOCKED
    codes = []
    if summary.get("unreachable"):
        codes.append(ExitCode.UNREACHABLE)
    if status == "empty":
        codes.append(ExitCode.EMPTY)
    if summary.get("failed"):
        codes.append(ExitCode.REPORTS_FAILED)
    if summary.get("blocked"):
        codes.append(ExitCode.BLOCKED)
    if summary.get("years_missing") and status != "empty (declared)":
        codes.append(ExitCode.YEARS_MISSING)
    return ExitCode.worst(codes)


def crawl_exit_code(result: CrawlResult) -> ExitCode:
    parse = [ExitCode.ERROR] if result.parse_error else []
    return ExitCode.worst(parse + [portal_exit_code(s) for s in result.summaries])


def portal_reason(summary: dict[str, Any]) -> str | None:
    """Why a portal is not ok, in one line (None when it is)."""
    reasons = []
    if summary.get("blocked"):
        reasons.append(f"blocked: {summary['blocked']}")
    if summary.get("unreachable"):
        reasons.append(f"unreachable: {summary['unreachable']}")
    if summary.get("problem"):
        reasons.append(summary["problem"])
    if summary.get("status") == "empty":
        reasons.append("its lists name no report")
    if summary.get("failed"):
        reasons.append(f"{summary['failed']} reports, attachments or parses failed")
    if summary.get("finish_reason", "finished") != "finished" and summary.get("status") != "error":
        reasons.append(f"crawl stopped before the end ({summary['finish_reason']})")
    if summary.get("years_missing"):
        reasons.append("years missing: " + year_ranges(summary["years_missing"]))
    if summary.get("truncated"):
        reasons.append("truncated: " + ", ".join(summary["truncated"]))
    return "; ".join(reasons) or None


def crawl_parts(result: CrawlResult) -> list[PortalPart]:
    return [
        PortalPart(
            portal=s["portal"],
            status=s.get("status", "error"),
            exit_code=int(portal_exit_code(s)),
            reason=portal_reason(s),
            counts={
                **{key: s[key] for key in COUNTERS if key in s},
                **({"parsed": s["parsed"]} if s.get("parsed") else {}),
            },
        )
        for s in result.summaries
    ]


def crawl_counts(result: CrawlResult) -> dict[str, Any]:
    """A crawl's totals: the summaries' counters summed, the parse stage's outcomes."""
    totals = {key: sum(int(s.get(key, 0)) for s in result.summaries) for key in COUNTERS}
    parsed: Counter[str] = Counter()
    for outcomes in result.parse.outcomes.values() if result.parse else []:
        parsed.update(outcomes)
    return {**totals, "parsed": dict(parsed), "portals": dict(Counter(s["status"] for s in result.summaries))}


def year_ranges(years: list[int]) -> str:
    parts: list[str] = []
    for year in years:
        if parts and parts[-1].split("-")[-1] == str(year - 1):
            parts[-1] = parts[-1].split("-")[0] + f"-{year}"
        else:
            parts.append(str(year))
    return ", ".join(parts)


def _notes(s: dict[str, Any]) -> list[str]:
    notes = []
    if s.get("problem"):
        notes.append(s["problem"])
    if s.get("blocked"):
        notes.append(f"blocked: {s['blocked']}")
    if s.get("unreachable"):
        notes.append(f"unreachable: {s['unreachable']}")
    if s.get("years_missing"):
        notes.append("years missing: " + year_ranges(s["years_missing"]))
    skipped = [
        f"{s[key]} {what}"
        for key, what in (
            ("lookalikes_skipped", "lookalikes"),
            ("duplicates_skipped", "duplicates"),
            ("navigation_skipped", "navigation links"),
            ("unnamed_skipped", "titles naming no organ or year"),
        )
        if s.get(key)
    ]
    if skipped:
        notes.append("skipped " + ", ".join(skipped))
    if s.get("offsite"):
        notes.append(f"offsite: {s['offsite']} (links to other sites, not fetched)")
    if s.get("attachments_unresolved"):
        notes.append(f"attachments not resolvable: {s['attachments_unresolved']} (their reports failed)")
    if s.get("truncated"):
        notes.append("truncated: " + ", ".join(s["truncated"]) + " (the rest of its lists was not read)")
    if s.get("lists_unpaged"):
        notes.append("the list API answers 404 beyond its first page: the list ends there")
    if s.get("parsed"):
        notes.append("parsed: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(s["parsed"].items())))
    return notes


def format_summary(summaries: list[dict[str, Any]]) -> str:
    header = " ".join(f"{heading:<{w}}" for _, heading, w in COLUMNS)
    lines = [header, "-" * len(header)]
    for s in summaries:
        lines.append(" ".join(f"{s.get(name, '-')!s:<{w}}" for name, _, w in COLUMNS))
        lines += [f"    {note}" for note in _notes(s)]
    return "\n".join(lines)


def report_crawl(result: CrawlResult, *, as_json: bool) -> ExitCode:
    """Print the summaries (stdout) and what went wrong (stderr); the run's exit code."""
    if as_json:
        print(json.dumps(result.summaries, ensure_ascii=False))
    else:
        print(format_summary(result.summaries))
    for line in result.problems:
        print(f"failed: {line}", file=sys.stderr)
    for s in result.summaries:
        if s.get("unreachable"):
            print(
                f"error: {s['portal']}: unreachable: {s['unreachable']} (check its start_urls, "
                "e.g. with `nianbao probe URL`)",
                file=sys.stderr,
            )
        if s.get("status") == "empty":
            print(
                f"error: {s['portal']}: its lists name no report (declare empty_ok: true if that is right)",
                file=sys.stderr,
            )
        if s.get("status") == "error":
            print(f"error: {s['portal']}: {s.get('problem')}", file=sys.stderr)
    if result.parse_error:
        print(f"error: {result.parse_error}", file=sys.stderr)
    return crawl_exit_code(result)
