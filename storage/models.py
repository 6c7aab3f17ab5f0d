"""The database model: archived contents, fetch records, reports, their versions, facts and checks.

Natural keys (unique constraints) carry the meaning; integer ids only join. Times are naive UTC.

- contents: one row per distinct byte string (sha256) with its place in the WARC archive.
- documents: one row per (url, sha256): where and when those bytes were fetched or ingested, with
  what the crawl knew of them (role, the listing's title and year, the list page) and whether they
  are a report for the parse stage.
- agencies: one per organ, with its canonical name, division code (GB/T 2260) and level;
  agency_aliases: every name an organ was printed under (storage/agencies.py).
- reports: one per (agency_id, year); `agency` is the agency's canonical name (unique with the
  year too); `current_version_id` is what we believe now.
- report_versions: one per (sha256, parser_version): a parse of one content.
- facts: one per (report, table, row, column): the current belief, attributed to a version.
- fact_history: a fact's earlier states, copied there when a new version supersedes them.
- checks: the checks of one version (identities, narrative figures, cross-year checks).
- runs: one per command run (crawl, ingest, reparse, parse-pending, export): when, what, how it
  ended; `finished_at` stays null for a run that died. run_portals: each portal's part in a run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

VALUE = Float(precision=53)  # double precision on PostgreSQL
JSON_VALUE = JSON().with_variant(JSONB(), "postgresql")  # jsonb compares (upserts skip equal rows)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(),
        dict[str, Any]: JSON_VALUE,
        list[str]: JSON_VALUE,
    }


class Portal(Base):
    __tablename__ = "portals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(200))
    family: Mapped[str | None] = mapped_column(String(80))
    base_url: Mapped[str | None] = mapped_column(Text)
    blocked: Mapped[str | None] = mapped_column(Text)
    state_at: Mapped[datetime | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class Content(Base):
    __tablename__ = "contents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    warc_file: Mapped[str] = mapped_column(String(200))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime]


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("url", "sha256", name="uq_documents_url_sha256"),
        Index("ix_documents_url_fetched", "url", "last_fetched_at"),
        Index("ix_documents_parse", "parse", "id"),  # the parse stage's pending documents
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(ForeignKey("contents.sha256"), index=True)
    final_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]]
    content_type: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"))
    fetched_at: Mapped[datetime]  # first time these bytes came from this url
    last_fetched_at: Mapped[datetime]
    fetch_count: Mapped[int] = mapped_column(Integer, default=1)
    # What the crawl knew (None for a user's file): a list page, a report's page, or its attachment.
    role: Mapped[str | None] = mapped_column(String(20))
    # A report for the parse stage: report pages that carry the report, attachments, ingested files.
    parse: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_title: Mapped[str | None] = mapped_column(Text)  # the title its portal lists it under
    listed_year: Mapped[int | None] = mapped_column(Integer)
    list_url: Mapped[str | None] = mapped_column(Text)  # the list page it was found on
    report_url: Mapped[str | None] = mapped_column(Text)  # the report page an attachment belongs to
    # what its user said it is (`nianbao ingest --agency --year`): over what the parser reads
    assigned_agency: Mapped[str | None] = mapped_column(String(300))
    assigned_year: Mapped[int | None] = mapped_column(Integer)
    # fetched over TLS without verifying the certificate: why (its portal's tls_verify_reason)
    tls_unverified: Mapped[str | None] = mapped_column(Text)


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)  # canonical: the fullest name printed
    division_code: Mapped[str | None] = mapped_column(String(6), index=True)
    level: Mapped[str | None] = mapped_column(String(20))  # province, city, county (the division's)
    first_seen: Mapped[datetime]


class AgencyAlias(Base):
    __tablename__ = "agency_aliases"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)  # as printed
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    first_seen: Mapped[datetime]


class FetchFailure(Base):
    """A url whose last fetch failed, retried by later runs until it succeeds or is gone
    (storage.fetch_failures); a fetch that succeeds removes its row."""

    __tablename__ = "fetch_failures"
    __table_args__ = (
        Index("ix_fetch_failures_report_url", "report_url"),
        Index("ix_fetch_failures_portal", "portal_id", "gone"),
    )

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    report_url: Mapped[str | None] = mapped_column(Text)  # the report page an attachment belongs to
    error: Mapped[str] = mapped_column(Text)  # the last one
    status: Mapped[int | None] = mapped_column(Integer)  # the last HTTP status (None: no answer)
    tries: Mapped[int] = mapped_column(Integer)
    first_tried: Mapped[datetime]
    last_tried: Mapped[datetime]
    next_try_at: Mapped[datetime]  # a later run tries it again from then (backoff across runs)
    gone: Mapped[bool] = mapped_column(Boolean)  # 404/410 twice, or too many tries: not tried again


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("agency", "year", name="uq_reports_agency_year"),
        Index("uq_reports_agency_id_year", "agency_id", "year", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(String(300))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", name="fk_reports_agency"))
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(200))
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"))
    template_version: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(10))
    source_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_versions.id", use_alter=True, name="fk_reports_current_version")
    )
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    changed_at: Mapped[datetime] = mapped_column(index=True)


class ReportVersion(Base):
    __tablename__ = "report_versions"
    __table_args__ = (
        UniqueConstraint("sha256", "parser_version", name="uq_versions_sha256_parser"),
        # What facts reference: a version together with its report (they must agree).
        Index("uq_report_versions_id_report", "id", "report_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("contents.sha256"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    parser_version: Mapped[str] = mapped_column(String(40))
    parsed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    messages: Mapped[list[str]]
    agency: Mapped[str | None] = mapped_column(String(300))  # the name as its document printed it
    kind: Mapped[str | None] = mapped_column(String(20))
    template_version: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(10))
    text: Mapped[str | None] = mapped_column(Text)
    fact_count: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class _FactColumns:
    """The columns a fact and its history rows share."""

    table_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    column_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[float | None] = mapped_column(VALUE)
    raw: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(20))
    blank: Mapped[bool] = mapped_column(Boolean)
    inferred: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[dict[str, Any]]


def _version_of_report(table: str) -> ForeignKeyConstraint:
    """One foreign key per row for both ids: checked once, and the fact's report is its version's."""
    return ForeignKeyConstraint(
        ["version_id", "report_id"],
        ["report_versions.id", "report_versions.report_id"],
        name=f"fk_{table}_version_report",
    )


class Fact(_FactColumns, Base):
    """Primary key (report_id, table_key, row_key, column_key), its only index: facts are
    written far more often than looked up by anything else (export goes by report).

    A fact's last_seen is its version's: seeing a content again moves one version row, not
    every fact of it."""

    __tablename__ = "facts"
    __table_args__ = (_version_of_report("facts"),)

    report_id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int]
    first_seen: Mapped[datetime]
    changed_at: Mapped[datetime]  # when this row last got a new value or moved to a new version


class FactHistory(_FactColumns, Base):
    __tablename__ = "fact_history"
    __table_args__ = (Index("ix_fact_history_version", "version_id"), _version_of_report("fact_history"))

    report_id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int]
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime] = mapped_column(primary_key=True)
    superseded_by: Mapped[int] = mapped_column(ForeignKey("report_versions.id"))


FACT_KEY = ("report_id", "table_key", "row_key", "column_key")
FACT_CONTENT = ("value", "raw", "unit", "blank", "inferred", "reason", "origin")


class CheckResult(Base):
    """One check of a version: an identity or a narrative figure over exact cells, or a
    cross-year check against the agency's previous year (storage/cross_year.py; its cells carry
    their report's `year`). `identity` is the check's id (`rule[subject]`, unique within a
    version); `cells` lists every cell it compares ({table, row, column, side, value, state}),
    `quote` the text figure of a narrative check. `ok` None: not evaluable (a blank side)."""

    __tablename__ = "checks"

    version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"), primary_key=True)
    identity: Mapped[str] = mapped_column(Text, primary_key=True)
    rule: Mapped[str | None] = mapped_column(String(80))
    table_key: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(80))
    ok: Mapped[bool | None] = mapped_column(Boolean)  # None: not evaluable (a side is blank)
    cause: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    cells: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON_VALUE)
    quote: Mapped[dict[str, Any] | None] = mapped_column(JSON_VALUE)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    command: Mapped[str] = mapped_column(String(40))
    command_line: Mapped[str] = mapped_column(Text)
    portals: Mapped[list[str]]  # the portals it was asked to work on (none: not by portal)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]  # null: running, or died (killed) before it could say
    exit_code: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[dict[str, Any] | None]  # totals by outcome (see storage/runs.py)
    error: Mapped[str | None] = mapped_column(Text)
    summary_file: Mapped[str | None] = mapped_column(Text)  # the JSON summary kept beside the logs


class RunPortal(Base):
    __tablename__ = "run_portals"
    __table_args__ = (Index("ix_run_portals_portal", "portal", "run_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    portal: Mapped[str] = mapped_column(String(200), primary_key=True)  # a name: it may be in no table
    status: Mapped[str] = mapped_column(String(40))  # ok, failures, blocked, unreachable, empty, locked...
    exit_code: Mapped[int] = mapped_column(Integer)  # this portal's own code
    reason: Mapped[str | None] = mapped_column(Text)  # why it is blocked, unreachable, locked...
    counts: Mapped[dict[str, Any]]
