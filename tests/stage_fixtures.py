"""Reports for tests of the stages: distinct agencies and years, rendered as portal HTML pages."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from mirror.corpus import MirrorReport, article_body, make_reports
from mirror.generate import list_agencies

ROOT = Path(__file__).resolve().parents[1]
YEARS = (2019, 2020, 2021, 2022, 2023, 2024)


@cache
def html_reports(count: int) -> list[tuple[MirrorReport, bytes]]:
    """`count` HTML reports, one per (agency, year), with the bytes a portal serves for each."""
    agencies = list_agencies(-(-count // len(YEARS)))
    reports = make_reports(
        "stages",
        agencies=agencies,
        years=YEARS,
        kinds=["html"],
        path_for=lambda index, _published, _kind: (f"/r/{index}.html", None),
    )[:count]
    return [(report, article_body(report)) for report in reports]
