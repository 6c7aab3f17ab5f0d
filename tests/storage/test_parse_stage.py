"""The parse stage: pending documents from the archive, group commits with a savepoint per report,
workers that die or hang, an archive that is not readable here, a kill mid-batch."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DataError

from pipelines.model import ParseResult
from pipelines.parse import PARSER_VERSION
from storage import reports as stored_reports
from storage.api import Fetched, PendingDocument, Store
from storage.migrate import migrated_engine
from storage.parse_stage import Outcome, ParseStage, parse_document
from tests.stage_fixtures import ROOT, html_reports

N_REPORTS = 25


@pytest.fixture
def migrated(database_url: str, tmp_path: Path) -> Iterator[Store]:
    with migrated_engine(database_url):
        pass
    with Store(database_url, str(tmp_path / "archive")) as store:
        yield store


def archive_reports(store: Store, count: int) -> list[PendingDocument]:
    for report, body in html_reports(count):
        store.archive(Fetched(f"http://mirror.test/{report.index}.html", body, parse=True, portal="p"))
    return store.pending(PARSER_VERSION, limit=1000)


def stage(store: Store, **kwargs: object) -> ParseStage:
    options: dict = {"workers": 0, "batch_reports": 10, "batch_ms": 60_000, **kwargs}
    return ParseStage(store, **options)


def test_pending_documents_are_parsed_in_group_commits(migrated: Store) -> None:
    pending = archive_reports(migrated, N_REPORTS)
    assert len(pending) == N_REPORTS
    commits: list[int] = []
    event.listen(migrated.engine, "commit", lambda _conn: commits.append(1))
    report = stage(migrated).run(pending)
    assert report.outcomes["p"] == {Outcome.NEW: N_REPORTS}
    assert len(commits) == 3  # 10 + 10 + 5 reports
    assert migrated.pending(PARSER_VERSION) == []
    # one report per generated (agency, year), each with its facts
    with migrated.engine.connect() as conn:
        query = select(stored_reports.reports.c.agency, stored_reports.reports.c.year).join(
            stored_reports.facts, stored_reports.facts.c.report_id == stored_reports.reports.c.id
        )
        stored = set(conn.execute(query.distinct()).all())
    assert stored == {(r.agency, r.year) for r, _ in html_reports(N_REPORTS)}
    again = stage(migrated).run(pending)  # nothing left to do: every content was parsed
    assert again.outcomes["p"] == {Outcome.SKIPPED: N_REPORTS}


def test_a_report_the_database_refuses_does_not_sink_its_batch(
    migrated: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = archive_reports(migrated, 5)
    refused = pending[2].sha256
    real = stored_reports.store_parse

    def store_parse(conn, source, result, **kwargs):  # type: ignore[no-untyped-def]
        if source.sha256 == refused and result.status != "error":
            raise DataError("INSERT ...", {}, ValueError("value too long for type character varying(300)"))
        return real(conn, source, result, **kwargs)

    monkeypatch.setattr(stored_reports, "store_parse", store_parse)
    report = stage(migrated).run(pending)
    assert report.outcomes["p"] == {Outcome.NEW: 4, Outcome.FAILED: 1}
    assert any("value too long" in line and refused[:12] in line for line in report.problems)
    # recorded as a failed parse: not pending any more, the reason kept with the version
    assert migrated.pending(PARSER_VERSION) == []
    with migrated.engine.connect() as conn:
        status, messages = conn.execute(
            select(stored_reports.versions.c.status, stored_reports.versions.c.messages).where(
                stored_reports.versions.c.sha256 == refused
            )
        ).one()
    assert (
        status == "error" and messages[0]["code"] == "not_stored" and "value too long" in messages[0]["text"]
    )


def crash_or_hang(body: bytes, url: str, listed_title: str | None) -> ParseResult:
    """A parser that dies on one document and never returns on another (run in the workers)."""
    if url.endswith("/crash.html"):
        os._exit(3)
    if url.endswith("/hang.html"):
        time.sleep(3600)
    return parse_document(body, url, listed_title)


def test_a_dying_or_hanging_parser_fails_only_its_document(migrated: Store) -> None:
    good = archive_reports(migrated, 4)
    for name in ("crash", "hang"):
        body = f"<html><body>{name}</body></html>".encode()
        migrated.archive(Fetched(f"http://mirror.test/{name}.html", body, parse=True, portal="p"))
    pending = migrated.pending(PARSER_VERSION, limit=100)
    assert len(pending) == len(good) + 2
    report = stage(migrated, workers=2, parse=crash_or_hang, hard_deadline_s=6).run(pending)
    assert report.outcomes["p"] == {Outcome.NEW: 4, Outcome.FAILED: 2}, report.problems
    problems = "\n".join(report.problems)
    assert "crash.html" in problems and "process died" in problems
    assert "hang.html" in problems and "hard deadline" in problems
    assert migrated.pending(PARSER_VERSION) == []


def test_an_archive_not_readable_here_fails_loudly_and_stays_pending(migrated: Store) -> None:
    pending = archive_reports(migrated, 3)
    migrated.warc.close()
    for warc in migrated.archive_dir.glob("*.warc.gz"):
        warc.rename(warc.with_suffix(".moved"))
    report = stage(migrated).run(pending)
    assert report.outcomes["p"] == {Outcome.UNREADABLE: 3}
    assert all(str(migrated.archive_dir) in line for line in report.problems)
    assert len(migrated.pending(PARSER_VERSION)) == 3  # the next run (where it is readable) parses them


def _facts(db: Path) -> set[tuple]:
    with sqlite3.connect(db) as conn:
        return set(
            conn.execute(
                "select r.agency, r.year, f.table_key, f.row_key, f.column_key, f.value, f.raw, f.blank,"
                " f.inferred from facts f join reports r on r.id = f.report_id"
            )
        )


def _parse_pending(db: Path, archive: Path, **env: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "nianbao", "parse-pending", "--workers", "0"]
    cmd += ["--db", f"sqlite:///{db}", "--archive", str(archive)]
    return subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.slow
def test_sigkill_mid_batch_then_parse_pending_gives_the_uninterrupted_facts(tmp_path: Path) -> None:
    count = 240
    for name in ("killed", "whole"):
        url = f"sqlite:///{tmp_path / name}.db"
        with migrated_engine(url):
            pass
        with Store(url, str(tmp_path / f"{name}-archive")) as store:
            archive_reports(store, count)
    whole = _parse_pending(tmp_path / "whole.db", tmp_path / "whole-archive")
    assert whole.wait(timeout=300) == 0
    batches = {"NIANBAO_BATCH_REPORTS": "7", "NIANBAO_BATCH_MS": "600000"}
    killed = _parse_pending(tmp_path / "killed.db", tmp_path / "killed-archive", **batches)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with sqlite3.connect(tmp_path / "killed.db", timeout=5) as conn:
            done = conn.execute("select count(*) from report_versions").fetchone()[0]
        if done >= 30:
            break
        assert killed.poll() is None, "parse-pending finished before it could be killed"
        time.sleep(0.05)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    with sqlite3.connect(tmp_path / "killed.db") as conn:
        done = conn.execute("select count(*) from report_versions").fetchone()[0]
    assert 30 <= done < count and done % 7 == 0  # whole batches only
    resumed = _parse_pending(tmp_path / "killed.db", tmp_path / "killed-archive")
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0 and f"{count - done} new" in out.decode()
    assert _facts(tmp_path / "killed.db") == _facts(tmp_path / "whole.db")
    assert len({fact[:2] for fact in _facts(tmp_path / "whole.db")}) == count
