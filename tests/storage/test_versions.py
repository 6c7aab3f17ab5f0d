"""Idempotent ingest, new versions on changed content, history, reparse: on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from mirror.render import render_scanned_pdf
from pipelines.parse import parse_bytes
from storage.api import Store, UpsertCounts
from storage.db import read_connection, utcnow
from storage.history import facts_as_of, version_facts
from storage.ingest import file_url
from storage.parse_stage import Outcome
from storage.reparse import ReportSelector
from tests.samples import samples
from tests.storage.helpers import (
    CHANGED_AGENCY,
    CHANGED_FILE,
    CHANGED_LINE,
    CHANGED_YEAR,
    FACTS_SEEN,
    archive,
    count,
    fact_snapshot,
    facts,
    history,
    ingest_paths,
    reparse_all,
    report_id,
    reports,
    store_parse,
    versions,
)


def test_ingest_twice_changes_nothing_but_last_seen(store: Store, sample_dir: Path) -> None:
    first, failed = ingest_paths(store, [str(sample_dir)])
    assert failed == 0 and first.total(Outcome.NEW) == 5
    counts = first.counts
    assert (counts.reports_inserted, counts.inserted, counts.updated, counts.versions_inserted) == (
        5,
        1000,
        0,
        5,
    )
    before = fact_snapshot(store)

    second, _ = ingest_paths(store, [str(sample_dir)])
    assert second.total(Outcome.SKIPPED) == 5  # this parser has parsed these bytes: not parsed again
    assert second.counts == UpsertCounts()
    assert fact_snapshot(store) == before  # first_seen and changed_at included
    assert count(store, versions) == 5
    assert count(store, FACTS_SEEN, versions.c.last_seen > facts.c.first_seen) == 1000


def test_stored_facts_are_the_samples_facts(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    stored = fact_snapshot(store)
    assert len(stored) == 1000
    for name, (_, spec) in samples().items():
        for (table, row, column), want in spec.expected().items():
            got = stored[(spec.agency, spec.year, table, row, column)]
            value, blank = got[2], got[5]
            assert (None if blank else value) == want, (name, table, row, column)


def test_changed_number_makes_one_new_version(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    changed = sample_dir / CHANGED_FILE
    old_version = fact_snapshot(store)[(CHANGED_AGENCY, CHANGED_YEAR, "requests", "granted", "total")][0]
    before_change = utcnow()
    changed.write_bytes(changed.read_bytes().replace(*CHANGED_LINE, 1))

    report, _ = ingest_paths(store, [str(sample_dir)])
    assert (report.total(Outcome.UPDATED), report.total(Outcome.SKIPPED)) == (1, 4)
    counts = report.counts
    assert (counts.reports_inserted, counts.reports_updated, counts.reports_unchanged) == (0, 1, 0)
    assert (counts.versions_inserted, counts.inserted, counts.updated, counts.unchanged) == (1, 0, 1, 199)

    rid = report_id(store, CHANGED_AGENCY, CHANGED_YEAR)
    assert count(store, versions, versions.c.report_id == rid) == 2
    now = fact_snapshot(store)
    key = (CHANGED_AGENCY, CHANGED_YEAR, "requests", "granted", "natural_person")
    assert now[key][2] == 25 and now[key][0] != old_version
    # every fact of that report moved to the new version; the old states went to history
    assert count(store, facts, facts.c.report_id == rid, facts.c.changed_at > before_change) == 200
    assert count(store, history, history.c.report_id == rid) == 200
    assert count(store, facts, facts.c.changed_at > before_change) == 200  # other reports untouched

    with read_connection(store.engine) as conn:
        then = facts_as_of(conn, rid, before_change)
        today = facts_as_of(conn, rid, utcnow())
        old_id, new_id = conn.execute(
            versions.select()
            .with_only_columns(versions.c.id)
            .where(versions.c.report_id == rid)
            .order_by(versions.c.id)
        ).scalars()
        old_facts, new_facts = version_facts(conn, old_id), version_facts(conn, new_id)
        current = conn.execute(reports.select().where(reports.c.id == rid)).one()
    fact_key = ("requests", "granted", "natural_person")
    assert then[fact_key]["value"] == 24 and today[fact_key]["value"] == 25
    assert len(then) == len(today) == len(old_facts) == len(new_facts) == 200
    assert {k for k in old_facts if old_facts[k]["value"] != new_facts[k]["value"]} == {fact_key}
    assert current.current_version_id == new_id

    again, _ = ingest_paths(store, [str(sample_dir)])
    assert again.total(Outcome.SKIPPED) == 5 and again.counts == UpsertCounts()

    # the archive holds both contents: parsing them again changes nothing, the newer stays current
    before_reparse = fact_snapshot(store)
    reparsed, parsed = reparse_all(store)
    assert parsed == 6
    assert (reparsed.counts.inserted, reparsed.counts.updated, reparsed.counts.reports_updated) == (0, 0, 0)
    assert fact_snapshot(store) == before_reparse
    upgraded, _ = reparse_all(store, parser_version="99.0.0")
    assert (upgraded.counts.versions_inserted, upgraded.counts.reports_updated, upgraded.counts.updated) == (
        6,
        5,
        0,
    )
    assert fact_snapshot(store)[(*key[:2], *fact_key)][2] == 25


def test_reparse_gives_identical_facts(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    before = fact_snapshot(store)
    report, parsed = reparse_all(store)
    assert parsed == 5 and report.total(Outcome.UNCHANGED) == 5
    counts = report.counts
    assert (counts.inserted, counts.updated, counts.unchanged, counts.versions_inserted) == (0, 0, 1000, 0)
    assert fact_snapshot(store) == before


def test_reparse_with_a_new_parser_moves_facts_to_new_versions(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    before = fact_snapshot(store)
    selected = [ReportSelector.parse(f"{CHANGED_AGENCY}:{CHANGED_YEAR}")]
    report, parsed = reparse_all(store, parser_version="99.0.0", selectors=selected)
    counts = report.counts
    assert parsed == 1
    assert (counts.versions_inserted, counts.reports_updated, counts.updated, counts.unchanged) == (
        1,
        1,
        0,
        200,
    )
    after = fact_snapshot(store)
    moved = {k for k in after if after[k][1] == "99.0.0"}
    assert len(moved) == 200 and all(k[0] == CHANGED_AGENCY for k in moved)
    assert all(after[k][2:9] == before[k][2:9] for k in after)  # same values, same raw text
    # only what the newer parser has not seen yet
    again, parsed_again = reparse_all(store, parser_version="99.0.0", since_parser="99.0.0")
    assert parsed_again == 1 and again.counts.updated == 0 and again.counts.versions_inserted == 0


def test_vanished_or_empty_page_does_not_erase_facts(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    before = fact_snapshot(store)
    index_page = f"<html><title>{CHANGED_AGENCY}{CHANGED_YEAR}年政府信息公开工作年度报告</title></html>"
    doc = archive(store, "https://example.gov.cn/list.html", index_page.encode(), content_type="text/html")
    result = parse_bytes(index_page.encode(), doc.url)
    result.agency, result.year, result.facts = CHANGED_AGENCY, CHANGED_YEAR, []
    counts = store_parse(store, doc, result)
    assert counts.versions_inserted == 1 and counts.updated == 0
    assert fact_snapshot(store) == before
    with read_connection(store.engine) as conn:
        current = conn.execute(reports.select().where(reports.c.agency == CHANGED_AGENCY)).one()
    assert current.source_url == file_url(sample_dir / CHANGED_FILE)


def test_reparse_keeps_the_report_a_scan_was_listed_as(store: Store) -> None:
    body = render_scanned_pdf()
    doc = archive(store, "https://www.zhoukou.gov.cn/ndbg/2023.pdf", body)
    listed = "周口市人民政府 2023年度政府信息公开工作年度报告"  # as printed, with a space
    first = store_parse(store, doc, parse_bytes(body, doc.url, listed_title=listed))
    assert (first.reports_inserted, first.versions_inserted) == (1, 1)

    with read_connection(store.engine) as conn:
        messages = conn.execute(select(versions.c.messages)).scalar_one()
    report, parsed = reparse_all(store)
    assert (parsed, report.counts.reports_unchanged, report.counts.versions_inserted) == (1, 1, 0)
    with read_connection(store.engine) as conn:
        rows = conn.execute(
            select(
                reports.c.agency, reports.c.year, reports.c.status, versions.c.report_id == reports.c.id
            ).join(versions, versions.c.id == reports.c.current_version_id)
        ).all()
        assert conn.execute(select(versions.c.messages)).scalar_one() == messages
    assert [tuple(r) for r in rows] == [("周口市人民政府", 2023, "scanned", True)]


def test_a_less_complete_content_never_replaces_the_current_one(store: Store, sample_dir: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    before = fact_snapshot(store)
    changed = sample_dir / CHANGED_FILE
    whole = changed.read_bytes()
    cut = whole[: whole.index("四、".encode())]  # the page lost its last table since
    changed.write_bytes(cut)
    assert parse_bytes(cut, "cut").status == "partial"

    report, _ = ingest_paths(store, [str(sample_dir)])
    assert (report.counts.versions_inserted, report.counts.updated, report.counts.reports_updated) == (
        1,
        0,
        0,
    )
    assert fact_snapshot(store) == before
    rid = report_id(store, CHANGED_AGENCY, CHANGED_YEAR)
    with read_connection(store.engine) as conn:
        status, current_sha = conn.execute(
            select(reports.c.status, versions.c.sha256)
            .join(versions, versions.c.id == reports.c.current_version_id)
            .where(reports.c.id == rid)
        ).one()
    assert status == "parsed" and current_sha == hashlib.sha256(whole).hexdigest()

    changed.write_bytes(whole.replace(*CHANGED_LINE, 1))  # a whole new content still wins
    report, _ = ingest_paths(store, [str(sample_dir)])
    assert (report.counts.updated, report.counts.reports_updated) == (1, 1)
