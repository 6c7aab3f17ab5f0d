"""The renderers produce the markup they claim, and the generator's reports are consistent."""

from __future__ import annotations

import io
import random
import unicodedata
import zipfile

import docx
import lxml.html
import pdfplumber
import pytest

from mirror.generate import generate_pre2019, generate_report, list_agencies
from mirror.layout import CORNER, grids
from mirror.render import render_docx, render_html, render_pdf, render_scanned_pdf, render_text
from mirror.report_spec import ReportSpec, identity_errors, load_truth
from pipelines.schema import (
    DISCLOSURE,
    FORMAT_2019,
    FORMAT_2021,
    REQUESTS,
    REQUESTS_2021,
    REVIEW,
    fact_keys,
    is_result_row,
)
from tests.samples import truth_path
from tests.truth import load

SPEC = load_truth(truth_path("kaifeng-2024"))  # 开封市人民政府办公室 2024: large numbers in many columns
# its table 四 as printed: one row of 15 numbers (review, direct litigation, litigation after review)
REVIEW_NUMBERS = ["21", "6", "3", "4", "34", "9", "2", "1", "5", "17", "4", "1", "0", "3", "8"]


def _generated(seed: int, fmt: str, one_other_row: bool = False) -> ReportSpec:
    year = 2020 if fmt == FORMAT_2019 else 2023
    return generate_report(
        random.Random(seed), agency="新郑市人民政府办公室", year=year, fmt=fmt, one_other_row=one_other_row
    )


def _cell(root, text: str):
    """The <td> whose text is exactly `text`."""
    (cell,) = [td for td in root.iter("td") if td.text_content().strip() == text]
    return cell


# --- spec ------------------------------------------------------------------------------------


def test_load_truth_keeps_every_fact_and_the_metadata():
    truth = load(truth_path("kaifeng-2024"))
    assert (SPEC.agency, SPEC.year, SPEC.format) == (truth["agency"], truth["year"], truth["format"])
    assert SPEC.facts == truth["facts"]
    assert SPEC.title == "开封市人民政府办公室2024年政府信息公开工作年度报告"
    assert not SPEC.one_other_row
    assert list(SPEC.printed_keys()) == fact_keys(FORMAT_2021)
    one_row = load_truth(truth_path("guangshan-2022"))  # （六）其他处理 printed as one row
    assert one_row.one_other_row
    assert list(one_row.printed_keys()) == fact_keys(FORMAT_2021, one_other_row=True)


def test_identity_errors_catch_a_broken_cell():
    facts = {table: dict(cells) for table, cells in SPEC.facts.items()}
    facts[REQUESTS]["granted.natural_person"] += 1
    broken = ReportSpec(SPEC.agency, SPEC.year, SPEC.format, facts)
    errors = identity_errors(broken)
    assert any("row granted" in e for e in errors)
    assert any("column natural_person" in e for e in errors)
    assert identity_errors(SPEC) == []


# --- HTML ------------------------------------------------------------------------------------


def test_html_has_the_template_spans():
    root = lxml.html.document_fromstring(render_html(SPEC))
    tables = root.xpath("//table")
    assert len(tables) == 3
    corner = _cell(root, CORNER)
    assert (corner.get("rowspan"), corner.get("colspan")) == ("3", "3")
    assert _cell(root, "申请人情况").get("colspan") == "7"
    assert _cell(root, "自然人").get("rowspan") == "2"
    assert _cell(root, "法人或其他组织").get("colspan") == "5"
    assert _cell(root, "（三）不予公开").get("rowspan") == "8"
    assert _cell(root, "（六）其他处理").get("rowspan") == "3"
    results = [r for r in REQUESTS_2021 if is_result_row(r.key)]
    assert _cell(root, "三、本年度办理结果").get("rowspan") == str(len(results) + 1)  # + （七）总计
    assert _cell(root, "1.属于国家秘密").get("rowspan") is None
    assert _cell(root, "一、本年新收政府信息公开申请数量").get("colspan") == "3"
    assert _cell(root, "第二十条第（一）项").get("colspan") == "4"
    # table 四: a header block, then one row of 15 numbers
    last_row = tables[2].xpath(".//tr")[-1]
    assert [td.text_content() for td in last_row.xpath("td")] == REVIEW_NUMBERS


@pytest.mark.parametrize(("fmt", "one_other_row"), [(FORMAT_2019, False), (FORMAT_2021, True)])
def test_html_one_other_row_and_2019_disclosure(fmt, one_other_row):
    spec = _generated(11, fmt, one_other_row)
    root = lxml.html.document_fromstring(render_html(spec))
    other = _cell(root, "（六）其他处理")
    assert (other.get("rowspan"), other.get("colspan")) == (None, "2")
    results = [r for r in spec.rows(REQUESTS) if is_result_row(r.key)]
    assert _cell(root, "三、本年度办理结果").get("rowspan") == str(len(results) + 1)
    if fmt == FORMAT_2019:
        assert _cell(root, "第二十条第（九）项").get("colspan") == "4"
        assert len(root.xpath("//td[normalize-space()='上一年项目数量']")) == 3  # （五） （六） （八）
        amount = _cell(root, "政府集中采购").getnext().getnext()
        assert amount.get("colspan") == "2"


