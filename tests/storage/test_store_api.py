"""The Store API as the crawler uses it: portals, statuses without facts, retries, the commands."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import storage.db
from nianbao.cli import main
from nianbao.exit_codes import ExitCode
from pipelines.messages import message
from pipelines.model import ParseResult
from storage.api import Store
from storage.db import read_connection
from storage.documents import portals
from storage.export import export
from storage.migrate import head_revision
from tests.storage.conftest import migrated
from tests.storage.helpers import archive, count, reports, store_parse, versions

LIST_URL = "https://www.zhengzhou.gov.cn/zfxxgk/ndbg/index.html"
REPORT_URL = "https://www.zhengzhou.gov.cn/zfxxgk/ndbg/2015.html"


def test_portals_regions_and_pre2019_reports(store: Store, tmp_path: Path) -> None:
    store.upsert_portal("zhengzhou", level="city", region="河南省郑州市", family="trs", base_url=LIST_URL)
    store.upsert_portal("zhengzhou", level="city", region="河南省郑州市", family="trs", base_url=LIST_URL)
    store.record_portal_state("zhengzhou", blocked="HTTP 403 on every page")
    archive(store, LIST_URL, b"<html>list</html>", portal="zhengzhou")  # list pages are kept too
    doc = archive(store, REPORT_URL, "2015年度报告全文".encode(), portal="zhengzhou")
    old = ParseResult(REPORT_URL, "pre2019", agency="郑州市人民政府", year=2015, text="2015年度报告全文")
    counts = store_parse(store, doc, old, portal="zhengzhou", region="河南省郑州市")
    assert (counts.reports_inserted, counts.inserted, counts.versions_inserted) == (1, 0, 1)

    with read_connection(store.engine) as conn:
        portal = conn.execute(portals.select()).one()
        report = conn.execute(reports.select()).one()
        version = conn.execute(versions.select()).one()
    assert (portal.name, portal.blocked, portal.family) == ("zhengzhou", "HTTP 403 on every page", "trs")
    assert (report.status, report.region, report.portal_id, report.source_url) == (
        "pre2019",
        "河南省郑州市",
        portal.id,
        REPORT_URL,
    )
    assert version.text == "2015年度报告全文"
    store.record_portal_state("zhengzhou", blocked=None)
    with read_connection(store.engine) as conn:
        assert conn.execute(select(portals.c.blocked)).scalar_one() is None
    feed = export(store.engine, tmp_path / "feed", fmt="csv")
    assert feed.rows == {"facts": 0, "reports": 1, "checks": 0, "code_lists": 405, "runs": 0, "portals": 1}


def test_a_parse_without_agency_or_year_keeps_document_and_version_only(store: Store) -> None:
    doc = archive(store, REPORT_URL, b"\x89PNG scanned page", content_type="image/png")
    result = ParseResult(REPORT_URL, "unsupported", kind="image", messages=[message("unsupported_image")])
    counts = store_parse(store, doc, result)
    assert (counts.reports_inserted, counts.versions_inserted) == (0, 1)
    assert count(store, reports) == 0
    with read_connection(store.engine) as conn:
        version = conn.execute(versions.select()).one()
    assert (version.report_id, version.status, version.messages) == (
        None,
        "unsupported",
        [{"code": "unsupported_image", "text": "image file: a scanned report needs OCR", "params": {}}],
    )
    assert store_parse(store, doc, result).versions_inserted == 0


def test_locked_sqlite_is_retried_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_MS", 20)
    path = tmp_path / "locked.db"
    with Store(migrated(f"sqlite:///{path}"), str(tmp_path / "archive")) as store:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock for a while
        threading.Timer(0.2, other.execute, args=("COMMIT",)).start()
        with caplog.at_level(logging.WARNING, logger="storage.db"):
            doc = archive(store, LIST_URL, b"waited for the lock")
        assert store.read(doc.sha256) == b"waited for the lock"
        assert any("locked" in r.getMessage() for r in caplog.records)

        monkeypatch.setattr(storage.db, "RETRY_ATTEMPTS", 2)
        other.execute("BEGIN IMMEDIATE")  # held for good: the retries are bounded
        with pytest.raises(OperationalError, match="locked"):
            archive(store, LIST_URL, b"never stored")
        other.execute("ROLLBACK")
        other.close()


def test_commands(
    database_url: str, sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--db", database_url]
    archive = ["--archive", str(tmp_path / "archive")]
    assert main(["db", "upgrade", *where]) == 0
    assert f"at revision {head_revision()}" in capsys.readouterr().out
    assert main(["ingest", "-q", *where, *archive, str(sample_dir)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("total: documents: 5 new; reports: 5 inserted, 0 updated, 0 unchanged")
    assert err.startswith("database: ") and "archive: " in err  # which database a command uses
    assert main(["ingest", *where, *archive, str(sample_dir)]) == 0
    out = capsys.readouterr().out
    assert "total: documents: 5 skipped; reports: 0 inserted, 0 updated, 0 unchanged" in out
    assert out.count(": skipped") == 5 and out.count("file://") == 5
    assert main(["reparse", "-q", *where, *archive, "--report", "中牟县人民政府办公室:2023"]) == 0
    reparsed = capsys.readouterr().out
    assert (
        "reparsed 1 documents: documents: 1 unchanged; reports: 0 inserted, 0 updated, 1 unchanged"
        in reparsed
    )
    assert main(["ingest", *where, *archive, str(tmp_path / "missing.pdf")]) == ExitCode.REPORTS_FAILED
    assert "cannot read" in capsys.readouterr().out
    assert main(["export", *where, "--out", str(tmp_path / "feed"), "--since", "2000-01-01T00:00:00Z"]) == 0
    assert "facts: 1000, reports: 5, checks: 214" in capsys.readouterr().out  # 210 identities, 4 narrative
    for path in sample_dir.iterdir():  # each form's bytes back exactly
        assert main(["archived", *where, *archive, f"file://{path}", "--out", str(tmp_path / "back")]) == 0
        assert (tmp_path / "back").read_bytes() == path.read_bytes()
    assert main(["archived", *where, *archive, "0" * 64]) == ExitCode.USAGE  # nothing by that name
    assert main(["status", "--db", database_url]) == 0
    status = capsys.readouterr().out
    assert (
        "(no portal)\n  last crawl: none recorded\n  reports by year: 2021: 1, 2022: 1, 2023: 1, 2024: 2"
        in status
    )
    assert ", facts 1000" in status.splitlines()[0]
    assert main(["runs", "--db", database_url, "--json"]) == 0
    recorded = json.loads(capsys.readouterr().out)
    assert [(r["command"], r["exit_code"], r["state"]) for r in recorded] == [
        ("export", 0, "finished"),
        ("ingest", ExitCode.REPORTS_FAILED, "finished"),
        ("reparse", 0, "finished"),
        ("ingest", 0, "finished"),
        ("ingest", 0, "finished"),
    ]
    assert recorded[1]["counts"]["inputs_unreadable"] == 1
    assert recorded[-1]["counts"]["parsed"] == {"new": 5}
