"""A database of mirror reports of every coverage state, archived and parsed as a crawl would,
and the report site written from it (once per database kind and test module).

兰考县人民政府: 2018 pre-2019 text, 2019 parsed (2019 template, two cells printed blank), 2020 a
printed number that breaks identities (failing checks), 2021 missing, 2022 partial (a row that
lost a number nothing can place: undecided cells), 2023 a scan named by its listing title.
获嘉县人民政府办公室: 2022 a copied text whose result rows lost cells (inferred), 2023 missing
(the other agency's 2023 is the matrix's last year). And a scan nobody named: in no report.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mirror.generate import generate_pre2019, generate_report
from mirror.render import render_html, render_scanned_pdf, render_text
from mirror.report_spec import FactKey, ReportSpec
from pipelines.schema import FORMAT_2019, FORMAT_2021, REQUESTS
from report.site import SiteSummary, write_site
from storage.api import Fetched, Store
from storage.parse_stage import ParseStage
from tests.samples import HUOJIA
from tests.storage.conftest import migrated, pg_server  # noqa: F401  (the postgres fixture's server)

LANKAO = "兰考县人民政府"
HUOJIA_AGENCY = "获嘉县人民政府办公室"
PORTAL = "mirror-kaifeng-test"
BASE = "http://127.0.0.1:9/ndbg"  # never fetched: the documents are archived as a crawl would
BROKEN_CELL: FactKey = (REQUESTS, "granted", "natural_person")  # printed 3 more than its row adds up to
SHORT_ROW = "行政规范性文件"  # 2022 prints two numbers of its three


@dataclass(frozen=True)
class Published:
    """One document as the portal published it."""

    agency: str | None
    year: int | None
    url: str
    body: bytes
    listed_title: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def zero_cells(spec: ReportSpec, table: str, count: int) -> list[FactKey]:
    """The first `count` cells of `table` printed as 0 (blanking them keeps every identity)."""
    return [key for key in spec.printed_keys() if key[0] == table and spec.value(*key) == 0][:count]


def lankao_2019() -> tuple[ReportSpec, list[FactKey]]:
    spec = generate_report(random.Random(19), agency=LANKAO, year=2019, fmt=FORMAT_2019)
    return spec, zero_cells(spec, REQUESTS, 2)


def _broken(spec: ReportSpec) -> ReportSpec:
    table, row, column = BROKEN_CELL
    spec.facts[table][f"{row}.{column}"] = (spec.value(table, row, column) or 0) + 3
    return spec


def _short_row(text: str) -> str:
    """Drop the middle number of the row: which of its columns lost one nobody can tell."""
    shortened, n = re.subn(rf"^({SHORT_ROW})\t(\S+)\t\S+\t(\S+)$", r"\1\t\2\t\3", text, flags=re.M)
    assert n == 1
    return shortened


def publications() -> list[Published]:
    title, text = generate_pre2019(random.Random(18), LANKAO, 2018)
    spec_2019, blanks = lankao_2019()
    spec_2020 = _broken(generate_report(random.Random(20), agency=LANKAO, year=2020, fmt=FORMAT_2019))
    spec_2022 = generate_report(random.Random(22), agency=LANKAO, year=2022, fmt=FORMAT_2021)
    scan_title = f"{LANKAO}2023年政府信息公开工作年度报告"
    return [
        Published(LANKAO, 2018, f"{BASE}/2018.txt", f"{title}\n{text}\n".encode()),
        Published(LANKAO, 2019, f"{BASE}/2019.html", render_html(spec_2019, blank_cells=blanks)),
        Published(LANKAO, 2020, f"{BASE}/2020.html", render_html(spec_2020)),
        Published(LANKAO, 2022, f"{BASE}/2022.txt", _short_row(render_text(spec_2022, "tab")).encode()),
        Published(LANKAO, 2023, f"{BASE}/2023.pdf", render_scanned_pdf(seed=23), scan_title),
        Published(HUOJIA_AGENCY, 2022, f"{BASE}/huojia-2022.txt", HUOJIA.read_bytes()),
        Published(None, None, f"{BASE}/unnamed.pdf", render_scanned_pdf(seed=99)),
    ]


def archive_and_parse(store: Store, published: list[Published]) -> None:
    for item in published:
        store.archive(
            Fetched(
                item.url, item.body, portal=PORTAL, role="report", parse=True, listed_title=item.listed_title
            )
        )
    stage = ParseStage(store, workers=0)
    stage.run(store.pending(stage.parser_version, limit=len(published)))


@dataclass(frozen=True)
class Site:
    store: Store
    summary: SiteSummary
    published: list[Published]

    @property
    def directory(self) -> Path:
        return self.summary.directory

    def report_page(self, agency: str, year: int) -> Path:
        from report import queries
        from storage.db import read_connection

        with read_connection(self.store.engine) as conn:
            (entry,) = [e for e in queries.report_entries(conn) if (e.agency, e.year) == (agency, year)]
        return self.directory / "reports" / f"{entry.report_id}.html"


def _built(kind: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[Site]:
    if kind == "sqlite":
        url = migrated(f"sqlite:///{folder / 'nianbao.db'}")
    else:
        url = migrated(request.getfixturevalue("pg_server").create_database(f"report_{folder.name}"))
    published = publications()
    with Store(url, str(folder / "archive")) as store:
        archive_and_parse(store, published)
        yield Site(store, write_site(store, folder / "site"), published)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _built(request.param, request, tmp_path_factory.mktemp(f"site_{request.param}"))


@pytest.fixture(scope="module")
def sqlite_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same site on SQLite only (what the browser tests open)."""
    yield from _built("sqlite", request, tmp_path_factory.mktemp("site_sqlite"))
