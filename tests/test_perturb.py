"""Layout perturbations that keep every printed number (tests/perturb.py) never give wrong cells
with status `parsed` and no failing check: the perturbed parse reads every fact as the
unperturbed one, or its status is not `parsed`, or a check fails."""

from __future__ import annotations

import random

import pytest

from mirror.generate import generate_report
from mirror.render import render_html, render_text
from pipelines.model import ParseResult
from pipelines.parse import parse_bytes
from pipelines.schema import FORMAT_2019, FORMAT_2021
from tests.perturb import HTML_PERTURBATIONS, TEXT_PERTURBATIONS, Perturbation, empty_row
from tests.samples import GUANGSHAN, HUOJIA, ZHONGMU

TRIES = 3  # random placements of each perturbation per report


def facts(result: ParseResult) -> dict[tuple[str, str, str], tuple[object, str]]:
    return {f.key: (f.value, f.state) for f in result.facts}


def silently_wrong(data: bytes, perturbations: dict[str, Perturbation], seed: int) -> list[str]:
    """The perturbations of `data` whose parse differs from its parse with nothing said."""
    want = facts(parse_bytes(data, "report"))
    wrong: list[str] = []
    for name, perturb in perturbations.items():
        for attempt in range(TRIES):
            perturbed = perturb(random.Random(seed * 100 + attempt), data)
            if perturbed is None:
                continue
            result = parse_bytes(perturbed, "perturbed")
            got = facts(result)
            differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
            if differ and result.status == "parsed" and not result.failing_checks:
                wrong.append(f"{name} #{attempt}: {['.'.join(k) for k in differ[:4]]}")
    return wrong


def mirror_report(seed: int) -> tuple[bytes, bytes]:
    """A mirror report (2019 template every third seed) as an HTML page and as tab text; odd
    seeds print a dozen cells blank (a blank and a 0 are equal to the checks)."""
    rng = random.Random(seed)
    year, fmt = (2020, FORMAT_2019) if seed % 3 == 0 else (2022, FORMAT_2021)
    spec = generate_report(rng, agency="兰考县人民政府", year=year, fmt=fmt)
    if seed % 2:
        spec = spec.with_blanks(rng.sample(sorted(spec.expected()), 12))
    return render_html(spec), render_text(spec, "tab").encode()


# Known and open (issue 11, item 11): an empty row inserted under the requests table's header
# rowspan takes one of the rows the span covers, so the header row below it starts three columns
# left; zeros and blanks of one column then trade places, which no identity can see (a blank
# counts as 0). Listed here so that any other silent case fails the test, and so does its fix.
KNOWN_SILENT = {
    "seed 21 html empty-row #2: ['requests.carried_forward.legal_service', 'requests.carried_forward.total',"
    " 'requests.not_processed.massive_repeated.other_org',"
    " 'requests.not_processed.massive_repeated.social_welfare']"
}


def check_seeds(seeds: range) -> None:
    wrong: list[str] = []
    for seed in seeds:
        page, text = mirror_report(seed)
        wrong += [f"seed {seed} html {w}" for w in silently_wrong(page, HTML_PERTURBATIONS, seed)]
        wrong += [f"seed {seed} text {w}" for w in silently_wrong(text, TEXT_PERTURBATIONS, seed)]
    assert set(wrong) == {w for w in KNOWN_SILENT if int(w.split()[1]) in seeds}


def test_perturbed_mirror_reports_are_read_right_or_flagged():
    check_seeds(range(6))


@pytest.mark.slow
def test_many_perturbed_mirror_reports_are_read_right_or_flagged():
    check_seeds(range(6, 40))


@pytest.mark.parametrize("fixture", [ZHONGMU, HUOJIA, GUANGSHAN], ids=lambda p: p.stem)
def test_trailing_tabs_in_text_fixtures_are_read_right_or_flagged(fixture):
    assert silently_wrong(fixture.read_bytes(), TEXT_PERTURBATIONS, 0) == []


def test_an_inserted_empty_row_is_not_a_row_of_blanks():
    page, _ = mirror_report(2)
    want = parse_bytes(page, "report")
    read_right = 0
    for attempt in range(10):
        result = parse_bytes(empty_row(random.Random(attempt), page), "perturbed")
        if (result.status, facts(result)) == (want.status, facts(want)):
            read_right += 1
        else:  # inserted under a rowspan, it cut the span short: the rows below it are flagged
            assert result.status == "partial"
            assert "misaligned_rows" in [m.code for m in result.messages]
    assert read_right >= 5
