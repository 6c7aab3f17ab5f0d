"""Reading the database back in tests: facts as comparable tuples, counts of rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from pipelines.model import ParseResult
from pipelines.parse import PARSER_VERSION
from storage.api import ArchivedDocument, Fetched, PendingDocument, Store, UpsertCounts
from storage.db import read_connection
from storage.ingest import ingest
from storage.parse_stage import ParseReport, ParseStage
from storage.reparse import reparse
from storage.reports import FACT_CONTENT, facts, history, reports, versions
from tests.samples import ZHONGMU

# The sample report tests change (tests/samples.py), and one printed number of it:
# granted, natural_person 24 -> 25 with the row total kept
CHANGED_FILE = ZHONGMU.name
CHANGED_AGENCY, CHANGED_YEAR = "中牟县人民政府办公室", 2023
CHANGED_LINE = ("(一) 予以公开\t24\t".encode(), "(一) 予以公开\t25\t".encode())


def fact_snapshot(store: Store) -> dict[tuple[str, int, str, str, str], tuple[Any, ...]]:
    """(agency, year, table, row, column) -> version sha256, parser version, content."""
    query = (
        select(
            reports.c.agency,
            reports.c.year,
            facts.c.table_key,
            facts.c.row_key,
            facts.c.column_key,
            versions.c.sha256,
            versions.c.parser_version,
            *(facts.c[name] for name in FACT_CONTENT),
            facts.c.first_seen,
            facts.c.changed_at,
        )
        .join(reports, reports.c.id == facts.c.report_id)
        .join(versions, versions.c.id == facts.c.version_id)
    )
    with read_connection(store.engine) as conn:
        return {tuple(row[:5]): tuple(row[5:]) for row in conn.execute(query)}


FACTS_SEEN = facts.join(versions, versions.c.id == facts.c.version_id)  # a fact's last_seen is its version's


def count(store: Store, table, *where) -> int:  # type: ignore[no-untyped-def]
    with read_connection(store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def report_id(store: Store, agency: str, year: int) -> int:
    with read_connection(store.engine) as conn:
        return int(
            conn.execute(
                select(reports.c.id).where(reports.c.agency == agency, reports.c.year == year)
            ).scalar_one()
        )


def archive(store: Store, url: str, body: bytes, **fields: Any) -> ArchivedDocument:
    return store.archive(Fetched(url, body, **fields))


def ingest_paths(store: Store, targets: list[str], **kwargs: Any) -> tuple[ParseReport, int]:
    """`nianbao ingest`: archive the targets, parse them in this process."""
    return ingest(store, targets, ParseStage(store, workers=0), **kwargs)


def reparse_all(store: Store, parser_version: str | None = None, **kwargs: Any) -> tuple[ParseReport, int]:
    """`nianbao reparse`, by this parser or one standing in for a newer version."""
    stage = ParseStage(store, workers=0, force=True, parser_version=parser_version)
    return reparse(store, stage, **kwargs)


def store_parse(
    store: Store,
    doc: ArchivedDocument,
    result: ParseResult,
    *,
    portal: str | None = None,
    region: str | None = None,
) -> UpsertCounts:
    """One parse stored as the parse stage stores it."""
    pending = PendingDocument(doc.document_id, doc.sha256, doc.url, doc.fetched_at, None, portal, region)
    (counts,) = store.store_parses([(pending, result)], PARSER_VERSION)
    assert isinstance(counts, UpsertCounts), counts
    return counts


__all__ = [
    "CHANGED_AGENCY",
    "CHANGED_FILE",
    "CHANGED_LINE",
    "CHANGED_YEAR",
    "archive",
    "count",
    "fact_snapshot",
    "facts",
    "history",
    "ingest_paths",
    "reparse_all",
    "report_id",
    "reports",
    "store_parse",
    "versions",
]
