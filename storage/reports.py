"""Storing one parse inside one transaction: report (agency, year), version, facts, history, checks.

Rules:
- A version is one (sha256, parser version). Seeing it again only moves last_seen (its facts'
  last_seen is the version's).
- A report's current version changes when a new version arrives that carries facts (or neither
  carries any), or when the report's own address serves an earlier content again. A version
  without facts never replaces one with facts: an index page or a failed parse does not erase
  what we know, and nothing is ever deleted because a page vanished.
- When the current version changes, the facts move to it; the states they leave are copied to
  fact_history (valid_from, valid_to), so "what did we believe on date X" stays answerable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, func, select, update

from pipelines.messages import message
from storage import agencies, cross_year, pgfacts
from storage.agencies import AgencyRecord
from storage.bulk import bulk_write
from storage.models import (
    FACT_CONTENT,
    FACT_KEY,
    CheckResult,
    Document,
    Fact,
    FactHistory,
    Portal,
    Report,
    ReportVersion,
)
from storage.upsert import upsert_statement

if TYPE_CHECKING:
    from pipelines.model import ParseResult

log = logging.getLogger(__name__)
reports = Report.__table__
versions = ReportVersion.__table__
facts = Fact.__table__
history = FactHistory.__table__
checks = CheckResult.__table__
documents = Document.__table__
portals = Portal.__table__

VERSION_CONTENT = (
    "report_id",
    "document_id",
    "status",
    "messages",
    "agency",
    "kind",
    "template_version",
    "title",
    "published",
    "text",
    "fact_count",
)


@dataclass
class UpsertCounts:
    """Facts inserted / updated / unchanged, and the same for reports."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    reports_inserted: int = 0
    reports_updated: int = 0
    reports_unchanged: int = 0
    versions_inserted: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def summary(self) -> str:
        return (
            f"reports: {self.reports_inserted} inserted, {self.reports_updated} updated, "
            f"{self.reports_unchanged} unchanged; facts: {self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged; new versions: {self.versions_inserted}"
        )


@dataclass(frozen=True)
class Source:
    """The archived document a parse was made from."""

    document_id: int
    sha256: str
    url: str


# How complete a version is: all three tables, some, none. Another content of a report never
# replaces a more complete one (a page cut short or damaged since): it is kept as a version.
_COMPLETENESS = {"parsed": 3, "partial": 2}


def _completeness(status: str, fact_count: int | None) -> int:
    return _COMPLETENESS.get(status, 1 if fact_count else 0)


def _fact_rows(result: ParseResult) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The parse's facts as rows (the first of repeated keys wins), without the columns that
    are the same for all of them (report, version, times)."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for fact in result.facts:
        rows.setdefault(
            (fact.table, fact.row, fact.column),
            {
                "table_key": fact.table,
                "row_key": fact.row,
                "column_key": fact.column,
                "value": None if fact.value is None else float(fact.value),
                "raw": fact.raw,
                "unit": fact.unit,
                "blank": bool(fact.blank),
                "inferred": bool(fact.inferred),
                "reason": fact.reason,
                "origin": fact.origin,
            },
        )
    return rows


def _check_rows(result: ParseResult) -> list[dict[str, Any]]:
    return [
        {
            "identity": check.id,
            "rule": check.rule,
            "table_key": check.table,
            "subject": check.subject,
            "ok": bool(check.ok),
            "cause": check.cause,
            "detail": check.detail,
            "cells": check.cell_dicts(),
            "quote": check.quote.to_dict() if check.quote else None,
        }
        for check in result.checks
    ]


def _upsert_report(
    conn: Connection,
    result: ParseResult,
    agency: AgencyRecord,
    now: datetime,
    portal_id: int | None,
    region: str | None,
) -> Row:
    stmt = upsert_statement(
        conn.dialect.name,
        reports,
        keys=("agency_id", "year"),
        compare=(),
        also_set=("last_seen",),
        returning=("id", "first_seen", "current_version_id", "source_url", "region", "portal_id"),
    )
    values = {
        "agency": agency.name,
        "agency_id": agency.id,
        "year": result.year,
        "region": region,
        "portal_id": portal_id,
        "status": result.status,
        "template_version": result.format,
        "title": result.title,
        "published": result.published,
        "first_seen": now,
        "last_seen": now,
        "changed_at": now,
    }
    return conn.execute(stmt, values).one()


def _upsert_version(
    conn: Connection, source: Source, result: ParseResult, report_id: int | None, parser: str, now: datetime
) -> Row:
    stmt = upsert_statement(
        conn.dialect.name,
        versions,
        keys=("sha256", "parser_version"),
        compare=(),
        also_set=(*VERSION_CONTENT, "last_seen"),
        returning=("id", "first_seen"),
    )
    values = {
        "report_id": report_id,
        "sha256": source.sha256,
        "document_id": source.document_id,
        "parser_version": parser,
        "parsed_at": now,
        "status": result.status,
        "messages": [m.to_dict() for m in result.messages],
        "agency": result.agency,
        "kind": result.kind,
        "template_version": result.format,
        "title": result.title,
        "published": result.published,
        "text": result.text,
        "fact_count": len(result.facts),
        "first_seen": now,
        "last_seen": now,
    }
    return conn.execute(stmt, values).one()


