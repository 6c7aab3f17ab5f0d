"""Checks are data: the exact cells each compares, the value used and the state of each cell."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from mirror.generate import generate_report
from mirror.render import render_html
from pipelines.identities import RULES
from pipelines.messages import TEMPLATES
from pipelines.model import Check, CheckCell, ParseResult
from pipelines.narrative import PHRASES
from pipelines.parse import parse_bytes
from tests.truth import SEEDS, shared_text

DOCS = Path(__file__).resolve().parents[1] / "docs" / "parser.md"


def seed_000() -> str:
    return shared_text(SEEDS / "000_2f0f6d62f86fde55.txt")


def check(result: ParseResult, check_id: str) -> Check:
    (found,) = [c for c in result.checks if c.id == check_id]
    return found


def test_a_failing_four_cell_identity_names_exactly_its_four_cells():
    edited = seed_000().replace(
        "一、本年新收政府信息公开申请数量\t\t99\t0\t0\t0\t0\t0\t99",
        "一、本年新收政府信息公开申请数量\t\t99\t0\t0\t0\t0\t0\t100",
    )
    result = parse_bytes(edited.encode(), "edited.txt")
    balance = check(result, "requests.balance[total]")
    assert (balance.rule, balance.table, balance.subject, balance.ok, balance.cause) == (
        "requests.balance",
        "requests",
        "total",
        False,
        "source",
    )
    assert balance.left == [
        CheckCell("requests", "new_received", "total", 100, "printed"),
        CheckCell("requests", "carried_over", "total", 0, "printed"),
    ]
    assert balance.right == [
        CheckCell("requests", "total", "total", 99, "printed"),
        CheckCell("requests", "carried_forward", "total", 0, "printed"),
    ]
    assert balance.detail == "100 != 99"
    # the other failure the edit causes is about its own row, not the whole column
    assert {c.id for c in result.failing_checks} == {
        "requests.balance[total]",
        "requests.row_total[new_received]",
    }
    row_total = check(result, "requests.row_total[new_received]")
    assert {(c.row, c.column) for c in row_total.cells} == {
        ("new_received", column)
        for column in ("total", "natural_person", "commercial", "research", "social_welfare", "legal_service")
    } | {("new_received", "other_org")}


def _page_with_blank_total() -> tuple[ParseResult, int]:
    spec = generate_report(random.Random(3), agency="新郑市教育局", year=2024, fmt="2021")
    received = spec.value("requests", "new_received", "total")
    assert received
    page = render_html(spec, blank_cells=[("requests", "new_received", "total")])
    return parse_bytes(page, "blank.html"), int(received)


def test_a_blank_total_prints_as_blank_never_as_zero():
    result, received = _page_with_blank_total()
    fact = next(f for f in result.facts if f.key == ("requests", "new_received", "total"))
    assert (fact.state, fact.value, fact.blank, fact.raw) == ("blank", None, True, "")
    row_total = check(result, "requests.row_total[new_received]")
    assert row_total.detail == f"(blank) != {received}"
    assert row_total.left == [CheckCell("requests", "new_received", "total", 0, "blank")]
    assert row_total.cause == "source"
    balance = check(result, "requests.balance[total]")
    carried = next(c for c in balance.cells if c.row == "carried_over")
    assert balance.detail.startswith(f"{carried.value} + (blank) != ")


def test_check_ids_are_unique_and_stable():
    first = parse_bytes(seed_000().encode(), "a.txt")
    again = parse_bytes(seed_000().encode(), "b.txt")
    ids = [c.id for c in first.checks]
    assert len(ids) == len(set(ids)) == 42
    assert ids == [c.id for c in again.checks]
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+\[[a-z_.]+\]", i) for i in ids)
    assert {c.rule for c in first.checks} == set(RULES)
    assert all(c.identity == c.id for c in first.checks)  # the name storage/ reads


def test_a_failure_through_an_inferred_cell_is_blamed_on_inference():
    # the row loses its natural_person cell (inferred from its total) and the total is then broken
    edited = seed_000().replace(
        "7. 属于行政执法案卷\t3\t0\t0\t0\t0\t0\t3", "7. 属于行政执法案卷\t0\t0\t0\t0\t0\t4"
    )
    result = parse_bytes(edited.encode(), "edited.txt")
    failing = {c.id: c for c in result.failing_checks}
    assert failing, "the edit breaks the results sum"
    for found in failing.values():
        inferred = [c for c in found.cells if c.state == "inferred"]
        assert found.cause == ("inferred" if inferred else "source")
    fact = next(
        f for f in result.facts if f.key == ("requests", "denied.law_enforcement_case", "natural_person")
    )
    assert (fact.state, fact.raw, fact.value) == ("inferred", "", 4)
    assert fact.reason == "not printed; decided by requests.row_total[denied.law_enforcement_case]"


def test_json_checks_are_objects_with_their_cells_and_messages_are_coded():
    result, _ = _page_with_blank_total()
    out = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    row_total = next(c for c in out["checks"] if c["id"] == "requests.row_total[new_received]")
    assert set(row_total) == {"id", "rule", "table", "subject", "ok", "cause", "detail", "cells", "quote"}
    assert row_total["cells"][0] == {
        "table": "requests",
        "row": "new_received",
        "column": "total",
        "side": "left",
        "value": 0,
        "state": "blank",
    }
    assert all(set(m) == {"code", "text", "params"} for m in out["messages"])
    assert {
        "code": "agency_from_title",
        "text": "agency from the title: 新郑市教育局",
        "params": {"agency": "新郑市教育局", "title": "新郑市教育局2024年政府信息公开工作年度报告"},
    } in out["messages"]


def _documented(heading: str) -> set[str]:
    """The codes in the first column of the table under `heading` in docs/parser.md."""
    section = DOCS.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_.0-9]+)` \|", section, re.MULTILINE))


def test_every_message_code_and_rule_is_documented_and_nothing_else():
    assert _documented("Message codes") == set(TEMPLATES)
    assert _documented("Check rules") == set(RULES) | {p.rule for p in PHRASES}
