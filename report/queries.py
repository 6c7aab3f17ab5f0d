"""Everything the quality report reads from the database, and nothing else does.

The site is built from these records only, so a change of columns (canonical agencies, a stored
fact state, cell coordinates of their own) is met here and the pages stay as they are. A fact
comes back as the parser's own `pipelines.model.Fact`, its state derived from the columns the
`facts` table has today (blank, inferred, reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from pipelines.infer import UNDECIDED
from pipelines.model import CellRef, CellState, Fact
from storage.documents import documents, portals
from storage.models import FACT_CONTENT, FACT_KEY
from storage.reports import checks, facts, reports, versions

_CELL_FIELDS = tuple(f.name for f in fields(CellRef))


@dataclass(frozen=True)
class ReportEntry:
    """One report (agency, year) as the coverage matrix shows it."""

    report_id: int
    agency: str
    year: int
    portal: str | None
    status: str
    template_version: str | None
    title: str | None
    fact_count: int
    failing_checks: int


@dataclass(frozen=True)
class PortalEntry:
    name: str
    level: str | None
    region: str | None
    family: str | None
    base_url: str | None
    blocked: str | None


@dataclass(frozen=True)
class StoredCheck:
    identity: str
    ok: bool | None  # None: not evaluable (a cross-year check with a blank side)
    cause: str | None
    detail: str
    cells: list[dict[str, Any]]  # [{table, row, column, side, value, state}]; [] for rows before 0004


@dataclass(frozen=True)
class Provenance:
    """Where the current version came from: the fetch of its bytes and the parse of them."""

    url: str
    sha256: str
    fetched_at: datetime
    content_type: str | None
    kind: str | None
    parser_version: str
    parsed_at: datetime


@dataclass
class ReportDetail:
    entry: ReportEntry
    published: str | None
    provenance: Provenance | None  # None: no version stored (cannot happen for a current report)
    messages: list[dict[str, Any]]
    text: str | None  # the report's text, kept for pre-2019 reports
    facts: list[Fact] = field(default_factory=list)
    checks: list[StoredCheck] = field(default_factory=list)

    @property
    def failing_cells(self) -> dict[tuple[str, str, str], list[str]]:
        """(table, row, column) -> the failing checks that compare that cell."""
        out: dict[tuple[str, str, str], list[str]] = {}
        for check in self.checks:
            if check.ok is False:
                # a cross-year check's cells of the other year are not in this report's tables
                for cell in (c for c in check.cells if c.get("year", self.entry.year) == self.entry.year):
                    out.setdefault((cell["table"], cell["row"], cell["column"]), []).append(check.identity)
        return out


@dataclass(frozen=True)
class YearFact:
    """A fact of a current version with its report's year (what the plots add up)."""

    report_id: int
    year: int
    fact: Fact


@dataclass(frozen=True)
class Unassigned:
    """A parsed document that names no agency or year: stored, but in no report."""

    url: str
    sha256: str
    status: str
    parsed_at: datetime
    messages: list[dict[str, Any]]


def fact_state(*, blank: bool, inferred: bool, reason: str | None) -> CellState:
    """The parser's cell state from the stored columns: an undecided cell is stored blank with
    the reason the identities left it undecided."""
    if inferred:
        return "inferred"
    if blank:
        return "undecided" if reason == UNDECIDED else "blank"
    return "printed"


def _fact(row: Any) -> Fact:
    origin = row.origin or {}
    bbox = origin.get("bbox")
    cell = CellRef(
        **{name: origin.get(name) for name in _CELL_FIELDS if name != "bbox"},
        bbox=tuple(bbox) if bbox else None,
    )
    return Fact(
        row.table_key,
        row.row_key,
        row.column_key,
        row.value,
        row.raw,
        row.unit,
        fact_state(blank=row.blank, inferred=row.inferred, reason=row.reason),
        cell,
        row.reason,
    )


_FACT_COLUMNS = tuple(facts.c[name] for name in (*FACT_KEY[1:], *FACT_CONTENT))  # table, row, column, ...


