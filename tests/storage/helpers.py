"""Reading the database back in tests: facts as comparable tuples, counts of rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.api import Store
from storage.db import read_connection
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


__all__ = [
    "CHANGED_AGENCY",
    "CHANGED_FILE",
    "CHANGED_LINE",
    "CHANGED_YEAR",
    "count",
    "fact_snapshot",
    "facts",
    "history",
    "report_id",
    "reports",
    "versions",
]