# A stored fact read by position (attribute access on result rows dominated the comparison):
# the state copied to history when superseded, then changed_at.
_STATE = (*FACT_KEY, "version_id", *FACT_CONTENT)
_CONTENT = slice(len(FACT_KEY) + 1, len(_STATE))


def _existing_facts(conn: Connection, report_id: int) -> dict[tuple[str, str, str], Row]:
    columns = [facts.c[name] for name in (*_STATE, "changed_at")]
    query = select(*columns).where(facts.c.report_id == report_id)
    return {tuple(row[1:4]): row for row in conn.execute(query)}


def _upsert_facts(
    conn: Connection, rows: list[dict[str, Any]], report_id: int, version_id: int, now: datetime
) -> None:
    bulk_write(
        conn,
        facts,
        rows,
        shared={
            "report_id": report_id,
            "version_id": version_id,
            "first_seen": now,
            "changed_at": now,
        },
        keys=FACT_KEY,
        compare=("version_id", *FACT_CONTENT),
        also_set=("changed_at",),
    )


def _merge_facts(
    conn: Connection,
    incoming: dict[tuple[str, str, str], dict[str, Any]],
    report_id: int,
    version_id: int,
    now: datetime,
) -> UpsertCounts:
    """Compare with the stored facts here, write history and upsert the new, changed or moved
    facts (those seen again unchanged in this same version are not written)."""
    existing = _existing_facts(conn, report_id)
    counts = UpsertCounts()
    superseded: list[dict[str, Any]] = []
    for key, new in incoming.items():
        old = existing.get(key)
        if old is None:
            counts.inserted += 1
            continue
        changed = old[_CONTENT] != tuple(new[name] for name in FACT_CONTENT)
        counts.updated += changed
        counts.unchanged += not changed
        if not changed and old[len(FACT_KEY)] == version_id:
            continue
        superseded.append({**dict(zip(_STATE, old, strict=False)), "valid_from": old[-1]})
    bulk_write(conn, history, superseded, shared={"valid_to": now, "superseded_by": version_id})
    if counts.inserted or superseded:
        _upsert_facts(conn, list(incoming.values()), report_id, version_id, now)
    return counts


def _store_facts(
    conn: Connection, result: ParseResult, report_id: int, version_id: int, now: datetime, *, new_report: bool
) -> UpsertCounts:
    """Upsert the parse's facts as the report's current belief; copy superseded states to history."""
    incoming = _fact_rows(result)
    if new_report:  # nothing stored to compare with
        _upsert_facts(conn, list(incoming.values()), report_id, version_id, now)
        return UpsertCounts(inserted=len(incoming))
    if conn.dialect.name == "postgresql":  # all of it on the server, one round trip
        inserted, updated, unchanged = pgfacts.merge_facts(
            conn, list(incoming.values()), report_id, version_id, now
        )
        return UpsertCounts(inserted=inserted, updated=updated, unchanged=unchanged)
    return _merge_facts(conn, incoming, report_id, version_id, now)


def _store_checks(conn: Connection, result: ParseResult, version_id: int) -> None:
    bulk_write(
        conn,
        checks,
        _check_rows(result),
        shared={"version_id": version_id},
        keys=("version_id", "identity"),
        compare=("rule", "table_key", "subject", "ok", "cause", "detail", "cells", "quote"),
    )


def _apply_assignment(conn: Connection, source: Source, result: ParseResult) -> None:
    """The agency and year the document's user assigned (`ingest --agency --year`) replace what
    the parser read, each with a message saying so."""
    # of the content, whichever fetch record of it was assigned (the latest assignment wins): a
    # reparse goes through the first document that brought the bytes
    assigned = conn.execute(
        select(documents.c.assigned_agency, documents.c.assigned_year)
        .where(
            documents.c.sha256 == source.sha256,
            documents.c.assigned_agency.isnot(None) | documents.c.assigned_year.isnot(None),
        )
        .order_by(documents.c.id.desc())
        .limit(1)
    ).first()
    if assigned is None or result.status in ("error", "unsupported"):
        return
    agency, year = assigned
    settled = {"agency_unknown"} if agency else set()
    settled |= {"year_unknown"} if year else set()
    result.messages = [m for m in result.messages if m.code not in settled]
    if agency:
        result.messages.append(message("agency_assigned", agency=agency, read=result.agency))
        result.agency = agency
    if year:
        result.messages.append(message("year_assigned", year=year, read=result.year))
        result.year = year


