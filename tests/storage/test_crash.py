"""SIGKILL in the middle of `nianbao ingest`: no half-written report or batch, and a re-run completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from storage.api import Store
from storage.db import read_connection
from storage.documents import contents
from tests.samples import ZHONGMU_TEXT
from tests.storage.helpers import count, facts, ingest_paths, reports, versions

CITIES = ("郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌")
YEARS = (2021, 2022, 2023)
REPO = Path(__file__).resolve().parents[2]


def _thirty_reports(target: Path) -> None:
    """zhongmu-2023.txt as thirty reports: ten agencies x three years."""
    target.mkdir()
    for city in CITIES:
        for year in YEARS:
            variant = ZHONGMU_TEXT.replace("中牟县", f"{city}市").replace("2023", str(year))
            (target / f"{city}-{year}.txt").write_text(variant, encoding="utf-8")


def _assert_whole_reports(store: Store) -> int:
    """Every stored report has a current version with all its facts; returns the report count."""
    with read_connection(store.engine) as conn:
        per_version = dict(
            conn.execute(select(facts.c.version_id, func.count()).group_by(facts.c.version_id)).all()
        )
        rows = conn.execute(
            select(reports.c.id, reports.c.current_version_id, versions.c.fact_count).join(
                versions, versions.c.id == reports.c.current_version_id, isouter=True
            )
        ).all()
        for sha in conn.execute(select(contents.c.sha256)).scalars():
            assert store.read(sha)  # every indexed document reads back (sha256 checked)
    for report_id, version_id, fact_count in rows:
        assert version_id is not None, f"report {report_id} without a version"
        assert fact_count == 200 and per_version.get(version_id) == 200
    assert count(store, versions) == len(rows)
    return len(rows)


def test_sigkill_during_ingest_leaves_whole_reports(database_url: str, tmp_path: Path) -> None:
    docs, archive = tmp_path / "docs", tmp_path / "archive"
    _thirty_reports(docs)
    with Store(database_url, str(archive)) as store:  # schema first: the child only writes
        env = {**os.environ, "NIANBAO_DATABASE_URL": database_url, "NIANBAO_ARCHIVE": str(archive)}
        env |= {"NIANBAO_BATCH_REPORTS": "2", "NIANBAO_BATCH_MS": "600000"}  # group commits of 2
        child = subprocess.Popen(
            [sys.executable, "-m", "nianbao", "ingest", "-q", str(docs)],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while count(store, reports) < 4 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""

        done_before = _assert_whole_reports(store)
        assert 4 <= done_before < 30 and done_before % 2 == 0  # whole batches only

        report, failed = ingest_paths(store, [str(docs)])
        counts = report.counts
        assert failed == 0
        assert counts.reports_inserted == 30 - done_before
        assert counts.inserted == 200 * (30 - done_before) and counts.updated == 0
        assert _assert_whole_reports(store) == 30
        assert count(store, facts) == 6000
