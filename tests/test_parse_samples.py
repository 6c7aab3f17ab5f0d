"""The five seeds and the three real-world reports (text and PDF) against hand-checked truth."""

from __future__ import annotations

import pytest

from pipelines.parse import parse_path
from tests.truth import REALWORLD, SEED_TRUTHS, SEEDS, load, mismatches, requests_row


@pytest.mark.parametrize("truth_path", SEED_TRUTHS, ids=lambda p: p.stem)
def test_seed_matches_truth(truth_path):
    truth = load(truth_path)
    result = parse_path(str(SEEDS / truth["source"]))
    assert mismatches(result, truth) == []
    assert (result.agency, result.year, result.format) == (truth["agency"], truth["year"], truth["format"])
    assert result.status == "parsed"
    assert result.failing_checks == []


def test_seed_002_short_rows_are_inferred_and_explained():
    truth = load(SEEDS.parent / "truth" / "seed-002.json")
    result = parse_path(str(SEEDS / truth["source"]))
    inferred = [f for f in result.facts if f.inferred]
    # 20 result rows printed six numbers for seven columns; (六)3.其他 lost its total
    assert {f.row for f in inferred} >= {"unable.not_held", "unable.unclear_after_correction", "other.other"}
    assert all(f.value == 0 and f.reason for f in inferred)
    assert requests_row(result, "unable.not_held") == [1, 0, 0, 0, 0, 0, 1]
    assert "columns_decided" in {m.code for m in result.messages}


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


@pytest.mark.parametrize("form", ["raw", "pdf"])
def test_realworld_source_inconsistency_is_reported_as_source(form):
    path = REALWORLD / "raw" / "003.txt" if form == "raw" else REALWORLD / "pdf" / "003_hongze_2023.pdf"
    result = parse_path(str(path))
    failing = {(c.identity.split(":")[0], c.detail, c.cause) for c in result.failing_checks}
    assert failing == {
        ("review_litigation.row_total[review]", "0 != 11", "source"),
        ("review_litigation.row_total[litigation_after_review]", "0 != 5", "source"),
    }
    # the printed zeros stay as printed
    totals = {f.row: f.value for f in result.facts if f.table == "review_litigation" and f.column == "total"}
    assert totals == {"review": 0, "litigation_direct": 0, "litigation_after_review": 0}
    assert not any(f.inferred for f in result.facts)
