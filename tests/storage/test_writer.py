"""The write path: one connection kept between transactions (reconnected by the retry when
lost), and facts of a version stored again with a change."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from pipelines.parse import parse_bytes
from storage.api import Store
from storage.ingest import file_url
from storage.parse_stage import Outcome
from tests.storage.helpers import (
    CHANGED_FILE,
    FACTS_SEEN,
    archive,
    count,
    facts,
    history,
    ingest_paths,
    store_parse,
    versions,
)


@pytest.mark.postgres
def test_lost_write_connection_is_reconnected(
    postgres: str, tmp_path: Path, sample_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Store(postgres, str(tmp_path / "archive")) as store:
        first, _ = ingest_paths(store, [str(sample_dir)])
        killer = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with killer.connect() as conn:  # as a server restart would: every other session ends
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        killer.dispose()
        assert ended >= 1
        with caplog.at_level(logging.WARNING, logger="storage.db"):
            again, failed = ingest_paths(store, [str(sample_dir)])
    assert failed == 0
    assert any("Retrying" in record.message for record in caplog.records)
    assert (first.counts.inserted, again.counts.inserted, again.total(Outcome.SKIPPED)) == (1000, 0, 5)


def test_same_version_stored_again_with_one_fact_changed(store: Store, sample_dir: Path) -> None:
    """The changed fact is updated (its old state to history), the others only seen again: on
    PostgreSQL one statement does both, on rows it must keep apart."""
    path = sample_dir / CHANGED_FILE
    body = path.read_bytes()
    result = parse_bytes(body, path.name)
    doc = archive(store, file_url(path), body)
    first = store_parse(store, doc, result)
    changed = dataclasses.replace(result.facts[0], value=(result.facts[0].value or 0) + 1, raw="changed")
    second = store_parse(store, doc, dataclasses.replace(result, facts=[changed, *result.facts[1:]]))
    third = store_parse(store, doc, dataclasses.replace(result, facts=[changed, *result.facts[1:]]))

    assert (first.inserted, first.updated, first.unchanged) == (200, 0, 0)
    assert (second.inserted, second.updated, second.unchanged, second.versions_inserted) == (0, 1, 199, 0)
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 200)
    assert count(store, history) == 1
    assert count(store, facts, facts.c.raw == "changed") == 1
    assert count(store, FACTS_SEEN, versions.c.last_seen > facts.c.first_seen) == 200
