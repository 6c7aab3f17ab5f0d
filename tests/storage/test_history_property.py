"""Property: whatever sequence of documents a report goes through, the store answers "what did we
believe at time T" exactly as it answered at T, every version keeps its own facts, and storing the
same thing twice changes nothing."""

from __future__ import annotations

import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.model import CellRef, Fact, ParseResult
from storage.api import Store
from storage.db import read_connection, utcnow
from storage.history import facts_as_of, version_facts
from storage.reports import versions
from tests.storage.conftest import migrated
from tests.storage.helpers import archive, store_parse

KEYS = (
    ("requests", "new_received", "total"),
    ("requests", "total", "total"),
    ("review_litigation", "review", "total"),
)
AGENCY, YEAR = "样例县人民政府", 2023

step = st.tuples(
    st.integers(0, 2),  # which address publishes it
    st.lists(st.integers(0, 3), min_size=3, max_size=3),  # the three numbers
    st.integers(0, 3),  # how many of the keys the parse found (0: a page without tables)
)


def _parse(url: str, values: list[int], found: int) -> ParseResult:
    facts = [
        Fact(t, r, c, v, str(v), cell=CellRef(line=i))
        for i, ((t, r, c), v) in enumerate(zip(KEYS, values, strict=True))
    ]
    return ParseResult(url, "parsed" if found else "no_tables", agency=AGENCY, year=YEAR, facts=facts[:found])


def _belief(store: Store, report_id: int | None, when) -> dict:  # type: ignore[no-untyped-def]
    if report_id is None:
        return {}
    with read_connection(store.engine) as conn:
        return {k: (v["value"], v["version_id"]) for k, v in facts_as_of(conn, report_id, when).items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=6))
def test_history_reproduces_every_past_belief(steps: list[tuple[int, list[int], int]]) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Store(migrated(f"sqlite:///{tmp}/h.db"), f"{tmp}/archive") as store,
    ):
        seen: list[tuple] = []  # (time, belief then)
        made: dict[int, ParseResult] = {}  # version id -> the parse that made it
        report_id = None
        for where, values, found in steps:
            url = f"https://www.example.gov.cn/ndbg/{where}.html"
            body = f"{url} {values} {found}".encode()
            doc = archive(store, url, body)
            result = _parse(url, values, found)
            store_parse(store, doc, result)
            again = store_parse(store, doc, result)
            assert (again.inserted, again.updated, again.versions_inserted, again.reports_updated) == (
                0,
                0,
                0,
                0,
            )
            with read_connection(store.engine) as conn:
                version = conn.execute(versions.select().where(versions.c.sha256 == doc.sha256)).one()
            report_id = version.report_id
            made.setdefault(version.id, result)
            now = utcnow()
            seen.append((now, _belief(store, report_id, now)))

        for when, belief in seen:
            assert _belief(store, report_id, when) == belief
        with read_connection(store.engine) as conn:
            for version_id, result in made.items():
                stored = {k: v["value"] for k, v in version_facts(conn, version_id).items()}
                assert stored == {f.key: f.value for f in result.facts} or not result.facts
