"""Property: any consistent report, in any published form, parses back to exactly its facts."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mirror.generate import generate_report, list_agencies
from mirror.report_spec import ReportSpec
from pipelines.schema import DISCLOSURE, FORMAT_2019, FORMAT_2021
from tests.roundtrip import FAST_FORMS, FORMS, SLOW_FORMS, roundtrip_errors

AGENCIES = list_agencies(200)
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


@st.composite
def reports(draw: st.DrawFn) -> ReportSpec:
    fmt = draw(st.sampled_from((FORMAT_2019, FORMAT_2021)))
    year = draw(st.sampled_from((2019, 2020)) if fmt == FORMAT_2019 else st.integers(2021, 2025))
    return generate_report(
        random.Random(draw(st.integers(0, 2**32 - 1))),
        agency=draw(st.sampled_from(AGENCIES)),
        year=year,
        fmt=fmt,
        one_other_row=draw(st.booleans()),
    )


@settings(max_examples=150, **SETTINGS)
@given(spec=reports(), form=st.sampled_from((*FAST_FORMS, "html-fullwidth")))
def test_markup_forms_round_trip(spec: ReportSpec, form: str) -> None:
    assert roundtrip_errors(spec, FORMS[form](spec), f"generated.{form}") == []


@pytest.mark.parametrize("form", SLOW_FORMS)
@settings(max_examples=12, **SETTINGS)
@given(spec=reports())
def test_document_forms_round_trip(form: str, spec: ReportSpec) -> None:
    assert roundtrip_errors(spec, FORMS[form](spec), f"generated.{form}") == []


@settings(max_examples=40, **SETTINGS)
@given(spec=reports(), data=st.data(), form=st.sampled_from(("html", "html-split", "html-gbk", "docx")))
def test_blank_disclosure_rows_stay_blank(spec: ReportSpec, data: st.DataObject, form: str) -> None:
    """A report that leaves whole rows of table 二 empty: those cells parse as blank, not 0."""
    rows = spec.rows(DISCLOSURE)
    blank_rows = data.draw(st.sets(st.sampled_from([r.key for r in rows]), min_size=1, max_size=3))
    keys = [(DISCLOSURE, r.key, c.key) for r in rows if r.key in blank_rows for c in r.columns]
    blanked = spec.with_blanks(keys)
    assert roundtrip_errors(blanked, FORMS[form](blanked), f"blank.{form}") == []
