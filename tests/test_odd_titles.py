"""Odd report titles (SQL-like quotes, 100k characters, NUL, bidi marks) still name the report:
its agency and year come from the title, kept verbatim up to a bound and cut with a message."""

from __future__ import annotations

import dataclasses
import random

import pytest

from mirror.generate import generate_report
from mirror.render import render_html
from pipelines.limits import MAX_TITLE_CHARS
from pipelines.parse import parse_bytes
from pipelines.schema import FORMAT_2021

SPEC = generate_report(random.Random(0), agency="兰考县人民政府", year=2022, fmt=FORMAT_2021)
TITLE = SPEC.title  # 兰考县人民政府2022年政府信息公开工作年度报告
ODD_TITLES = {
    "sql-quotes": (TITLE + "'; DROP TABLE reports; --\"", TITLE + "'; DROP TABLE reports;"),
    "100k-characters": (TITLE + "x" * 100_000, (TITLE + "x" * 100_000)[:MAX_TITLE_CHARS]),
    "nul": (TITLE.replace("政府", "政\x00府", 1), TITLE),
    "rtl-marks": ("\u202e" + TITLE + "\u200f", TITLE),
    "mark-inside": (TITLE.replace("年度", "年\u200f度"), TITLE),
    "quotes": ('"' + TITLE + "'", '"' + TITLE + "'"),
}


def odd_report(title: str) -> bytes:
    return render_html(dataclasses.replace(SPEC, title=title))


@pytest.mark.parametrize("name", list(ODD_TITLES))
def test_an_odd_title_still_names_agency_and_year(name: str):
    printed, kept = ODD_TITLES[name]
    result = parse_bytes(odd_report(printed), "odd.html")
    assert (result.status, result.agency, result.year, result.title) == (
        "parsed",
        "兰考县人民政府",
        2022,
        kept,
    )
    codes = [m.code for m in result.messages]
    assert codes[:2] == ["agency_from_title", "year_from_title"]
    assert ("title_cut" in codes) == (name == "100k-characters")
