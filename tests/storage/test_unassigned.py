"""A parsed document is never dropped silently: one whose text names its organ and year is filed
under them; one that names neither is counted, listed by `status` as unassigned with what it
lacks, and filed once a later parse can (or its user assigns it with `ingest --agency --year`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pipelines.model import ParseResult
from pipelines.parse import parse_bytes
from storage.api import Store
from storage.db import read_connection
from storage.ingest import ingest
from storage.parse_stage import Outcome, ParseStage
from storage.status import status
from tests.storage.helpers import (
    archive,
    count,
    facts,
    ingest_paths,
    reparse_all,
    reports,
    store_parse,
    versions,
)
from tests.test_agency_year import attachment_text, portal_page

# an intro that names the organ and the report, the statistics period, a signature and its date
TITLELESS = portal_page(
    "根据《中华人民共和国政府信息公开条例》规定，现将新郑市教育局2024年政府信息公开工作年度报告公布如下。",
    "本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。",
    "@新郑市教育局",
    "@2025年1月20日",
)
# nothing names the organ or the year
BARE = attachment_text("我单位扎实推进政务公开工作。").replace(b"2024", b"")


def _version_messages(store: Store, sha256: str) -> list[str]:
    with read_connection(store.engine) as conn:
        (messages,) = conn.execute(select(versions.c.messages).where(versions.c.sha256 == sha256)).one()
    return [m["code"] for m in messages]


def test_a_title_less_page_is_filed_under_the_organ_and_year_its_text_states(
    store: Store, tmp_path: Path
) -> None:
    page = tmp_path / "ndbg.html"
    page.write_bytes(TITLELESS)
    report, unreadable = ingest_paths(store, [str(page)])
    assert unreadable == 0 and report.total(Outcome.NEW) == 1
    assert report.total(Outcome.UNASSIGNED) == 0
    with read_connection(store.engine) as conn:
        (filed,) = conn.execute(select(reports.c.agency, reports.c.year, reports.c.id)).all()
    assert (filed.agency, filed.year) == ("新郑市教育局", 2024)
    assert count(store, facts, facts.c.report_id == filed.id) == 200
    assert status(store.engine)["unassigned"] == []


def test_a_document_naming_nothing_is_listed_then_filed_when_assigned(store: Store, tmp_path: Path) -> None:
    bare = tmp_path / "bare.txt"
    bare.write_bytes(BARE)
    report, _ = ingest_paths(store, [str(bare)])
    assert report.total(Outcome.UNASSIGNED) == 1 and "1 unassigned" in report.summary()
    assert count(store, reports) == 0

    (listed,) = status(store.engine)["unassigned"]
    assert listed["url"] == f"file://{bare.resolve()}"
    assert listed["missing"] == ["agency", "year"] and len(listed["sha256"]) == 64

    # ingested again with what it is: parsed again (forced) and filed, the source said
    again, _ = ingest(
        store, [str(bare)], ParseStage(store, workers=0, force=True), agency="新郑市教育局", year=2024
    )
    assert again.total(Outcome.NEW) == 1
    with read_connection(store.engine) as conn:
        (filed,) = conn.execute(select(reports.c.agency, reports.c.year, reports.c.id)).all()
    assert (filed.agency, filed.year) == ("新郑市教育局", 2024)
    assert count(store, facts, facts.c.report_id == filed.id) == 200
    codes = _version_messages(store, listed["sha256"])
    assert "agency_assigned" in codes and "year_assigned" in codes
    assert "agency_unknown" not in codes and "year_unknown" not in codes
    assert status(store.engine)["unassigned"] == []

    # a reparse keeps the assignment: it belongs to the content
    reparse_all(store)
    assert count(store, reports) == 1 and count(store, facts, facts.c.report_id == filed.id) == 200


def test_an_unassigned_document_is_filed_by_a_later_parse_that_can(store: Store) -> None:
    doc = archive(store, "https://example.gov.cn/ndbg/2024.txt", BARE)
    unknown = parse_bytes(BARE, doc.url)
    assert (unknown.agency, unknown.year) == (None, None)
    store_parse(store, doc, unknown)
    assert [d["url"] for d in status(store.engine)["unassigned"]] == [doc.url]

    # the parser learns to read it (here: the listing's title, as a crawl records it)
    known: ParseResult = parse_bytes(BARE, doc.url, listed_title="新郑市教育局2024年政府信息公开工作年度报告")
    counts = store_parse(store, doc, known)
    assert counts.reports_inserted == 1
    assert status(store.engine)["unassigned"] == []
    with read_connection(store.engine) as conn:
        (report_id,) = conn.execute(select(versions.c.report_id).where(versions.c.sha256 == doc.sha256)).one()
    assert report_id is not None


def test_status_and_ingest_on_the_command_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from nianbao.cli import main

    bare = tmp_path / "bare.txt"
    bare.write_bytes(BARE)
    where = ["--db", f"sqlite:///{tmp_path / 'n.db'}", "--archive", str(tmp_path / "archive")]
    assert main(["db", "upgrade", *where]) == 0
    assert main(["ingest", str(bare), *where]) == 0
    assert "1 unassigned" in capsys.readouterr().out
    assert main(["status", *where]) == 0
    text = capsys.readouterr().out
    listed = f"  -  file://{bare.resolve()}  (parsed: no agency and no year)"
    assert f"unassigned documents (parsed, no agency or year): 1\n{listed}" in text

    assert main(["ingest", str(bare), "--agency", "新郑市教育局", "--year", "2024", *where]) == 0
    assert "1 new" in capsys.readouterr().out
    assert main(["status", "--json", *where]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["unassigned"] == [] and found["totals"]["reports"] == 1
    with pytest.raises(SystemExit) as refused:  # argparse: not a report year
        main(["ingest", str(bare), "--year", "24", *where])
    assert refused.value.code == 2 and "not a report year: 24" in capsys.readouterr().err