def test_html_page_metadata_and_labels_with_line_breaks():
    page = render_html(SPEC).decode("utf-8")
    root = lxml.html.document_fromstring(page)
    assert root.findtext(".//title").startswith(SPEC.title)
    assert root.xpath("//meta[@name='PubDate']/@content")[0].startswith("2025-01-20")
    assert "结果<br>维持" in page
    assert root.xpath("//meta[@charset]/@charset") == ["utf-8"]


def test_html_gbk_is_gbk_bytes_with_a_matching_charset():
    data = render_html(SPEC, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    page = data.decode("gbk")
    assert 'charset="gbk"' in page
    assert SPEC.agency in page and "（三）不予公开" in page and "危及“三安全一稳定”" in page


def test_html_blank_and_none_cells_print_nbsp():
    key = (DISCLOSURE, "regulations", "issued")
    root = lxml.html.document_fromstring(render_html(SPEC, blank_cells=[key]))
    row = _cell(root, "规章").getparent()
    assert [td.text_content() for td in row.xpath("td")] == ["规章", "\xa0", "1", "58"]
    assert render_html(SPEC.with_blanks([key])) == render_html(SPEC, blank_cells=[key])


def test_html_fullwidth_digits():
    page = render_html(SPEC, fullwidth_digits=True).decode("utf-8")
    assert "１３９９" in page and ">1399<" not in page and "３５６.０４１２" in page


def test_html_split_requests_table_continues_the_spans():
    root = lxml.html.document_fromstring(render_html(SPEC, split_requests_table=True))
    tables = root.xpath("//table")
    assert len(tables) == 4
    first, second = tables[1], tables[2]
    whole = grids(SPEC)[REQUESTS]
    assert len(first.xpath(".//tr")) + len(second.xpath(".//tr")) == whole.n_rows
    results_cell = _cell(first, "三、本年度办理结果")
    continued = second.xpath(".//tr")[0].xpath("td")[0]
    assert (
        int(results_cell.get("rowspan")) + int(continued.get("rowspan"))
        == len([r for r in REQUESTS_2021 if is_result_row(r.key)]) + 1
    )
    assert continued.text_content().strip() == ""


# --- text ------------------------------------------------------------------------------------


def test_tab_text_keeps_merged_positions_as_empty_cells():
    lines = render_text(SPEC, "tab").splitlines()
    assert "（三）不予公开\t1.属于国家秘密\t3\t0\t0\t0\t0\t0\t3" in "\n".join(lines)
    row = next(line for line in lines if line.startswith("一、本年新收"))
    assert row.split("\t") == [
        "一、本年新收政府信息公开申请数量",
        "",
        "",
        "1187",
        "46",
        "2",
        "3",
        "152",
        "9",
        "1399",
    ]
    assert "\t\t2.其他法律行政法规禁止公开\t" in "\n".join(lines)


def test_pdf_style_text_is_one_row_per_line():
    text = render_text(SPEC, "pdf")
    assert "\n（七）总计 1164 45 2 3 149 8 1371\n" in text
    assert "\n21 6 3 4 34 9 2 1 5 17 4 1 0 3 8\n" in text
    assert "\t" not in text and "|" not in text


def test_markdown_has_pipe_tables_with_a_separator():
    lines = render_text(SPEC, "markdown").splitlines()
    separators = [i for i, line in enumerate(lines) if set(line) <= set("|-") and line]
    assert len(separators) == 3
    assert all(lines[i - 1].startswith("| ") for i in separators)
    review = next(line for line in lines if line.startswith("| 21 | 6 | 3 | 4 | 34 |"))
    assert review.count("|") == 16


def test_unknown_text_style_is_refused():
    with pytest.raises(ValueError):
        render_text(SPEC, "rtf")


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_text_layer_reads_back_as_chinese_with_ruled_tables():
    data = render_pdf(SPEC)
    assert data.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
        tables = [t for page in pdf.pages for t in page.extract_tables()]
        assert pdf.metadata["Title"] == SPEC.title
    assert SPEC.agency in text and "二、主动公开政府信息情况" in text and "2025年1月20日" in text
    # the requests table may break across pages (pdfplumber then sees fewer columns in a part)
    disclosure = [t for t in tables if t[0][0] == "第二十条第（一）项"]
    review = [t for t in tables if len(t[0]) == 15]
    parts = [t for t in tables if not any(t is d for d in disclosure + review)]
    assert len(disclosure) == len(review) == 1
    assert len(disclosure[0]) == grids(SPEC)[DISCLOSURE].n_rows
    assert sum(len(t) for t in parts) == grids(SPEC)[REQUESTS].n_rows
    assert review[0][-1] == REVIEW_NUMBERS
    assert render_pdf(SPEC) == data  # invariant mode: same spec, same bytes


def test_scanned_pdf_has_images_and_no_text():
    with pdfplumber.open(io.BytesIO(render_scanned_pdf(pages=2))) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            assert len(page.images) == 1
            assert (page.extract_text() or "").strip() == ""


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_has_merged_cells_repeated_over_their_span():
    data = render_docx(SPEC)
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == SPEC.title
    assert len(document.tables) == 3
    disclosure, requests, review = document.tables
    assert requests.cell(0, 0)._tc is requests.cell(2, 2)._tc
    assert requests.cell(0, 0).text == CORNER
    denied = next(i for i, row in enumerate(requests.rows) if row.cells[1].text == "（三）不予公开")
    assert requests.cell(denied, 1)._tc is requests.cell(denied + 7, 1)._tc
    assert requests.cell(denied, 2)._tc is not requests.cell(denied + 1, 2)._tc
    assert [c.text for c in review.rows[-1].cells] == REVIEW_NUMBERS
    assert disclosure.cell(0, 0)._tc is disclosure.cell(0, 3)._tc
    # entries dated by the report, not by the clock: the same spec gives the same bytes
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time[:3] for info in archive.infolist()} == {(2025, 1, 20)}


