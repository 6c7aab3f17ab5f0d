"""The report site's content, read back from its HTML: the coverage matrix and each report
page's cells, for a database of mirror reports of every state (tests/report/conftest.py)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from lxml import html

from mirror.report_spec import load_truth
from pipelines.infer import UNDECIDED
from pipelines.parse import PARSER_VERSION, parse_bytes
from pipelines.schema import DISCLOSURE, REQUESTS, REVIEW
from report.site import write_site
from storage.api import Store
from tests.report.conftest import BROKEN_CELL, HUOJIA_AGENCY, LANKAO, PORTAL, SHORT_ROW, Site, lankao_2019
from tests.samples import truth_path


def page(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_text(encoding="utf-8"))


def matrix(path: Path) -> tuple[list[int], dict[str, dict[int, tuple[str, str]]]]:
    """The years and, per agency, year -> (state class, letter) of a page's coverage matrix."""
    (table,) = page(path).cssselect("table.matrix")
    years = [int(th.text_content()) for th in table.cssselect("thead th")[1:]]
    rows: dict[str, dict[int, tuple[str, str]]] = {}
    for tr in table.cssselect("tbody tr"):
        agency = tr.cssselect("th.agency")
        if not agency:
            continue  # a portal's heading row
        cells = tr.cssselect("td")
        rows[agency[0].text_content()] = {
            int(td.get("data-year")): (td.get("class").removeprefix("cov "), td.text_content())
            for td in cells
        }
    return years, rows


def cells(path: Path) -> dict[tuple[str, str, str], html.HtmlElement]:
    """A report page's number cells by (table, row, column)."""
    return {tuple(td.get("data-cell").split("/")): td for td in page(path).cssselect("td[data-cell]")}


def classes(td: html.HtmlElement) -> set[str]:
    return set(td.get("class").split())


def test_matrix_has_a_state_and_letter_per_agency_and_year(site: Site):
    years, rows = matrix(site.directory / "index.html")
    assert years == [2018, 2019, 2020, 2021, 2022, 2023]
    assert rows[LANKAO] == {
        2018: ("pre2019", "E"),
        2019: ("parsed", "P"),
        2020: ("failing", "F"),
        2021: ("missing", "M"),
        2022: ("partial", "H"),
        2023: ("scanned", "S"),
    }
    assert rows[HUOJIA_AGENCY] == {
        **{year: ("none", "") for year in (2018, 2019, 2020, 2021)},  # before its first report
        2022: ("parsed", "P"),
        2023: ("missing", "M"),
    }
    legend = page(site.directory / "index.html").cssselect("ul.legend")[0].text_content()
    for words in ("parsed", "partial", "failing checks", "scanned", "pre-2019", "missing", "not covered"):
        assert words in legend


def test_matrix_links_each_report_and_the_portal_and_agency_pages(site: Site):
    index = page(site.directory / "index.html")
    failing = index.cssselect('table.matrix td.failing[data-year="2020"] a')[0]
    target = site.directory / failing.get("href")
    assert target == site.report_page(LANKAO, 2020)
    assert "兰考县人民政府 2020年度" in page(target).cssselect("h1")[0].text_content()
    portal_link = index.cssselect("table.matrix tr.portal a")[0]
    assert portal_link.text_content() == PORTAL
    years, rows = matrix(site.directory / portal_link.get("href"))
    assert set(rows) == {LANKAO, HUOJIA_AGENCY} and years[-1] == 2023
    agency_link = next(a for a in index.cssselect("table.matrix th.agency a") if a.text_content() == LANKAO)
    agency_page = site.directory / agency_link.get("href")
    _, rows = matrix(agency_page)
    assert set(rows) == {LANKAO}
    listed = [a.text_content() for a in page(agency_page).cssselect("table.list td:first-child a")]
    assert listed == ["2023", "2022", "2020", "2019", "2018"]


