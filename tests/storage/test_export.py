"""The warehouse feed read by a real warehouse client (DuckDB): totals, provenance, --since."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipelines.parse import parse_bytes
from storage.api import Store
from storage.db import utcnow
from storage.export import CHECKS_SCHEMA, FACTS_SCHEMA, REPORTS_SCHEMA, export
from storage.ingest import file_url
from tests.samples import samples
from tests.storage.helpers import (
    CHANGED_AGENCY,
    CHANGED_FILE,
    CHANGED_LINE,
    archive,
    ingest_paths,
    store_parse,
)


def _sample_totals() -> dict[tuple[str, int], tuple[float, float]]:
    """(agency, year) -> (requests new_received total, requests processed total)."""
    return {
        (spec.agency, spec.year): (
            spec.value("requests", "new_received", "total"),
            spec.value("requests", "total", "total"),
        )
        for _, spec in samples().values()
    }


def test_duckdb_reads_the_sample_totals_from_parquet(store: Store, sample_dir: Path, tmp_path: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    out = tmp_path / "feed"
    summary = export(store.engine, out, fmt="parquet")
    assert summary.rows == {"facts": 1000, "reports": 5, "checks": 210}

    db = duckdb.connect()
    facts = f"read_parquet('{out / 'facts.parquet'}')"
    reports = f"read_parquet('{out / 'reports.parquet'}')"
    from_facts = db.execute(
        f"""select agency, year,
                   sum(value) filter (where table_key = 'requests' and row_key = 'new_received'
                                      and column_key = 'total'),
                   sum(value) filter (where table_key = 'requests' and row_key = 'total'
                                      and column_key = 'total')
            from {facts} group by agency, year"""
    ).fetchall()
    from_reports = db.execute(
        f"select agency, year, requests_new_received, requests_processed from {reports}"
    ).fetchall()
    expected = _sample_totals()
    assert len(expected) == 5
    assert {(a, y): (n, t) for a, y, n, t in from_facts} == expected
    assert {(a, y): (n, t) for a, y, n, t in from_reports} == expected

    missing = db.execute(
        f"""select count(*) from {facts} where source_url is null or sha256 is null
            or fetched_at is null or parser_version is null"""
    ).fetchone()
    assert missing == (0,)
    assert db.execute(f"select count(distinct sha256), count(*) from {facts}").fetchone() == (5, 1000)
    assert [c[0] for c in db.execute(f"describe select * from {facts}").fetchall()] == FACTS_SCHEMA.names


def test_since_exports_only_what_changed(store: Store, sample_dir: Path, tmp_path: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    first = export(store.engine, tmp_path / "night1")
    assert export(store.engine, tmp_path / "empty", since=first.exported_at).rows == {
        "facts": 0,
        "reports": 0,
        "checks": 0,
    }
    ingest_paths(store, [str(sample_dir)])  # a re-run changes only last_seen: nothing to load
    assert export(store.engine, tmp_path / "still", since=first.exported_at).rows["facts"] == 0

    changed = sample_dir / CHANGED_FILE
    changed.write_bytes(changed.read_bytes().replace(*CHANGED_LINE, 1))
    ingest_paths(store, [str(sample_dir)])
    second = export(store.engine, tmp_path / "night2", fmt="csv", since=first.exported_at)
    assert second.rows == {"facts": 200, "reports": 1, "checks": 42}
    assert first.exported_at < second.exported_at <= utcnow()

    facts = pacsv.read_csv(tmp_path / "night2" / "facts.csv").to_pylist()
    changed = [f for f in facts if (f["row_key"], f["column_key"]) == ("granted", "natural_person")]
    assert changed[0]["value"] == 25 and changed[0]["check_status"] == "failed"
    assert {f["agency"] for f in facts} == {CHANGED_AGENCY}
    assert pacsv.read_csv(tmp_path / "night2" / "reports.csv").column_names == REPORTS_SCHEMA.names
    assert pacsv.read_csv(tmp_path / "night2" / "checks.csv").column_names == CHECKS_SCHEMA.names
    failing = [c for c in pacsv.read_csv(tmp_path / "night2" / "checks.csv").to_pylist() if not c["ok"]]
    assert len(failing) == 2 and {c["cause"] for c in failing} == {"source"}


def test_a_fact_the_new_version_lacks_is_kept_but_not_current(
    store: Store, sample_dir: Path, tmp_path: Path
) -> None:
    path = sample_dir / CHANGED_FILE
    body = path.read_bytes()
    result = parse_bytes(body, path.name)
    store_parse(store, archive(store, file_url(path), body), result)
    newer = archive(store, file_url(path), body + b"\n")  # the page changed
    store_parse(store, newer, dataclasses.replace(result, facts=result.facts[1:]))

    export(store.engine, tmp_path / "feed")
    rows = pq.read_table(tmp_path / "feed" / "facts.parquet").to_pylist()
    current = {(f["table_key"], f["row_key"], f["column_key"]): f["current"] for f in rows}
    dropped = result.facts[0]
    assert len(current) == 200 and sum(current.values()) == 199
    assert current[(dropped.table, dropped.row, dropped.column)] is False


def test_docs_describe_every_exported_column() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "warehouse.md").read_text(encoding="utf-8")
    for schema in (FACTS_SCHEMA, REPORTS_SCHEMA, CHECKS_SCHEMA):
        assert [name for name in schema.names if f"`{name}`" not in doc] == []
