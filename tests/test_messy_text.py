"""Messy printed forms: 2019 template in text, full-width digits, units, dashes, wrapped labels."""

from __future__ import annotations

from pipelines.model import ParseResult
from pipelines.parse import parse_bytes
from tests.truth import SEEDS, requests_row

SEED_000 = (SEEDS / "000_2f0f6d62f86fde55.txt").read_text(encoding="utf-8")

DISCLOSURE_2019 = """二、主动公开政府信息情况
第二十条第（一）项\t\t\t
信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量
规章\t0\t0\t3
规范性文件\t5\t5\t120
第二十条第（五）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t处理决定数量
行政许可\t213\t-2\t１,５０２
其他对外管理服务事项\t12\t0\t—
第二十条第（六）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t处理决定数量
行政处罚\t45\t3\t2310
行政强制\t9\t0\t17
第二十条第（八）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t
行政事业性收费\t4\t-1\t
第二十条第（九）项\t\t\t
信息内容\t采购项目数量\t采购总金额（万元）\t
政府集中采购\t3\t３.５\t
"""


def report_2019() -> str:
    start, end = SEED_000.index("二、主动公开政府信息情况"), SEED_000.index("三、收到和处理")
    text = SEED_000[:start] + DISCLOSURE_2019 + "\n" + SEED_000[end:]
    other_rows = text[text.index("\t(六) 其他处理") : text.index("(七) 总计")]
    text = text.replace(other_rows, "\t(六) 其他处理\t3\t0\t0\t0\t0\t0\t3\n")
    return text.replace("2024", "2020")


def cells(result: ParseResult, table: str) -> dict[str, tuple]:
    return {f"{f.row}.{f.column}": (f.value, f.unit, f.blank) for f in result.facts if f.table == table}


def test_2019_template_from_text_every_disclosure_cell():
    result = parse_bytes(report_2019().encode(), "r2019.txt")
    assert (result.format, result.year, result.status) == ("2019", 2020, "parsed")
    assert cells(result, "disclosure") == {
        "regulations.made": (0, None, False),
        "regulations.published": (0, None, False),
        "regulations.total_published": (3, None, False),
        "normative_documents.made": (5, None, False),
        "normative_documents.published": (5, None, False),
        "normative_documents.total_published": (120, None, False),
        "licensing.prev_items": (213, None, False),
        "licensing.change": (-2, None, False),
        "licensing.decisions": (1502, None, False),
        "other_services.prev_items": (12, None, False),
        "other_services.change": (0, None, False),
        "other_services.decisions": (None, None, True),  # printed "—": blank, not 0
        "penalty.prev_items": (45, None, False),
        "penalty.change": (3, None, False),
        "penalty.decisions": (2310, None, False),
        "enforcement.prev_items": (9, None, False),
        "enforcement.change": (0, None, False),
        "enforcement.decisions": (17, None, False),
        "fees.prev_items": (4, None, False),
        "fees.change": (-1, None, False),
        "procurement.items": (3, None, False),
        "procurement.amount": (3.5, "万元", False),  # unit from the header
    }
    assert requests_row(result, "other") == [3, 0, 0, 0, 0, 0, 3]
    assert not [f for f in result.facts if f.row.startswith("other.")]
    assert result.failing_checks == []


def test_amount_with_unit_in_cell_keeps_the_printed_unit():
    text = report_2019().replace("政府集中采购\t3\t３.５\t", "政府集中采购\t3\t251000元\t")
    (fact,) = [
        f
        for f in parse_bytes(text.encode(), "r.txt").facts
        if f.row == "procurement" and f.column == "amount"
    ]
    assert (fact.value, fact.unit, fact.raw) == (251000, "元", "251000元")


def test_version_is_decided_by_headers_not_year():
    # a 2021-template report filed for 2020 is still read with the 2021 rows
    result = parse_bytes(SEED_000.replace("2024", "2020").encode(), "r.txt")
    assert (result.year, result.format) == (2020, "2021")
    assert {f.row for f in result.facts if f.table == "disclosure"} == {
        "regulations",
        "normative_documents",
        "licensing",
        "penalty",
        "enforcement",
        "fees",
    }


def test_full_width_digits_and_fee_unit():
    text = SEED_000.replace("行政规范性文件\t2\t0\t39", "行政规范性文件\t２\t０\t３９")
    text = text.replace("行政事业性收费\t0", "行政事业性收费\t3.5万元")
    result = parse_bytes(text.encode(), "r.txt")
    row = {f.column: f.value for f in result.facts if f.row == "normative_documents"}
    assert row == {"issued": 2, "repealed": 0, "in_force": 39}
    (fee,) = [f for f in result.facts if f.row == "fees"]
    assert (fee.value, fee.unit, fee.raw) == (3.5, "万元", "3.5万元")


def test_labels_wrapped_over_lines_and_numbers_before_labels():
    # a PDF text layer: each wrapped row prints its numbers before the rest of its label
    text = SEED_000.replace(
        "\t(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)\t21\t0\t0\t0\t0\t0\t21\t",
        "（二）部分公开（区分处理的，只计这一情\n21 0 0 0 0 0 21\n形，不计其他情形）",
    ).replace("\t\t1. 属于国家秘密\t2\t0\t0\t0\t0\t0\t2", "2 0 0 0 0 0 2\n1.属于国家\n秘密")
    result = parse_bytes(text.encode(), "r.txt")
    partial = {f.column: f.value for f in result.facts if f.row == "partially_granted"}
    secret = {f.column: f.value for f in result.facts if f.row == "denied.state_secret"}
    assert (partial["natural_person"], partial["total"], secret["natural_person"], secret["total"]) == (
        21,
        21,
        2,
        2,
    )
    assert result.failing_checks == []


def test_rows_printed_out_of_template_order_keep_their_own_numbers():
    text = SEED_000.replace("行政处罚\t0\t\t\n行政强制\t0\t\t", "行政强制\t5\t\t\n行政处罚\t7\t\t")
    result = parse_bytes(text.encode(), "r.txt")
    decisions = {f.row: f.value for f in result.facts if f.table == "disclosure" and f.column == "decisions"}
    assert (decisions["penalty"], decisions["enforcement"]) == (7, 5)
    assert result.status == "parsed"
