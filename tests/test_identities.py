"""Each identity, broken in the source or closed by inference, is reported with its cause."""

from __future__ import annotations

from pipelines.model import ParseResult
from pipelines.parse import parse_bytes
from tests.truth import SEEDS

SEED_000 = (SEEDS / "000_2f0f6d62f86fde55.txt").read_text(encoding="utf-8")


def parse_edited(old: str, new: str, text: str = SEED_000) -> ParseResult:
    assert text.count(old) == 1, old
    return parse_bytes(text.replace(old, new).encode(), "edited.txt")


def failing(result: ParseResult) -> dict[str, tuple[str, str | None]]:
    return {c.identity.split(":")[0]: (c.detail, c.cause) for c in result.failing_checks}


def value(result: ParseResult, table: str, row: str, column: str):
    (fact,) = [f for f in result.facts if f.key == (table, row, column)]
    return fact


def test_consistent_seed_passes_every_identity():
    result = parse_bytes(SEED_000.encode(), "seed.txt")
    names = {c.identity.split(":")[0] for c in result.checks}
    # 25 row totals + 7 balances + 7 result sums + 3 review rows
    assert len(names) == 25 + 7 + 7 + 3
    assert all(c.ok for c in result.checks)


def test_row_total_broken_in_source():
    result = parse_edited("(一) 予以公开\t37\t0\t0\t0\t0\t0\t37", "(一) 予以公开\t37\t0\t0\t0\t0\t0\t38")
    assert failing(result) == {
        "requests.row_total[granted]": ("38 != 37", "source"),
        "requests.results[total]": ("99 != 100", "source"),
    }
    assert value(result, "requests", "granted", "total").value == 38  # as printed, never fixed


def test_balance_broken_in_source():
    result = parse_edited(
        "四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0", "四、结转下年度继续办理\t\t0\t0\t0\t0\t2\t0\t0"
    )
    assert failing(result) == {
        "requests.row_total[carried_forward]": ("0 != 2", "source"),
        "requests.balance[legal_service]": ("0 != 2", "source"),
    }


def test_results_sum_broken_in_source():
    result = parse_edited("(一) 予以公开\t37\t0\t0\t0\t0\t0\t37", "(一) 予以公开\t36\t0\t0\t0\t0\t0\t36")
    assert failing(result) == {
        "requests.results[natural_person]": ("99 != 98", "source"),
        "requests.results[total]": ("99 != 98", "source"),
    }


def test_review_row_total_broken_in_source():
    result = parse_edited(
        "0\t0\t0\t0\t0\t1\t0\t0\t0\t1\t0\t0\t0\t0\t0", "0\t0\t0\t0\t0\t1\t0\t0\t0\t2\t0\t0\t0\t0\t0"
    )
    assert failing(result) == {"review_litigation.row_total[litigation_direct]": ("2 != 1", "source")}


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
    edited = SEED_000.replace("1. 属于国家秘密\t2\t0\t0\t0\t0\t0\t2", "1. 属于国家秘密\t0\t0\t0\t0\t0\t2")
    result = parse_edited(
        "7. 属于行政执法案卷\t3\t0\t0\t0\t0\t0\t3", "7. 属于行政执法案卷\t0\t0\t0\t0\t0\t3", edited
    )
    secret = value(result, "requests", "denied.state_secret", "natural_person")
    case = value(result, "requests", "denied.law_enforcement_case", "natural_person")
    # both rows' own totals decide their natural_person cells (2 and 3): inferred, consistent
    assert (secret.value, secret.inferred, case.value, case.inferred) == (2, True, 3, True)
    assert result.failing_checks == []


def test_two_lost_cells_decided_by_column_identities():
    # 予以公开 loses natural_person and total: only the column identities can place its numbers
    result = parse_edited("(一) 予以公开\t37\t0\t0\t0\t0\t0\t37", "(一) 予以公开\t0\t0\t0\t0\t0")
    granted = {f.column: (f.value, f.inferred) for f in result.facts if f.row == "granted"}
    assert granted["natural_person"] == (37, True)
    assert granted["total"] == (37, True)
    assert granted["commercial"] == (0, False)
    assert result.failing_checks == []


def test_undecidable_cells_stay_blank():
    # a disclosure row has no identity: with two numbers for three columns and no layout hint,
    # nothing says which column lost its number
    seed_001 = (SEEDS / "001_b4e80fca2573dd0c.txt").read_text(encoding="utf-8")
    result = parse_edited("⾏政规范性⽂件 0 0 1", "⾏政规范性⽂件 0 1", seed_001)
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
    result = parse_edited("行政规范性文件\t2\t0\t39", "行政规范性文件\t2\t\t39")
    row = {f.column: (f.value, f.blank) for f in result.facts if f.row == "normative_documents"}
    assert row == {"issued": (2, False), "repealed": (None, True), "in_force": (39, False)}
