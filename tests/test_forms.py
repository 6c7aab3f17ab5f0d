"""Every form a portal publishes a report in parses back to the report's facts exactly.

The fixtures' facts (tests/fixtures, format 2021), two generated 2021 reports (one printing
（六）其他处理 as one row) and three hand-made 2019-format reports are rendered as HTML (plain,
split table, GBK, full-width digits), PDF, DOCX, tab text, PDF-style text and markdown; so are
the five seed truths of ../shared when it is present.
"""

from __future__ import annotations

import random

import pytest

from mirror.generate import generate_report
from mirror.render import render_html
from mirror.report_spec import Facts, ReportSpec, identity_errors, load_truth
from pipelines.schema import (
    APPLICANT_COLUMNS,
    FORMAT_2019,
    FORMAT_2021,
    REQUESTS,
    REQUESTS_2019,
    REVIEW_COLUMNS,
)
from tests.roundtrip import FORMS, roundtrip_errors
from tests.samples import fixture_spec
from tests.truth import SEED_IDS, needs_shared, seed_truth

FIXTURE_SPECS = {name: fixture_spec(name) for name in ("zhongmu-2023", "huojia-2022", "kaifeng-2024")}
GENERATED_SPECS = {
    "generated-2021": generate_report(random.Random(21), agency="登封市人民政府", year=2022, fmt=FORMAT_2021),
    "generated-2021-one-other-row": generate_report(
        random.Random(22), agency="鲁山县教育局", year=2023, fmt=FORMAT_2021, one_other_row=True
    ),
}


def _requests(rows: dict[str, list[int]]) -> dict[str, int]:
    """Requests facts from printed rows (six applicant columns, then 总计); rows not given are 0."""
    columns = [c.key for c in APPLICANT_COLUMNS] + ["total"]
    cells = {}
    for row in REQUESTS_2019:
        values = rows.get(row.key, [0] * 7)
        cells.update({f"{row.key}.{c}": v for c, v in zip(columns, values, strict=True)})
    return cells


def _review(review: list[int], direct: list[int], after: list[int]) -> dict[str, int]:
    rows = {"review": review, "litigation_direct": direct, "litigation_after_review": after}
    return {
        f"{row}.{c.key}": v
        for row, values in rows.items()
        for c, v in zip(REVIEW_COLUMNS, values, strict=True)
    }


# A county office: 251000元 of procurement, negative 本年增/减.
JIAXIAN_2019: Facts = {
    "disclosure": {
        "regulations.made": 0,
        "regulations.published": 0,
        "regulations.total_published": 0,
        "normative_documents.made": 4,
        "normative_documents.published": 4,
        "normative_documents.total_published": 37,
        "licensing.prev_items": 126,
        "licensing.change": -3,
        "licensing.decisions": 1045,
        "other_services.prev_items": 18,
        "other_services.change": 0,
        "other_services.decisions": 212,
        "penalty.prev_items": 35,
        "penalty.change": 2,
        "penalty.decisions": 67,
        "enforcement.prev_items": 6,
        "enforcement.change": -1,
        "enforcement.decisions": 3,
        "fees.prev_items": 12,
        "fees.change": -2,
        "procurement.items": 7,
        "procurement.amount": 251000,
    },
    REQUESTS: _requests(
        {
            "new_received": [12, 2, 0, 0, 1, 0, 15],
            "carried_over": [1, 0, 0, 0, 0, 0, 1],
            "granted": [6, 1, 0, 0, 0, 0, 7],
            "partially_granted": [1, 0, 0, 0, 0, 0, 1],
            "denied.third_party_rights": [1, 0, 0, 0, 0, 0, 1],
            "unable.not_held": [3, 1, 0, 0, 1, 0, 5],
            "not_processed.duplicate": [1, 0, 0, 0, 0, 0, 1],
            "total": [12, 2, 0, 0, 1, 0, 15],
            "carried_forward": [1, 0, 0, 0, 0, 0, 1],
        }
    ),
    "review_litigation": _review([1, 0, 0, 1, 2], [0, 1, 0, 0, 1], [0, 0, 0, 0, 0]),
}

# A city bureau: 3.5万元 of procurement, a fee item count falling to zero.
ZHOUKOU_FINANCE_2020: Facts = {
    "disclosure": {
        "regulations.made": 0,
        "regulations.published": 0,
        "regulations.total_published": 0,
        "normative_documents.made": 2,
        "normative_documents.published": 2,
        "normative_documents.total_published": 15,
        "licensing.prev_items": 0,
        "licensing.change": 0,
        "licensing.decisions": 0,
        "other_services.prev_items": 3,
        "other_services.change": 1,
        "other_services.decisions": 9,
        "penalty.prev_items": 0,
        "penalty.change": 0,
        "penalty.decisions": 0,
        "enforcement.prev_items": 0,
        "enforcement.change": 0,
        "enforcement.decisions": 0,
        "fees.prev_items": 5,
        "fees.change": -5,
        "procurement.items": 2,
        "procurement.amount": 3.5,
    },
    REQUESTS: _requests(
        {
            "new_received": [3, 0, 0, 0, 0, 0, 3],
            "granted": [2, 0, 0, 0, 0, 0, 2],
            "other": [1, 0, 0, 0, 0, 0, 1],
            "total": [3, 0, 0, 0, 0, 0, 3],
        }
    ),
    "review_litigation": _review([0] * 5, [0] * 5, [0] * 5),
}