def report_entries(conn: Connection) -> list[ReportEntry]:
    """Every report with its current status and the count of failing checks of its current version."""
    failing = (
        select(func.count())
        .select_from(checks)
        .where(checks.c.version_id == reports.c.current_version_id, checks.c.ok.is_(False))
        .scalar_subquery()
    )
    query = (
        select(
            reports.c.id,
            reports.c.agency,
            reports.c.year,
            portals.c.name,
            reports.c.status,
            reports.c.template_version,
            reports.c.title,
            func.coalesce(versions.c.fact_count, 0),
            failing,
        )
        .outerjoin(portals, portals.c.id == reports.c.portal_id)
        .outerjoin(versions, versions.c.id == reports.c.current_version_id)
        .order_by(reports.c.agency, reports.c.year)
    )
    return [ReportEntry(*row) for row in conn.execute(query)]


def portal_entries(conn: Connection) -> list[PortalEntry]:
    query = select(
        portals.c.name,
        portals.c.level,
        portals.c.region,
        portals.c.family,
        portals.c.base_url,
        portals.c.blocked,
    ).order_by(portals.c.name)
    return [PortalEntry(*row) for row in conn.execute(query)]


def report_detail(conn: Connection, entry: ReportEntry) -> ReportDetail:
    """The current version of one report: provenance, messages, facts and checks."""
    head = conn.execute(
        select(
            reports.c.published,
            versions.c.id,
            versions.c.sha256,
            versions.c.parser_version,
            versions.c.parsed_at,
            versions.c.kind,
            versions.c.messages,
            versions.c.text,
            documents.c.url,
            documents.c.fetched_at,
            documents.c.content_type,
        )
        .select_from(reports)
        .outerjoin(versions, versions.c.id == reports.c.current_version_id)
        .outerjoin(documents, documents.c.id == versions.c.document_id)
        .where(reports.c.id == entry.report_id)
    ).one()
    if head.id is None:
        return ReportDetail(entry, head.published, None, [], None)
    provenance = Provenance(
        head.url,
        head.sha256,
        head.fetched_at,
        head.content_type,
        head.kind,
        head.parser_version,
        head.parsed_at,
    )
    fact_rows = conn.execute(
        select(*_FACT_COLUMNS).where(facts.c.report_id == entry.report_id, facts.c.version_id == head.id)
    )
    check_rows = conn.execute(
        select(checks.c.identity, checks.c.ok, checks.c.cause, checks.c.detail, checks.c.cells)
        .where(checks.c.version_id == head.id)
        .order_by(checks.c.identity)
    )
    return ReportDetail(
        entry,
        head.published,
        provenance,
        [_message(m) for m in head.messages or ()],
        head.text,
        [_fact(row) for row in fact_rows],
        [StoredCheck(r.identity, r.ok, r.cause, r.detail, r.cells or []) for r in check_rows],
    )


def _message(stored: Any) -> dict[str, Any]:
    """A stored message: {code, text, params}, or the plain text versions stored before codes."""
    return stored if isinstance(stored, dict) else {"code": None, "text": str(stored), "params": {}}


def year_facts(conn: Connection, table: str, column: str) -> list[YearFact]:
    """The facts of one column of one table in every report's current version."""
    query = (
        select(facts.c.report_id, reports.c.year, *_FACT_COLUMNS)
        .join(
            reports,
            and_(reports.c.id == facts.c.report_id, reports.c.current_version_id == facts.c.version_id),
        )
        .where(facts.c.table_key == table, facts.c.column_key == column)
    )
    return [YearFact(row.report_id, row.year, _fact(row)) for row in conn.execute(query)]


def unassigned(conn: Connection) -> list[Unassigned]:
    """Parses that made no report, of contents that no parse assigned to one."""
    assigned = select(versions.c.sha256).where(versions.c.report_id.is_not(None))
    query = (
        select(
            documents.c.url,
            versions.c.sha256,
            versions.c.status,
            versions.c.parsed_at,
            versions.c.messages,
        )
        .join(documents, documents.c.id == versions.c.document_id)
        .where(versions.c.report_id.is_(None), versions.c.sha256.not_in(assigned))
        .order_by(versions.c.parsed_at.desc())
    )
    latest: dict[str, Unassigned] = {}
    for row in conn.execute(query):
        latest.setdefault(
            row.sha256,
            Unassigned(
                row.url, row.sha256, row.status, row.parsed_at, [_message(m) for m in row.messages or ()]
            ),
        )
    return list(latest.values())
