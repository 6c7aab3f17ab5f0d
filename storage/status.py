"""`nianbao status`: what an operator asks of the database. Per portal: its last crawl (from the
run records) and how it ended, its reports by year, why it is blocked, its failing reports (agency,
year and each failing identity check of the current version). Then the documents parsed without
an agency and year (unassigned: no report to file them under) and those that failed to parse.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from storage import fetch_failures
from storage.db import read_connection
from storage.documents import contents, documents, portals
from storage.reports import checks, facts, reports, versions
from storage.runs import last_crawls

NO_PORTAL = "(no portal)"  # reports of ingested files
FAILED_STATUSES = ("error", "unsupported")


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _totals(conn: Connection) -> dict[str, int]:
    def count(table) -> int:  # type: ignore[no-untyped-def]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    archived = conn.execute(select(func.coalesce(func.sum(contents.c.size), 0))).scalar_one()
    failing = conn.execute(
        select(func.count(func.distinct(reports.c.id)))
        .join(checks, checks.c.version_id == reports.c.current_version_id)
        .where(checks.c.ok.is_(False))
    ).scalar_one()
    return {
        "portals": count(portals),
        "documents": count(documents),
        "archived_contents": count(contents),
        "archived_bytes": int(archived),
        "reports": count(reports),
        "reports_failing_checks": int(failing),
        "report_versions": count(versions),
        "facts": count(facts),
    }


def _reports_by_year(conn: Connection) -> dict[str, dict[int, int]]:
    query = (
        select(portals.c.name, reports.c.year, func.count())
        .select_from(reports)
        .outerjoin(portals, portals.c.id == reports.c.portal_id)
        .group_by(portals.c.name, reports.c.year)
        .order_by(reports.c.year)
    )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for portal, year, n in conn.execute(query):
        out[portal or NO_PORTAL][int(year)] = int(n)
    return out


def _failing_reports(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Reports whose current version fails identity checks, by portal, with each check."""
    query = (
        select(
            portals.c.name,
            reports.c.id,
            reports.c.agency,
            reports.c.year,
            reports.c.source_url,
            checks.c.identity,
            checks.c.detail,
            checks.c.cause,
        )
        .select_from(reports)
        .join(checks, checks.c.version_id == reports.c.current_version_id)
        .outerjoin(portals, portals.c.id == reports.c.portal_id)
        .where(checks.c.ok.is_(False))
        .order_by(reports.c.agency, reports.c.year, checks.c.identity)
    )
    by_report: dict[int, dict[str, Any]] = {}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for portal, report_id, agency, year, url, identity, detail, cause in conn.execute(query):
        if report_id not in by_report:
            by_report[report_id] = {
                "report_id": report_id,
                "agency": agency,
                "year": year,
                "source_url": url,
                "checks": [],
            }
            out[portal or NO_PORTAL].append(by_report[report_id])
        rule = identity.split(":", 1)[0]
        by_report[report_id]["checks"].append({"rule": rule, "detail": detail, "cause": cause})
    return out


def _missing(messages: list[Any] | None) -> list[str]:
    """What a parse could not read (its agency_unknown / year_unknown messages)."""
    codes = {m["code"] if isinstance(m, dict) else m[0] for m in messages or ()}
    return [what for what in ("agency", "year") if f"{what}_unknown" in codes]


def _unfiled(conn: Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Contents whose parses filed them under no report: unassigned (parsed, no agency or year)
    and failed (the parser could not read them), each once, with its latest parse."""
    filed = select(versions.c.sha256).where(versions.c.report_id.isnot(None))
    query = (
        select(
            versions.c.sha256,
            versions.c.status,
            versions.c.messages,
            versions.c.parsed_at,
            documents.c.url,
            documents.c.listed_title,
            portals.c.name.label("portal"),
        )
        .select_from(versions)
        .join(documents, documents.c.id == versions.c.document_id)
        .outerjoin(portals, portals.c.id == documents.c.portal_id)
        .where(versions.c.report_id.is_(None), versions.c.sha256.not_in(filed))
        .order_by(versions.c.parsed_at)
    )
    latest: dict[str, Any] = {}
    for row in conn.execute(query):
        latest[row.sha256] = row  # ordered by time: the last one stays
    unassigned, failed = [], []
    for row in sorted(latest.values(), key=lambda r: (r.portal or "", r.url)):
        entry = {
            "url": row.url,
            "portal": row.portal,
            "listed_title": row.listed_title,
            "status": row.status,
            "sha256": row.sha256,
            "parsed_at": _iso(row.parsed_at),
        }
        if row.status in FAILED_STATUSES:
            failed.append({**entry, "message": "; ".join(map(str, row.messages or [])) or None})
        else:
            unassigned.append({**entry, "missing": _missing(row.messages)})
    return unassigned, failed


def _last_crawl(conn: Connection) -> dict[str, dict[str, Any]]:
    out = {}
    for portal, (run, part) in last_crawls(conn).items():
        out[portal] = {
            "run_id": run.id,
            "command": run.command,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "state": run.state,
            "status": part.status,
            "exit_code": part.exit_code,
            "reason": part.reason,
            "counts": part.counts,
        }
    return out


def status(engine: Engine) -> dict[str, Any]:
    with read_connection(engine) as conn:
        known = {
            row.name: row
            for row in conn.execute(
                select(portals.c.id, portals.c.name, portals.c.family, portals.c.blocked, portals.c.state_at)
            )
        }
        fetches = fetch_failures.counts_by_portal(conn)
        by_year = _reports_by_year(conn)
        failing = _failing_reports(conn)
        crawls = _last_crawl(conn)
        unassigned, failed = _unfiled(conn)
        totals = _totals(conn)
    names = sorted(set(known) | set(crawls) | set(by_year))
    per_portal = []
    for name in names:
        row = known.get(name)
        per_portal.append(
            {
                "portal": name,
                "family": row.family if row else None,
                "blocked": row.blocked if row else None,
                "state_at": _iso(row.state_at) if row else None,
                "last_crawl": crawls.get(name),
                "reports_by_year": {str(year): n for year, n in sorted(by_year.get(name, {}).items())},
                "failing_reports": failing.get(name, []),
                # urls whose last fetch failed: retried by later runs, or declared gone
                "failed_fetches": dict(
                    zip(("retrying", "gone"), fetches.get(row.id if row else None, (0, 0)), strict=True)
                ),
            }
        )
    return {"totals": totals, "portals": per_portal, "unassigned": unassigned, "failed_documents": failed}