def _region_change(
    conn: Connection,
    report: Row,
    agency: AgencyRecord,
    region: str | None,
    portal_id: int | None,
    portal_region: str | None,
) -> dict[str, Any]:
    """A report's region is its agency's (storage/agencies.py); one that came from a portal is
    never replaced by another portal's. Its portal is the first that filed it, unless that one
    does not own the agency and this one does (a county site re-posting its city's report)."""
    changes: dict[str, Any] = {}
    own_portal = report.portal_id in (None, portal_id)
    if region and region != report.region and (agency.division is not None or own_portal):
        changes["region"] = region
    if portal_id and not own_portal:
        filed_by = conn.execute(
            select(portals.c.region).where(portals.c.id == report.portal_id)
        ).scalar_one_or_none()
        if agencies.owns(portal_region, agency) and not agencies.owns(filed_by, agency):
            changes["portal_id"] = portal_id
    elif portal_id and report.portal_id is None:
        changes["portal_id"] = portal_id
    return changes


def store_parse(
    conn: Connection,
    source: Source,
    result: ParseResult,
    *,
    parser_version: str,
    now: datetime,
    portal_id: int | None = None,
    region: str | None = None,
) -> UpsertCounts:
    """Store one parse; the caller owns the transaction (one per report). `region`: the region
    of the portal the document came from."""
    counts = UpsertCounts()
    _apply_assignment(conn, source, result)
    report = agency = None
    if result.agency and result.year:
        agency = agencies.resolve(conn, result.agency, hint=region, now=now)
        report_region = agencies.region_of(agency, region)
        report = _upsert_report(conn, result, agency, now, portal_id, report_region)
    version = _upsert_version(conn, source, result, report.id if report else None, parser_version, now)
    version_is_new = version.first_seen == now
    counts.versions_inserted = int(version_is_new)
    _store_checks(conn, result, version.id)
    if report is None or agency is None:
        return counts

    report_is_new = report.first_seen == now
    make_current = _becomes_current(conn, report, version.id, version_is_new, result, source)
    if make_current or report.current_version_id == version.id:
        counts += _store_facts(conn, result, report.id, version.id, now, new_report=report_is_new)

    changes: dict[str, Any] = {}
    if make_current:
        changes = {
            "current_version_id": version.id,
            "template_version": result.format,
            "title": result.title,
            "published": result.published,
            "source_url": source.url,
            "status": result.status,
        }
    changes |= _region_change(conn, report, agency, report_region, portal_id, region)
    if changes or counts.inserted or counts.updated:
        changes["changed_at"] = now
    if changes:
        conn.execute(update(reports).where(reports.c.id == report.id).values(**changes))
    if make_current or counts.inserted or counts.updated:
        cross_year.evaluate_around(conn, agency.id, int(result.year))

    if report_is_new:
        counts.reports_inserted = 1
    elif "changed_at" in changes:
        counts.reports_updated = 1
    else:
        counts.reports_unchanged = 1
    return counts


def _served_now(conn: Connection, document_id: int) -> bool:
    """Is this fetch record the latest fetch of its url?"""
    this = documents.alias("this")
    latest = (
        select(func.max(documents.c.last_fetched_at)).where(documents.c.url == this.c.url).scalar_subquery()
    )
    query = select(this.c.last_fetched_at >= latest).where(this.c.id == document_id)
    return bool(conn.execute(query).scalar_one())


def _becomes_current(
    conn: Connection, report: Row, version_id: int, version_is_new: bool, result: ParseResult, source: Source
) -> bool:
    if report.current_version_id is None:
        return True
    if report.current_version_id == version_id:
        return False
    # Only what an address serves now can become current: not an older content of a page that
    # changed since (a reparse goes through those too).
    if not _served_now(conn, source.document_id):
        return False
    # A new content wins; an earlier one seen again wins back only at the report's own address
    # (the page was reverted). Neither replaces facts with a version that has none.
    if not version_is_new and source.url != report.source_url:
        return False
    current = conn.execute(
        select(versions.c.sha256, versions.c.status, versions.c.fact_count).where(
            versions.c.id == report.current_version_id
        )
    ).one()
    if current.sha256 == result.sha256:  # the same bytes read by another parser: it decides
        return bool(result.facts) or not current.fact_count
    if _completeness(result.status, len(result.facts)) < _completeness(current.status, current.fact_count):
        log.warning(
            "%s: %s (%s) kept as a version; the current one is more complete (%s)",
            report.id,
            source.url,
            result.status,
            current.status,
        )
        return False
    return True


def version_exists(conn: Connection, sha256: str, parser_version: str) -> bool:
    """Has this parser parsed this content before?"""
    query = select(versions.c.id).where(
        versions.c.sha256 == sha256, versions.c.parser_version == parser_version
    )
    return conn.execute(query).first() is not None
