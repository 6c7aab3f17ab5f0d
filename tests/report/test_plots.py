"""What the plots add up, year by year, and the font they need."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.model import Fact
from pipelines.schema import REQUESTS
from report.fonts import CJK_FONTS, FontMissing, cjk_font
from report.plots import requests_by_outcome, share_granted
from report.queries import YearFact


def facts(
    report_id: int, year: int, values: dict[str, float | None], undecided: tuple[str, ...] = ()
) -> list[YearFact]:
    out = []
    for row, value in values.items():
        state = "undecided" if row in undecided else "blank" if value is None else "printed"
        out.append(YearFact(report_id, year, Fact(REQUESTS, row, "total", value, "", state=state)))
    return out


RESULTS = {
    "granted": 5.0,
    "partially_granted": 1.0,
    "denied.state_secret": 2.0,
    "denied.process_info": None,  # printed blank: adds nothing
    "unable.not_held": 3.0,
    "not_processed.duplicate": 0.0,
    "other.other": 1.0,
    "total": 12.0,
}


def test_outcomes_add_up_groups_and_leave_out_reports_with_undecided_cells():
    data = requests_by_outcome(
        facts(1, 2021, RESULTS)
        + facts(2, 2021, {**RESULTS, "granted": 10.0})
        + facts(3, 2021, {**RESULTS, "denied.state_secret": None}, undecided=("denied.state_secret",))
        + facts(4, 2018, RESULTS)  # before the templates: not plotted
    )
    assert data.years == [2021] and data.counted == {2021: 2} and data.left_out == {2021: [3]}
    assert {key: series[2021] for key, series in data.series.items()} == {
        "granted": 15.0,
        "partially_granted": 2.0,
        "denied": 4.0,
        "unable": 6.0,
        "not_processed": 0.0,
        "other": 2.0,
    }


def test_share_granted_parts():
    data = share_granted(facts(1, 2022, RESULTS) + facts(2, 2023, {"granted": 1.0}))  # 2: no total row
    assert data.counted == {2022: 1}
    assert {key: series.get(2022) for key, series in data.series.items()} == {
        "granted": 5.0,
        "partially_granted": 1.0,
        "total": 12.0,
    }


def test_a_missing_cjk_font_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FontMissing, match="install Debian's fonts-noto-cjk"):
        cjk_font(((tmp_path / "none.ttc", "Noto Sans CJK SC"),))
    assert cjk_font() in {family for _, family in CJK_FONTS}
