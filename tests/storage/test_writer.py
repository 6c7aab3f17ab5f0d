"""The one write connection: kept between transactions, reconnected by the retry when lost."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage.api import Store
from storage.ingest import ingest


@pytest.mark.postgres
def test_lost_write_connection_is_reconnected(
    postgres: str, tmp_path: Path, seed_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Store(postgres, str(tmp_path / "archive")) as store:
        first, _ = ingest(store, [str(seed_dir)])
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
            again, failed = ingest(store, [str(seed_dir)])
    assert failed == 0
    assert any("Retrying" in record.message for record in caplog.records)
    assert (first.inserted, again.inserted, again.unchanged) == (1000, 0, 1000)
