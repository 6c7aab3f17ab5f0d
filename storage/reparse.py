"""Parse archived documents again with the current parser, without the network.

Every content that was parsed before is read back from the WARC archive and goes through the parse
stage again (forced: parsed even by a parser that saw it). Same parser, same bytes: identical
facts, nothing changes. The contents that are their reports' current versions go last (a pass of
their own), so that a report with several sources (an HTML page and its PDF) keeps the source it
had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from storage.api import PendingDocument, Store
from storage.db import read_connection
from storage.documents import documents
from storage.parse_stage import ParseReport, ParseStage
from storage.reports import reports, versions


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Order parser versions numerically part by part: 1.10.0 > 1.9.2."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-+]", version))


@dataclass(frozen=True)
class ReportSelector:
    """`--report` value: a report id, AGENCY:YEAR or AGENCY (all its years)."""

    id: int | None = None
    agency: str | None = None
    year: int | None = None

    @classmethod
    def parse(cls, value: str) -> ReportSelector:
        if value.isdigit():
            return cls(id=int(value))
        agency, _, year = value.rpartition(":")
        if agency and year.isdigit():
            return cls(agency=agency, year=int(year))
        return cls(agency=value)

    def matches(self, report_id: int | None, agency: str | None, year: int | None) -> bool:
        if self.id is not None:
            return report_id == self.id
        return agency == self.agency and (self.year is None or year == self.year)


@dataclass(frozen=True)
class Candidate:
    sha256: str
    document_id: int
    url: str
    fetched_at: datetime
    is_current: bool
    first_version: int
    # the listing title the crawl recorded, else the newest version's (a scan's came from it)
    title: str | None

    @property
    def document(self) -> PendingDocument:
        return PendingDocument(self.document_id, self.sha256, self.url, self.fetched_at, self.title)


def candidates(
    conn: Connection, *, since_parser: str | None = None, selectors: list[ReportSelector] | None = None
) -> list[Candidate]:
    """The archived contents to parse again, in the order to parse them."""
    rows = conn.execute(
        select(
            versions.c.id,
            versions.c.sha256,
            versions.c.document_id,
            versions.c.parser_version,
            versions.c.report_id,
            versions.c.title,
            reports.c.agency,
            reports.c.year,
            reports.c.current_version_id,
            documents.c.url,
            documents.c.fetched_at,
            func.coalesce(documents.c.listed_title, versions.c.title).label("listed_title"),
        )
        .join(documents, documents.c.id == versions.c.document_id)
        .outerjoin(reports, reports.c.id == versions.c.report_id)
        .order_by(versions.c.id)
    ).all()
    latest: dict[str, list] = {}  # sha256 -> the versions of that content
    for row in rows:
        latest.setdefault(row.sha256, []).append(row)
    chosen: list[Candidate] = []
    for sha, rows_of_content in latest.items():
        newest = max(rows_of_content, key=lambda r: version_key(r.parser_version))
        if since_parser and version_key(newest.parser_version) < version_key(since_parser):
            continue
        if selectors and not any(s.matches(newest.report_id, newest.agency, newest.year) for s in selectors):
            continue
        is_current = any(r.id == r.current_version_id for r in rows_of_content)
        first = rows_of_content[0]
        chosen.append(
            Candidate(
                sha, first.document_id, first.url, first.fetched_at, is_current, first.id, newest.listed_title
            )
        )
    return sorted(chosen, key=lambda c: (c.is_current, c.first_version))


def reparse(
    store: Store,
    stage: ParseStage,
    *,
    since_parser: str | None = None,
    selectors: list[ReportSelector] | None = None,
) -> tuple[ParseReport, int]:
    """Parse the selected archived contents again (`stage` forced); returns its report and the
    number of contents selected."""
    with read_connection(store.engine) as conn:
        todo = candidates(conn, since_parser=since_parser, selectors=selectors)
    stage.run(c.document for c in todo if not c.is_current)
    report = stage.run(c.document for c in todo if c.is_current)
    return report, len(todo)