# --- generator -------------------------------------------------------------------------------

FORMATS = [(FORMAT_2019, False), (FORMAT_2021, False), (FORMAT_2021, True)]


@pytest.mark.parametrize(("fmt", "one_other_row"), FORMATS)
def test_generated_reports_satisfy_every_identity(fmt, one_other_row):
    for seed in range(200):
        spec = _generated(seed, fmt, one_other_row)
        assert identity_errors(spec) == [], seed
        assert set(spec.printed_keys()) == set(fact_keys(fmt, one_other_row=one_other_row))
        assert all(spec.value(*key) is not None for key in spec.printed_keys())


def test_generated_reports_look_like_county_reports():
    specs = [_generated(seed, fmt) for seed in range(200) for fmt in (FORMAT_2019, FORMAT_2021)]
    values = [spec.value(*key) for spec in specs for key in spec.printed_keys()]
    assert sum(v == 0 for v in values) / len(values) > 0.6  # mostly zeros
    assert max(values) >= 1000  # occasionally large
    assert all(
        v >= 0 for s in specs for t, r, c in s.printed_keys() if c != "change" for v in [s.value(t, r, c)]
    )
    changes = [
        s.value(DISCLOSURE, r.key, "change")
        for s in specs
        if s.format == FORMAT_2019
        for r in s.rows(DISCLOSURE)
        if r.columns[1].key == "change"
    ]
    assert min(changes) < 0 < max(changes)
    units = {s.procurement_unit for s in specs if s.format == FORMAT_2019}
    assert units == {"元", "万元"}
    for spec in specs:
        if spec.format == FORMAT_2021:
            for row in ("regulations", "normative_documents"):
                assert spec.value(DISCLOSURE, row, "in_force") >= spec.value(DISCLOSURE, row, "issued")
    assert any(s.value(REVIEW, "review", "total") for s in specs)


def test_generator_is_deterministic():
    assert _generated(7, FORMAT_2021) == _generated(7, FORMAT_2021)
    assert _generated(7, FORMAT_2021).facts != _generated(8, FORMAT_2021).facts
    assert _generated(3, FORMAT_2019).published.startswith("2021-01-")


def test_agencies_are_distinct_deterministic_henan_names():
    names = list_agencies(300)
    assert len(set(names)) == 300 and names == list_agencies(300)
    assert names != list_agencies(300, seed=1)
    assert any(n.endswith("乡人民政府") or n.endswith("镇人民政府") for n in names)
    assert any(n.endswith("人民政府办公室") for n in names)
    assert any(n.endswith("局") for n in names)
    assert all(n.isascii() is False and " " not in n for n in names)


def test_pre2019_text_is_free_form_and_deterministic():
    title, text = generate_pre2019(random.Random(4), "新郑市人民政府办公室", 2013)
    assert title == "新郑市人民政府办公室2013年政府信息公开工作年度报告"
    assert (title, text) == generate_pre2019(random.Random(4), "新郑市人民政府办公室", 2013)
    assert "2013年" in text and "本年新收政府信息公开申请数量" not in text and "\t" not in text
    assert text.splitlines()[-1].startswith("2014年")


def test_pdf_text_kangxi_variant_only_swaps_radicals():
    plain = render_text(SPEC, "pdf")
    radicals = render_text(SPEC, "pdf", kangxi=True)
    assert "⼀、总体情况" in radicals and "⼯作" in radicals and radicals != plain
    restored = "".join(
        unicodedata.normalize("NFKC", ch) if 0x2F00 <= ord(ch) <= 0x2FD5 else ch for ch in radicals
    )
    assert restored == plain
