"""Report bodies carried in script JSON (gkmlpt's window._CONFIG.DETAIL) parse as the report; so do
UCAP pages (<ucapcontent>). Defect 7 (and 8) of issue 10: before, such a page read as no tables."""

from __future__ import annotations

import pytest

from mirror.corpus import MirrorReport, spec_for
from mirror.portals import build_mirror
from mirror.server import MirrorRequest
from pipelines.embedded_body import embedded_body, with_embedded_body
from pipelines.parse import parse_bytes


def _served(portal_name: str) -> tuple[MirrorReport, bytes]:
    portal = next(p for p in build_mirror() if p.name == portal_name)
    report = next(r for r in portal.reports if r.kind == "html" and r.fmt)
    reply = portal.site.handle(MirrorRequest("GET", report.article_path, {}, b"", {}))
    assert reply is not None and reply.status == 200
    return report, reply.body


@pytest.mark.parametrize("portal", ["mirror-guangzhou", "mirror-huaian"])
def test_template_pages_parse_as_their_report(portal: str) -> None:
    report, body = _served(portal)
    if portal == "mirror-guangzhou":  # the markup has no table: the body is script JSON
        assert b"<table" not in body and b"\\u003Ctable" in body
    result = parse_bytes(body, "http://h" + report.article_path)
    assert (result.status, result.agency, result.year) == ("parsed", report.agency, report.year)
    expected = {k: v for k, v in spec_for(report).expected().items() if v is not None}
    facts = {(f.table, f.row, f.column): f.value for f in result.facts}
    assert {k: facts.get(k) for k in expected} == expected


def test_detail_as_a_javascript_object_literal() -> None:
    page = (
        "<html><body><script>window._CONFIG = { SID: 'x', DETAIL: { id: 1, title: 'T', "
        'content: "\\u003Cp\\u003E2023年\\u003C/p\\u003E", date: "2024" } };</script></body></html>'
    )
    assert embedded_body(page) == "<p>2023年</p>"
    assert with_embedded_body(page).endswith('<div class="embedded-body"><p>2023年</p></div></body></html>')


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><p>no script</p></body></html>",
        "<script>var DETAIL = {broken: </script>",
        '<script>window._CONFIG = {DETAIL: {"content": ""}}</script>',
        '<script>var x = {"content": "not a detail"}</script>',
    ],
)
def test_pages_without_an_embedded_body_are_unchanged(page: str) -> None:
    assert embedded_body(page) is None
    assert with_embedded_body(page) == page
