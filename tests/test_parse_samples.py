"""Reports against hand-checked truth: the project's own fixtures (tests/fixtures) always, the five
seeds and the three real-world reports (text and PDF) of ../shared when it is present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mirror.render import render_pdf
from pipelines.model import ParseResult
from pipelines.parse import parse_bytes, parse_path
from pipelines.schema import REQUESTS_2021
from tests.samples import FIXTURES, GUANGSHAN, HUOJIA, fixture_spec, truth_path
from tests.truth import (
    REALWORLD,
    SEED_IDS,
    SEEDS,
    load,
    mismatches,
    needs_shared,
    requests_row,
    seed_truth,
)

# --- own fixtures ----------------------------------------------------------------------------


def parsed_as_truth(path: Path, truth: dict[str, Any]) -> ParseResult:
    """The parse of `path`, asserted to match `truth`: every cell, agency, year, template."""
    result = parse_path(str(path))
    assert mismatches(result, truth) == []
    assert (result.agency, result.year, result.format) == (truth["agency"], truth["year"], truth["format"])
    assert result.status == "parsed"
    return result


@pytest.mark.parametrize("name", ["zhongmu-2023", "huojia-2022", "guangshan-2022"])
def test_fixture_matches_truth(name):
    truth = load(truth_path(name))
    parsed_as_truth(FIXTURES / truth["source"], truth)


def test_consistent_fixtures_pass_every_check():
    for name in ("zhongmu-2023", "huojia-2022"):
        assert parse_path(str(FIXTURES / f"{name}.txt")).failing_checks == [], name


def test_short_rows_are_inferred_and_explained():
    result = parse_path(str(HUOJIA))
    inferred = {(f.row, f.column): f for f in result.facts if f.inferred}
    # the 14 result rows of （三）（四）（六） printed six numbers for seven columns: one cell each
    short = [r.key for r in REQUESTS_2021 if r.key.startswith(("denied.", "unable.", "other."))]
    assert sorted(row for row, _ in inferred) == sorted(short)
    assert all(f.value == 0 and f.reason for f in inferred.values())
    assert requests_row(result, "unable.not_held") == [1, 0, 0, 0, 0, 0, 1]
    assert ("unable.not_held", "natural_person") not in inferred  # the printed 1 stays printed
    assert any(m.code == "columns_decided" for m in result.messages)


def _assert_review_totals_printed_zero(result: ParseResult, review: int, after_review: int) -> None:
    """Table 四 printed totals of 0 over parts summing to `review` and `after_review`."""
    failing = {(c.identity.split(":")[0], c.detail, c.cause) for c in result.failing_checks}
    assert failing == {
        ("review_litigation.row_total[review]", f"0 != {review}", "source"),
        ("review_litigation.row_total[litigation_after_review]", f"0 != {after_review}", "source"),
    }
    # the printed zeros stay as printed
    totals = {f.row: f.value for f in result.facts if f.table == "review_litigation" and f.column == "total"}
    assert totals == {"review": 0, "litigation_direct": 0, "litigation_after_review": 0}
    assert not any(f.inferred for f in result.facts)


def test_source_inconsistency_is_reported_as_source_in_text():
    _assert_review_totals_printed_zero(parse_path(str(GUANGSHAN)), 6, 2)


def test_source_inconsistency_is_reported_as_source_in_pdf():
    spec = fixture_spec("guangshan-2022")
    result = parse_bytes(render_pdf(spec), "guangshan-2022.pdf")
    assert (result.kind, result.agency, result.year) == ("pdf", spec.agency, spec.year)
    assert mismatches(result, load(truth_path("guangshan-2022"))) == []
    _assert_review_totals_printed_zero(result, 6, 2)


# --- ../shared: real reports -----------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("ident", SEED_IDS)
def test_seed_matches_truth(ident):
    truth = load(seed_truth(ident))
    assert parsed_as_truth(SEEDS / truth["source"], truth).failing_checks == []


@needs_shared
def test_seed_002_short_rows_are_inferred_and_explained():
    truth = load(seed_truth("002"))
    result = parse_path(str(SEEDS / truth["source"]))
    inferred = [f for f in result.facts if f.inferred]
    # 20 result rows printed six numbers for seven columns; (六)3.其他 lost its total
    assert {f.row for f in inferred} >= {"unable.not_held", "unable.unclear_after_correction", "other.other"}
    assert all(f.value == 0 and f.reason for f in inferred)
    assert requests_row(result, "unable.not_held") == [1, 0, 0, 0, 0, 0, 1]
    assert "columns_decided" in {m.code for m in result.messages}


@needs_shared
@pytest.mark.parametrize("ident", ["002", "003", "004"])
@pytest.mark.parametrize("form", ["raw", "pdf"])
def test_realworld_report_matches_truth(ident, form):
    truth = load(REALWORLD / ("truth" if form == "raw" else "truth-pdf") / f"{ident}.json")
    folder = REALWORLD / form
    result = parse_path(
        str(folder / truth["source"]) if form == "raw" else str(next(folder.glob(f"{ident}_*.pdf")))
    )
    assert mismatches(result, truth) == []
    assert result.year == truth["year"]


@needs_shared
@pytest.mark.parametrize("form", ["raw", "pdf"])
def test_realworld_source_inconsistency_is_reported_as_source(form):
    path = REALWORLD / "raw" / "003.txt" if form == "raw" else REALWORLD / "pdf" / "003_hongze_2023.pdf"
    _assert_review_totals_printed_zero(parse_path(str(path)), 11, 5)