def test_a_parsed_2019_report_prints_the_2019_template_with_its_blanks(site: Site):
    path = site.report_page(LANKAO, 2019)
    spec, blanks = lankao_2019()
    found = cells(path)
    assert set(found) == set(spec.printed_keys())
    for key in blanks:
        assert classes(found[key]) == {"state-blank"} and found[key].text_content() == "(blank)", key
    printed = found[(REQUESTS, "new_received", "total")]
    assert classes(printed) == {"state-printed"}
    assert printed.text_content() == str(spec.value(REQUESTS, "new_received", "total"))
    assert "at: table " in printed.get("title")  # the grid cell it was read from
    assert {classes(td).pop() for key, td in found.items() if key not in blanks} == {"state-printed"}
    labels = " ".join(th.text_content() for th in page(path).cssselect("th.label"))
    for label in ("本年新制作数量", "其他对外管理服务事项", "本年新收政府信息公开申请数量", "复议后起诉"):
        assert label in labels


def test_failing_cells_are_exactly_the_cells_of_failing_checks(site: Site):
    path = site.report_page(LANKAO, 2020)
    (published,) = [p for p in site.published if (p.agency, p.year) == (LANKAO, 2020)]
    parsed = parse_bytes(published.body, published.url)  # the parser's own account of its checks
    expected = {(c.table, c.row, c.column) for check in parsed.failing_checks for c in check.cells}
    assert BROKEN_CELL in expected and (REVIEW, "review", "total") not in expected
    found = cells(path)
    assert {key for key, td in found.items() if "failing" in classes(td)} == expected
    broken = found[BROKEN_CELL]
    assert broken.text_content().startswith("!")
    assert broken.get("title").endswith(
        "\nfailing: requests.results[natural_person], requests.row_total[granted]"
    )
    listed = [tr.cssselect("code")[0].text_content() for tr in page(path).cssselect("tr.failing-check")]
    assert listed == sorted(check.id for check in parsed.failing_checks)


def test_undecided_cells_of_a_partial_report_say_why(site: Site):
    found = cells(site.report_page(LANKAO, 2022))
    undecided = {key for key, td in found.items() if "state-undecided" in classes(td)}
    assert undecided == {(DISCLOSURE, "normative_documents", c) for c in ("issued", "repealed", "in_force")}
    cell = found[(DISCLOSURE, "normative_documents", "issued")]
    assert cell.text_content() == "?"
    assert f"reason: {UNDECIDED}" in cell.get("title") and "raw: (nothing printed)" in cell.get("title")
    labels = [th.text_content() for th in page(site.report_page(LANKAO, 2022)).cssselect("th.label")]
    assert SHORT_ROW in labels


def test_inferred_cells_show_their_value_and_reason(site: Site):
    found = cells(site.report_page(HUOJIA_AGENCY, 2022))
    truth = load_truth(truth_path("huojia-2022")).expected()
    inferred = {key: td for key, td in found.items() if "state-inferred" in classes(td)}
    assert len(inferred) == 14  # the cells the copy lost
    for key, td in inferred.items():
        assert td.text_content() == f"~{truth[key]}", key
        assert "reason: not printed; decided by " in td.get("title")
        assert "raw: (nothing printed)" in td.get("title")


def test_report_page_provenance_and_archived_original(site: Site):
    (published,) = [p for p in site.published if (p.agency, p.year) == (LANKAO, 2023)]
    path = site.report_page(LANKAO, 2023)
    doc = page(path)
    facts = dict(
        zip(
            (dt.text_content() for dt in doc.cssselect("dl.facts dt")),
            (dd.text_content() for dd in doc.cssselect("dl.facts dd")),
            strict=True,
        )
    )
    assert facts["source url"] == published.url
    assert facts["sha256"] == published.sha256
    assert facts["parser version"].startswith(PARSER_VERSION + ", parsed ")
    original = path.parent / doc.cssselect("a.original")[0].get("href")
    assert original.name == f"{published.sha256}.pdf"
    assert hashlib.sha256(original.read_bytes()).hexdigest() == published.sha256
    assert [p.text_content() for p in doc.cssselect("section.printed p.none")] == [
        "Not read from this document (scanned)."
    ] * 3
    assert not doc.cssselect("td[data-cell]")


