"""Odd values from a portal (a 426-character Content-Type, titles with NUL, bidi marks, quotes,
100k characters) are stored within the columns' bounds, and the report is never lost: on SQLite
and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from storage.api import Fetched, PendingDocument, Store
from storage.db import read_connection
from storage.models import Document
from storage.parse_stage import Outcome, ParseStage
from storage.reports import reports
from tests.test_odd_titles import ODD_TITLES, odd_report

LONG_CONTENT_TYPE = "text/html; charset=utf-8; " + "; ".join(f"p{i}=v{i}" for i in range(60))


def test_odd_titles_and_content_type_keep_every_report(store: Store):
    assert len(LONG_CONTENT_TYPE) > 400
    archived = []
    for index, (name, (printed, _kept)) in enumerate(ODD_TITLES.items()):
        fetched = Fetched(
            f"https://gov.example.cn/{name}.html",
            odd_report(printed).replace(b"2022", b"%d" % (2019 + index)),  # one report each
            headers={"Content-Type": LONG_CONTENT_TYPE},
            content_type=LONG_CONTENT_TYPE,
            parse=True,
            listed_title=printed,
        )
        doc = store.archive(fetched)
        archived.append(PendingDocument(doc.document_id, doc.sha256, doc.url, doc.fetched_at))
    outcomes: list[Outcome] = []
    ParseStage(store, workers=0, on_outcome=lambda _d, outcome, _m: outcomes.append(outcome)).run(archived)
    assert outcomes == [Outcome.NEW] * len(ODD_TITLES)
    with read_connection(store.engine) as conn:
        rows = conn.execute(select(reports.c.agency, reports.c.year).order_by(reports.c.year)).all()
        documents = conn.execute(select(Document.content_type, Document.listed_title, Document.headers)).all()
    assert [tuple(r) for r in rows] == [("兰考县人民政府", 2019 + i) for i in range(len(ODD_TITLES))]
    assert {d.content_type for d in documents} == {LONG_CONTENT_TYPE[:200]}
    assert {d.headers["Content-Type"] for d in documents} == {LONG_CONTENT_TYPE}  # kept whole
    assert sorted(d.listed_title for d in documents) == sorted(
        printed.replace("\x00", "\ufffd") for printed, _ in ODD_TITLES.values()
    )
