"""Figures the text states are checked against the table cells they name."""

from __future__ import annotations

import io
import random

import pdfplumber

from mirror.generate import generate_report
from mirror.render import render_pdf, render_text
from pipelines.model import Check, CheckCell, ParseResult
from pipelines.parse import parse_bytes
from tests.truth import REALWORLD, SEEDS, shared_text

SPEC = generate_report(random.Random(21), agency="新郑市教育局", year=2024, fmt="2021")
RECEIVED = int(SPEC.value("requests", "new_received", "total") or 0)


def narrative(result: ParseResult) -> dict[str, Check]:
    return {c.id: c for c in result.checks if c.rule.startswith("narrative.")}


def test_a_report_whose_text_agrees_gets_an_ok_check():
    assert RECEIVED > 0
    result = parse_bytes(render_text(SPEC, "tab").encode(), "copied.txt")
    (check,) = narrative(result).values()
    assert (check.id, check.ok, check.cause) == ("narrative.requests_received[1]", True, None)
    assert check.left == [] and check.right == [
        CheckCell("requests", "new_received", "total", RECEIVED, "printed")
    ]
    assert check.detail == f"text {RECEIVED} = table {RECEIVED}"


def test_a_report_made_to_disagree_fails_with_the_text_span_and_the_cell():
    sentence = f"全年共收到政府信息公开申请{RECEIVED}件"
    text = render_text(SPEC, "tab")
    assert text.count(sentence) == 1
    edited = text.replace(sentence, f"全年共收到政府信息公开申请{RECEIVED + 3}件")
    result = parse_bytes(edited.encode(), "edited.txt")
    check = narrative(result)["narrative.requests_received[1]"]
    assert (check.ok, check.cause, check.detail) == (
        False,
        "source",
        f"text {RECEIVED + 3} != table {RECEIVED}",
    )
    assert check.left == [] and check.right == [
        CheckCell("requests", "new_received", "total", RECEIVED, "printed")
    ]
    quote = check.quote
    assert quote is not None and quote.value == RECEIVED + 3
    assert quote.text == f"收到政府信息公开申请{RECEIVED + 3}件"
    line = edited.splitlines()[quote.at.line - 1].strip()
    assert line[quote.offset :].startswith(quote.text)
    assert check in result.failing_checks


def test_a_pdf_sentence_is_found_across_a_line_break_and_located_on_its_page():
    edited = SPEC.with_blanks([])
    # as long as it takes for the PDF to wrap the line just before the figure
    edited.overview = (
        "（二）依申请公开。畅通线上、线下申请渠道，规范受理、办，"
        f"本年度共收到政府信息公开申请{RECEIVED + 1}件。",
    )
    data = render_pdf(edited)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        lines = (pdf.pages[0].extract_text() or "").splitlines()
    check = narrative(parse_bytes(data, "report.pdf"))["narrative.requests_received[1]"]
    assert (check.ok, check.quote.value, check.quote.at.page) == (False, RECEIVED + 1, 1)
    start = lines[check.quote.at.line - 1]
    assert start[check.quote.offset :] == "收到政府信息公开申请"  # the figure is on the next line
    assert lines[check.quote.at.line].startswith(f"{RECEIVED + 1}件")


def seed_with_carried_over(sentence: str) -> ParseResult:
    """Seed 000 with 5 requests carried over from the last year and 5 carried forward, and a sentence."""
    text = shared_text(SEEDS / "000_2f0f6d62f86fde55.txt")
    for old, new in (
        (
            "二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0",
            "二、上年结转政府信息公开申请数量\t\t5\t0\t0\t0\t0\t0\t5",
        ),
        ("四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0", "四、结转下年度继续办理\t\t5\t0\t0\t0\t0\t0\t5"),
        ("一、总体情况\n", f"一、总体情况\n{sentence}\n"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    result = parse_bytes(text.encode(), "seed.txt")
    assert not [c for c in result.failing_checks if not c.rule.startswith("narrative.")]
    return result


def test_received_with_carried_over_counts_both():
    # the table: 99 new, 5 carried over, 99 handled, 5 carried forward
    checks = narrative(
        seed_with_carried_over("本年度共收到政府信息公开申请104件，其中上年结转5件，结转下年度继续办理5件。")
    )
    assert {i: c.ok for i, c in checks.items()} == {
        "narrative.requests_received[1]": True,
        "narrative.requests_carried_over[1]": True,
        "narrative.requests_carried_forward[1]": True,
    }
    assert [(c.row, c.value) for c in checks["narrative.requests_received[1]"].cells] == [
        ("new_received", 99),
        ("carried_over", 5),
    ]
    # 其中上年结转 says the figure includes the carried over: 99 does not agree then
    wrong = narrative(seed_with_carried_over("本年度共收到政府信息公开申请99件，其中上年结转5件。"))
    assert wrong["narrative.requests_received[1]"].ok is False


def test_received_said_without_carried_over_agrees_with_either_reading():
    for figure, rows in (("99", ["new_received"]), ("104", ["new_received", "carried_over"])):
        checks = narrative(seed_with_carried_over(f"本年度共收到政府信息公开申请{figure}件。"))
        check = checks["narrative.requests_received[1]"]
        assert check.ok and [c.row for c in check.cells] == rows
    failing = narrative(seed_with_carried_over("本年度共收到政府信息公开申请100件。"))[
        "narrative.requests_received[1]"
    ]
    assert not failing.ok and [c.row for c in failing.cells] == ["new_received"]


def test_results_review_and_litigation_figures():
    # seed 000: 37 granted; review total 0, litigation 1 direct + 0 after review
    checks = narrative(
        seed_with_carried_over(
            "全年办理政府信息公开申请99件，其中予以公开37件。本年度因政府信息公开被申请行政复议0件，"
            "被提起行政诉讼2件，其中未经复议直接起诉行政诉讼1件。"
        )
    )
    assert {i: (c.ok, c.detail) for i, c in checks.items()} == {
        "narrative.requests_granted[1]": (True, "text 37 = table 37"),
        "narrative.review[1]": (True, "text 0 = table 0"),
        "narrative.litigation[1]": (False, "text 2 != table 1"),  # the direct-suit clause is not read
    }
    assert [c.row for c in checks["narrative.litigation[1]"].cells] == [
        "litigation_direct",
        "litigation_after_review",
    ]


def test_figures_about_a_region_an_earlier_year_or_another_document_are_not_read():
    result = seed_with_carried_over(
        "2024年，全市各级行政机关共收到政府信息公开申请3119件。与上年收到政府信息公开申请120件相比有所增加。"
        "《关于全年共收到政府信息公开申请500件的通报》已印发。"
    )
    assert narrative(result) == {}


def test_realworld_pdf_figures_wrapped_over_lines_agree():
    path = REALWORLD / "pdf" / "002_huaian_2024.pdf"
    shared_text(REALWORLD / "README.md")
    result = parse_bytes(path.read_bytes(), path.name)
    checks = narrative(result)
    assert {i: c.detail for i, c in checks.items()} == {
        "narrative.review[1]": "text 351 = table 351",
        "narrative.litigation[1]": "text 46 = table 46",
    }
    assert (checks["narrative.review[1]"].quote.at.page, checks["narrative.review[1]"].quote.at.line) == (
        2,
        9,
    )
