"""Messy printed forms: 2019 template in text, full-width digits, units, dashes, wrapped labels."""

from __future__ import annotations

from pipelines.model import ParseResult
from pipelines.parse import parse_bytes
from tests.samples import ZHONGMU_TEXT
from tests.truth import requests_row

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


def edited(old: str, new: str, text: str = ZHONGMU_TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def report_2019() -> str:
    """The 2021 fixture as a 2020 report on the 2019 template: its disclosure table and one
    （六）其他处理 row holding the three rows' sums."""
    start, end = ZHONGMU_TEXT.index("二、主动公开政府信息情况"), ZHONGMU_TEXT.index("三、收到和处理")
    text = ZHONGMU_TEXT[:start] + DISCLOSURE_2019 + "\n" + ZHONGMU_TEXT[end:]
    other_rows = text[text.index("\t(六) 其他处理") : text.index("(七) 总计")]
    text = text.replace(other_rows, "\t(六) 其他处理\t1\t0\t0\t0\t1\t0\t2\n")
    return text.replace("2023", "2020")


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
    assert requests_row(result, "other") == [1, 0, 0, 0, 1, 0, 2]
    assert not [f for f in result.facts if f.row.startswith("other.")]
    assert result.failing_checks == []


def test_amount_with_unit_in_cell_keeps_the_printed_unit():
    text = edited("政府集中采购\t3\t３.５\t", "政府集中采购\t3\t251000元\t", report_2019())
    (fact,) = [
        f
        for f in parse_bytes(text.encode(), "r.txt").facts
        if f.row == "procurement" and f.column == "amount"
    ]
    assert (fact.value, fact.unit, fact.raw) == (251000, "元", "251000元")


def test_version_is_decided_by_headers_not_year():
    # a 2021-template report filed for 2020 is still read with the 2021 rows
    result = parse_bytes(ZHONGMU_TEXT.replace("2023", "2020").encode(), "r.txt")
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
    text = edited("行政规范性文件\t3\t1\t27", "行政规范性文件\t３\t１\t２７")
    text = edited("行政事业性收费\t0", "行政事业性收费\t3.5万元", text)
    result = parse_bytes(text.encode(), "r.txt")
    row = {f.column: f.value for f in result.facts if f.row == "normative_documents"}
    assert row == {"issued": 3, "repealed": 1, "in_force": 27}
    (fee,) = [f for f in result.facts if f.row == "fees"]
    assert (fee.value, fee.unit, fee.raw) == (3.5, "万元", "3.5万元")


def test_labels_wrapped_over_lines_and_numbers_before_labels():
    # a PDF text layer: each wrapped row prints its numbers before the rest of its label
    text = edited(
        "\t(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)\t9\t1\t0\t0\t0\t0\t10\t",
        "（二）部分公开（区分处理的，只计这一情\n9 1 0 0 0 0 10\n形，不计其他情形）",
    )
    text = edited(
        "\t(三) 不予公开\t1. 属于国家秘密\t1\t0\t0\t0\t0\t0\t1", "1 0 0 0 0 0 1\n1.属于国家\n秘密", text
    )
    result = parse_bytes(text.encode(), "r.txt")
    partial = {f.column: f.value for f in result.facts if f.row == "partially_granted"}
    secret = {f.column: f.value for f in result.facts if f.row == "denied.state_secret"}
    assert (partial["natural_person"], partial["commercial"], partial["total"]) == (9, 1, 10)
    assert (secret["natural_person"], secret["total"]) == (1, 1)
    assert result.failing_checks == []


def test_rows_printed_out_of_template_order_keep_their_own_numbers():
    text = edited("行政处罚\t217\t\t\n行政强制\t12\t\t", "行政强制\t5\t\t\n行政处罚\t7\t\t")
    result = parse_bytes(text.encode(), "r.txt")
    decisions = {f.row: f.value for f in result.facts if f.table == "disclosure" and f.column == "decisions"}
    assert (decisions["penalty"], decisions["enforcement"]) == (7, 5)
    assert result.status == "parsed"


def test_sign_words_in_the_change_column():
    """本年增/减 printed as 减2 / 增3 / 减少1: a decrease is negative, an increase positive."""
    text = report_2019()
    text = edited("行政许可\t213\t-2\t", "行政许可\t213\t减2\t", text)
    text = edited("行政处罚\t45\t3\t", "行政处罚\t45\t增3\t", text)
    text = edited("行政事业性收费\t4\t-1\t", "行政事业性收费\t4\t减少1\t", text)
    result = parse_bytes(text.encode(), "r2019.txt")
    assert result.status == "parsed"
    got = cells(result, "disclosure")
    assert (got["licensing.change"], got["penalty.change"], got["fees.change"]) == (
        (-2, None, False),
        (3, None, False),
        (-1, None, False),
    )
    raws = {f.row: f.raw for f in result.facts if f.column == "change"}
    assert (raws["licensing"], raws["penalty"], raws["fees"]) == ("减2", "增3", "减少1")