# A township with busy request columns, 126.85万元, and rows it left blank (no 规章, no fees).
BAOFENG_2020: Facts = {
    "disclosure": {
        "regulations.made": None,
        "regulations.published": None,
        "regulations.total_published": None,
        "normative_documents.made": 1,
        "normative_documents.published": 1,
        "normative_documents.total_published": 6,
        "licensing.prev_items": 0,
        "licensing.change": 0,
        "licensing.decisions": 0,
        "other_services.prev_items": 0,
        "other_services.change": 0,
        "other_services.decisions": 0,
        "penalty.prev_items": 0,
        "penalty.change": 0,
        "penalty.decisions": 0,
        "enforcement.prev_items": 0,
        "enforcement.change": 0,
        "enforcement.decisions": 0,
        "fees.prev_items": None,
        "fees.change": None,
        "procurement.items": 3,
        "procurement.amount": 126.85,
    },
    REQUESTS: _requests(
        {
            "new_received": [236, 12, 0, 1, 4, 2, 255],
            "carried_over": [9, 0, 0, 0, 1, 0, 10],
            "granted": [120, 6, 0, 1, 2, 1, 130],
            "partially_granted": [15, 2, 0, 0, 0, 0, 17],
            "denied.state_secret": [1, 0, 0, 0, 0, 0, 1],
            "denied.process_info": [4, 0, 0, 0, 0, 0, 4],
            "unable.not_held": [70, 3, 0, 0, 2, 1, 76],
            "unable.needs_creation": [5, 0, 0, 0, 0, 0, 5],
            "not_processed.petition_complaint": [8, 0, 0, 0, 0, 0, 8],
            "other": [6, 1, 0, 0, 0, 0, 7],
            "total": [229, 12, 0, 1, 4, 2, 248],
            "carried_forward": [16, 0, 0, 0, 1, 0, 17],
        }
    ),
    "review_litigation": _review([3, 1, 0, 2, 6], [1, 0, 1, 0, 2], [2, 0, 0, 1, 3]),
}

SPECS_2019 = {
    "jiaxian-2019": ReportSpec(
        "郏县人民政府办公室", 2019, FORMAT_2019, JIAXIAN_2019, procurement_unit="元", published="2020-01-21"
    ),
    "zhoukou-finance-2020": ReportSpec(
        "周口市财政局",
        2020,
        FORMAT_2019,
        ZHOUKOU_FINANCE_2020,
        procurement_unit="万元",
        published="2021-01-29",
    ),
    "baofeng-2020": ReportSpec(
        "宝丰县李庄乡人民政府",
        2020,
        FORMAT_2019,
        BAOFENG_2020,
        procurement_unit="万元",
        published="2021-01-15",
    ),
}
ALL_SPECS = {**FIXTURE_SPECS, **GENERATED_SPECS, **SPECS_2019}


def test_the_specs_cover_both_templates_and_both_other_row_forms():
    assert {(spec.format, spec.one_other_row) for spec in ALL_SPECS.values()} == {
        (FORMAT_2019, False),
        (FORMAT_2021, False),
        (FORMAT_2021, True),
    }


def _assert_consistent_and_complete(spec: ReportSpec) -> None:
    assert identity_errors(spec) == []
    printed = set(spec.printed_keys())
    given = {(table, *cell.rsplit(".", 1)) for table, cells in spec.facts.items() for cell in cells}
    assert given == printed


@pytest.mark.parametrize("name", sorted(ALL_SPECS))
def test_fixture_facts_are_consistent_and_complete(name):
    _assert_consistent_and_complete(ALL_SPECS[name])


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("name", sorted(ALL_SPECS))
def test_form_parses_back_exactly(name, form):
    spec = ALL_SPECS[name]
    data = FORMS[form](spec)
    assert roundtrip_errors(spec, data, f"{name}.{form}") == []


@needs_shared
@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("ident", SEED_IDS)
def test_seed_truth_parses_back_exactly_in_every_form(ident, form):
    spec = load_truth(seed_truth(ident))
    assert spec.format == FORMAT_2021
    _assert_consistent_and_complete(spec)
    assert roundtrip_errors(spec, FORMS[form](spec), f"seed-{ident}.{form}") == []


@pytest.mark.parametrize("name", sorted(SPECS_2019))
def test_2019_html_prints_units_and_signs_as_given(name):
    spec = SPECS_2019[name]
    page = FORMS["html"](spec).decode("utf-8")
    amount = spec.value("disclosure", "procurement", "amount")
    assert f"{amount}{spec.procurement_unit}" in page
    assert "（六）其他处理" in page and "1.申请人无正当理由" not in page


def test_blank_cells_parse_as_blank_not_zero():
    spec = FIXTURE_SPECS["kaifeng-2024"]
    blank = [("disclosure", "regulations", "issued"), ("disclosure", "fees", "amount")]
    data = FORMS["html"](spec.with_blanks(blank))
    assert roundtrip_errors(spec.with_blanks(blank), data, "blank.html") == []
    assert render_html(spec, blank_cells=blank) == data
