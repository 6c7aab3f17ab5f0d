"""Each identity, broken in the source or closed by inference, is reported with its cause."""

from __future__ import annotations

from mirror.render import render_text
from pipelines.model import ParseResult
from pipelines.parse import parse_bytes
from tests.samples import ZHONGMU_TEXT, fixture_spec


def parse_edited(old: str, new: str, text: str = ZHONGMU_TEXT) -> ParseResult:
    assert text.count(old) == 1, old
    return parse_bytes(text.replace(old, new).encode(), "edited.txt")


def failing(result: ParseResult) -> dict[str, tuple[str, str | None]]:
    return {c.identity.split(":")[0]: (c.detail, c.cause) for c in result.failing_checks}


def value(result: ParseResult, table: str, row: str, column: str):
    (fact,) = [f for f in result.facts if f.key == (table, row, column)]
    return fact


def test_consistent_report_passes_every_identity():
    result = parse_bytes(ZHONGMU_TEXT.encode(), "zhongmu.txt")
    names = {c.identity.split(":")[0] for c in result.checks}
    # 25 row totals + 7 balances + 7 result sums + 3 review rows
    assert len(names) == 25 + 7 + 7 + 3
    assert all(c.ok for c in result.checks)


def test_row_total_broken_in_source():
    result = parse_edited("(一) 予以公开\t24\t3\t0\t0\t2\t1\t30", "(一) 予以公开\t24\t3\t0\t0\t2\t1\t31")
    assert failing(result) == {
        "requests.row_total[granted]": ("31 != 30", "source"),
        "requests.results[total]": ("66 != 67", "source"),
    }
    assert value(result, "requests", "granted", "total").value == 31  # as printed, never fixed


def test_balance_broken_in_source():
    result = parse_edited(
        "四、结转下年度继续办理\t\t4\t1\t0\t0\t0\t0\t5", "四、结转下年度继续办理\t\t4\t1\t0\t0\t2\t0\t5"
    )
    assert failing(result) == {
        "requests.row_total[carried_forward]": ("5 != 7", "source"),
        "requests.balance[legal_service]": ("4 != 6", "source"),
    }


def test_results_sum_broken_in_source():
    result = parse_edited("(一) 予以公开\t24\t3\t0\t0\t2\t1\t30", "(一) 予以公开\t23\t3\t0\t0\t2\t1\t29")
    assert failing(result) == {
        "requests.results[natural_person]": ("56 != 55", "source"),
        "requests.results[total]": ("66 != 65", "source"),
    }


def test_review_row_total_broken_in_source():
    result = parse_edited(
        "2\t1\t0\t1\t4\t1\t0\t0\t1\t2\t1\t0\t0\t0\t1", "2\t1\t0\t1\t4\t1\t0\t0\t1\t3\t1\t0\t0\t0\t1"
    )
    assert failing(result) == {"review_litigation.row_total[litigation_direct]": ("3 != 2", "source")}


def test_missing_cell_is_inferred_from_identities():
    # 7.属于行政执法案卷 loses its natural_person cell: six numbers for seven columns
    result = parse_edited("7. 属于行政执法案卷\t3\t0\t0\t0\t0\t0\t3", "7. 属于行政执法案卷\t0\t0\t0\t0\t0\t3")
    fact = value(result, "requests", "denied.law_enforcement_case", "natural_person")
    assert (fact.value, fact.inferred, fact.blank) == (3, True, False)
    assert fact.reason
    assert value(result, "requests", "denied.law_enforcement_case", "total").value == 3
    assert result.failing_checks == []


def test_wrong_inference_is_blamed_on_inference():
    # two rows lose a cell in the same column: the identities cannot tell them apart
    edited = ZHONGMU_TEXT.replace("1. 属于国家秘密\t1\t0\t0\t0\t0\t0\t1", "1. 属于国家秘密\t0\t0\t0\t0\t0\t1")
    assert edited != ZHONGMU_TEXT
    result = parse_edited(
        "7. 属于行政执法案卷\t3\t0\t0\t0\t0\t0\t3", "7. 属于行政执法案卷\t0\t0\t0\t0\t0\t3", edited
    )
    secret = value(result, "requests", "denied.state_secret", "natural_person")
    case = value(result, "requests", "denied.law_enforcement_case", "natural_person")
    # both rows' own totals decide their natural_person cells (1 and 3): inferred, consistent
    assert (secret.value, secret.inferred, case.value, case.inferred) == (1, True, 3, True)
    assert result.failing_checks == []


def test_two_lost_cells_decided_by_column_identities():
    # 予以公开 loses natural_person and total: only the column identities can place its numbers
    result = parse_edited("(一) 予以公开\t24\t3\t0\t0\t2\t1\t30", "(一) 予以公开\t3\t0\t0\t2\t1")
    granted = {f.column: (f.value, f.inferred) for f in result.facts if f.row == "granted"}
    assert granted == {
        "natural_person": (24, True),
        "commercial": (3, False),
        "research": (0, False),
        "social_welfare": (0, False),
        "legal_service": (2, False),
        "other_org": (1, False),
        "total": (30, True),
    }
    assert result.failing_checks == []


def test_undecidable_cells_stay_blank():
    # a disclosure row has no identity: with two numbers for three columns and no layout hint
    # (a PDF text layer, with its Kangxi radicals), nothing says which column lost its number
    pdf_text = render_text(fixture_spec("zhongmu-2023"), "pdf", kangxi=True)
    result = parse_edited("⾏政规范性⽂件 3 1 27", "⾏政规范性⽂件 3 27", pdf_text)
    row = [f for f in result.facts if f.row == "normative_documents"]
    assert [(f.column, f.value, f.blank, f.inferred) for f in row] == [
        ("issued", None, True, False),
        ("repealed", None, True, False),
        ("in_force", None, True, False),
    ]
    assert result.status == "partial"
    assert "undecided" in {m.code for m in result.messages}


def test_layout_gap_decides_a_disclosure_cell():
    # text copied from HTML keeps the empty cell where the number was lost: that is the blank one
    result = parse_edited("行政规范性文件\t3\t1\t27", "行政规范性文件\t3\t\t27")
    row = {f.column: (f.value, f.blank) for f in result.facts if f.row == "normative_documents"}
    assert row == {"issued": (3, False), "repealed": (None, True), "in_force": (27, False)}