def test_pre2019_report_page_keeps_its_text(site: Site):
    doc = page(site.report_page(LANKAO, 2018))
    text = doc.cssselect("pre.text")[0].text_content()
    assert "依申请公开" in text or "政府信息公开申请" in text
    assert not doc.cssselect("td[data-cell]")


def test_index_lists_the_document_in_no_report_and_the_plots(site: Site):
    index = page(site.directory / "index.html")
    (unnamed,) = [p for p in site.published if p.agency is None]
    rows = index.cssselect("#unassigned tbody tr")
    assert len(rows) == 1 and unnamed.url in rows[0].text_content() and "scanned" in rows[0].text_content()
    images = [img.get("src") for img in index.cssselect("#plots img")]
    assert images == [
        "plots/requests-by-outcome.svg",
        "plots/share-granted.svg",
        "plots/review-litigation.svg",
    ]
    for src in images:
        svg = (site.directory / src).read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<path" in svg  # text drawn as paths: no font needed to view
    assert site.summary.problems == []
    assert (site.summary.reports, site.summary.agencies, site.summary.portals, site.summary.originals) == (
        6,
        2,
        1,
        6,
    )


def test_the_site_fetches_nothing(site: Site):
    for path in site.directory.rglob("*.html"):
        if path.parent.name == "originals":
            continue  # archived pages, as they arrived
        doc = page(path)
        assert not doc.cssselect("script")
        refs = [e.get("src") for e in doc.cssselect("[src]")] + [e.get("href") for e in doc.cssselect("link")]
        assert all(ref and "//" not in ref for ref in refs), (path, refs)


def test_report_command_writes_the_site_and_says_where(sqlite_site: Site, tmp_path: Path):
    out = tmp_path / "site"
    url = sqlite_site.store.engine.url.render_as_string(hide_password=False)
    archive = str(sqlite_site.store.archive_dir)
    done = subprocess.run(
        [sys.executable, "-m", "nianbao", "report", "--out", str(out), "--db", url, "--archive", archive],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"report: {(out / 'index.html').resolve()} (6 reports, 2 agencies, 1 portals, 6 originals)"
    )
    _, rows = matrix(out / "index.html")
    assert rows == matrix(sqlite_site.directory / "index.html")[1]
    assert sorted(p.name for p in (out / "originals").iterdir()) == sorted(
        f"{p.sha256}.{ext}"
        for p, ext in zip(
            sqlite_site.published[:6], ("txt", "html", "html", "txt", "pdf", "txt"), strict=True
        )
    )


def test_an_original_missing_from_the_archive_is_named_and_the_rest_is_written(
    sqlite_site: Site, tmp_path: Path
):
    url = sqlite_site.store.engine.url.render_as_string(hide_password=False)
    with Store(url, str(tmp_path / "elsewhere")) as store:  # an archive folder this machine does not share
        summary = write_site(store, tmp_path / "site")
    assert summary.originals == 0 and summary.reports == 6
    assert len(summary.problems) == 6
    (published,) = [p for p in sqlite_site.published if (p.agency, p.year) == (LANKAO, 2020)]
    (line,) = [line for line in summary.problems if published.sha256 in line]
    assert line.startswith(f"{LANKAO} 2020: original {published.sha256} not readable: ")
    report_page = tmp_path / "site" / sqlite_site.report_page(LANKAO, 2020).relative_to(sqlite_site.directory)
    assert "not in this site: " + line in page(report_page).text_content().replace("\n", " ")
    assert matrix(tmp_path / "site" / "index.html") == matrix(sqlite_site.directory / "index.html")
