"""Cross-year checks on mirror report pairs: what 2023 carried over is what 2022 carried forward,
and documents in force follow from the year before; stored and exported as checks of the later
report, evaluated again when either year changes, and not evaluable (never failing) over a
blank cell."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select

from mirror.generate import generate_report
from mirror.render import render_html
from mirror.report_spec import ReportSpec
from pipelines.parse import parse_bytes
from storage.api import Store
from storage.db import read_connection
from storage.export import export
from storage.reports import checks
from storage.status import status
from tests.storage.helpers import archive, reports, store_parse, versions

AGENCY = "郏县人民政府"


def _spec(year: int) -> ReportSpec:
    return generate_report(random.Random(year), agency=AGENCY, year=year, fmt="2021", chained=True)


def _store(store: Store, spec: ReportSpec, *, version: str = "", blank: tuple = ()) -> None:  # type: ignore[type-arg]
    body = render_html(spec, blank_cells=blank) + version.encode()
    url = f"https://www.jiaxian.gov.cn/ndbg/{spec.year}.html"
    doc = archive(store, url, body)
    result = parse_bytes(body, url)
    assert (result.agency, result.year, len(result.facts)) == (AGENCY, spec.year, 200)
    store_parse(store, doc, result)


def _cross_year(store: Store, year: int) -> dict[str, bool | None]:
    with read_connection(store.engine) as conn:
        rows = conn.execute(
            select(checks.c.identity, checks.c.ok)
            .join(versions, versions.c.id == checks.c.version_id)
            .join(reports, reports.c.current_version_id == versions.c.id)
            .where(reports.c.year == year, checks.c.rule.like("cross_year.%"))
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def _column(spec: ReportSpec, row: str, *, nonzero: bool = True) -> str:
    """The first applicant column whose `row` is (or is not) 0."""
    columns = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
    return next(c for c in columns if bool(spec.value("requests", row, c)) == nonzero)


def test_a_consistent_pair_passes_and_each_break_is_caught(store: Store) -> None:
    earlier, later = _spec(2022), _spec(2023)
    _store(store, later)  # the later year first: nothing to compare with yet
    assert _cross_year(store, 2023) == {}
    _store(store, earlier)  # storing 2022 evaluates the pair it starts
    found = _cross_year(store, 2023)
    assert len(found) == 9 and all(found.values()), found  # 7 columns + regulations + normative documents
    assert _cross_year(store, 2022) == {}  # no 2021 report

    # 2023 says it carried over one more request than 2022 carried forward (its own table still adds up)
    column = _column(later, "new_received")
    broken = _spec(2023)
    requests = broken.facts["requests"]
    for key in (column, "total"):
        requests[f"carried_over.{key}"] += 1
        requests[f"new_received.{key}"] -= 1
    # and one more regulation in force than 2022's plus those issued less those repealed
    broken.facts["disclosure"]["regulations.in_force"] += 1
    _store(store, broken, version="<!-- corrected -->")
    failing = {identity for identity, ok in _cross_year(store, 2023).items() if ok is False}
    assert failing == {
        f"cross_year.carried_over[{column}]",
        "cross_year.carried_over[total]",
        "cross_year.in_force[regulations]",
    }
    (listed,) = status(store.engine)["portals"][0]["failing_reports"]
    assert (listed["year"], {c["rule"] for c in listed["checks"]}) == (
        2023,
        {
            f"cross_year.carried_over[{column}]",
            "cross_year.carried_over[total]",
            "cross_year.in_force[regulations]",
        },
    )


def test_a_change_of_the_earlier_year_is_checked_again(store: Store, tmp_path: Path) -> None:
    earlier, later = _spec(2022), _spec(2023)
    _store(store, earlier)
    _store(store, later)
    assert all(_cross_year(store, 2023).values())
    # a new version of 2022 carrying forward one more (and processing one fewer)
    changed = _spec(2022)
    column = _column(changed, "granted")
    for key in (column, "total"):
        changed.facts["requests"][f"carried_forward.{key}"] += 1
        changed.facts["requests"][f"granted.{key}"] -= 1
        changed.facts["requests"][f"total.{key}"] -= 1
    _store(store, changed, version="<!-- v2 -->")
    failing = {identity for identity, ok in _cross_year(store, 2023).items() if ok is False}
    assert failing == {f"cross_year.carried_over[{column}]", "cross_year.carried_over[total]"}

    feed = export(store.engine, tmp_path / "feed")
    rows = pq.read_table(feed.directory / "checks.parquet").to_pylist()
    bad = [r for r in rows if r["identity"] == f"cross_year.carried_over[{column}]"]
    assert [(r["year"], r["ok"], r["cause"]) for r in bad] == [(2023, False, "source")]
    assert '"year": 2022' in bad[0]["cells"] and '"year": 2023' in bad[0]["cells"]
    facts = pq.read_table(feed.directory / "facts.parquet").to_pylist()
    flagged = {(f["year"], f["row_key"], f["column_key"]) for f in facts if f["check_status"] == "failed"}
    # exactly the cells compared, each in its own year's report
    for year, row in ((2022, "carried_forward"), (2023, "carried_over")):
        assert (year, row, column) in flagged
    assert (2023, "carried_forward", column) not in flagged and (2022, "carried_over", column) not in flagged


def test_a_blank_side_is_not_evaluable_not_a_failure(store: Store, tmp_path: Path) -> None:
    earlier, later = _spec(2022), _spec(2023)
    # a 0 printed blank: the report's own identities hold (a blank counts as 0 within a report)
    column = _column(earlier, "carried_forward", nonzero=False)
    _store(store, earlier, blank=[("requests", "carried_forward", column)])
    _store(store, later)
    found = _cross_year(store, 2023)
    assert found.pop(f"cross_year.carried_over[{column}]") is None
    assert len(found) == 8 and all(found.values())
    assert status(store.engine)["totals"]["reports_failing_checks"] == 0
    rows = pq.read_table(export(store.engine, tmp_path / "feed").directory / "checks.parquet").to_pylist()
    (row,) = [r for r in rows if r["identity"] == f"cross_year.carried_over[{column}]"]
    assert row["ok"] is None and row["cause"] is None and row["detail"].startswith("not evaluable")
