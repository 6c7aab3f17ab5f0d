"""Migrations keep the data: down to 0001 and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from pipelines.parse import PARSER_VERSION
from storage.api import Store
from storage.db import read_connection
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from tests.storage.helpers import fact_snapshot, ingest_paths, reparse_all


def _seen(store: Store, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    with read_connection(store.engine) as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_fact_last_seen_survives_down_and_up(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    ingest_paths(store, [str(sample_dir)])  # versions seen again: last_seen > first_seen
    before = fact_snapshot(store)

    downgrade(store.engine, "0001")
    assert current_revision(store.engine) == "0001"
    # 0001 kept last_seen on every fact: the downgrade fills it from the fact's version
    mismatched = _seen(
        store,
        "SELECT count(*) FROM facts f JOIN report_versions v ON v.id = f.version_id"
        " WHERE f.last_seen <> v.last_seen OR f.last_seen <= f.first_seen",
    )
    assert mismatched == [(0,)]
    assert _seen(store, "SELECT count(*) FROM facts") == [(1000,)]

    upgrade(store.engine)
    assert current_revision(store.engine) == head_revision()
    assert "last_seen" not in {c["name"] for c in inspect(store.engine).get_columns("facts")}
    assert fact_snapshot(store) == before
    # 0003: every document that was parsed is a report document again, and none is pending
    assert _seen(store, "SELECT count(*) FROM documents WHERE parse") == [(5,)]
    assert store.pending(PARSER_VERSION) == []


def test_a_fact_cannot_name_another_reports_version(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    (first, second) = _seen(store, "SELECT id, current_version_id FROM reports ORDER BY id LIMIT 2")
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(
            text("UPDATE facts SET version_id = :other WHERE report_id = :report"),
            {"other": second[1], "report": first[0]},
        )


def test_0007_agencies_down_and_up_keep_the_reports(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    before = fact_snapshot(store)
    agencies_before = _seen(store, "SELECT a.name, a.division_code FROM agencies a ORDER BY a.name")
    assert len(agencies_before) == 5 and ("中牟县人民政府办公室", "410122") in agencies_before

    downgrade(store.engine, "0006")
    tables = set(inspect(store.engine).get_table_names())
    assert not {"agencies", "agency_aliases"} & tables
    assert "agency_id" not in {c["name"] for c in inspect(store.engine).get_columns("reports")}

    upgrade(store.engine)
    # one agency per report name, its alias, every report keyed to it; codes come with the next parse
    assert _seen(store, "SELECT count(*) FROM reports WHERE agency_id IS NULL") == [(0,)]
    assert _seen(store, "SELECT name, division_code FROM agencies ORDER BY name") == [
        (name, None) for name, _ in agencies_before
    ]
    assert _seen(store, "SELECT count(*) FROM agency_aliases") == [(5,)]
    assert fact_snapshot(store) == before
    reparse_all(store)  # a parse of each report resolves its agency's division
    assert _seen(store, "SELECT name, division_code FROM agencies ORDER BY name") == agencies_before
