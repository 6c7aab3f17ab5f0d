"""crawler.completeness: a body cut short with a consistent Content-Length is recognised by its
own structure (HTML closing tags, the PDF trailer, the zip's central directory), at any cut."""

from __future__ import annotations

import pytest

from crawler.completeness import truncation
from mirror.corpus import attachment_body, make_reports
from mirror.sites import TrsSite, trs_paths
from tests.crawler.broken_sites import COLUMN


def _documents() -> dict[str, bytes]:
    reports = make_reports(
        "cut",
        agencies=["某县人民政府", "某县教育局", "某县财政局"],
        years=list(range(2019, 2025)),
        kinds=("html", "pdf", "docx"),
        path_for=trs_paths(COLUMN),
    )
    site = TrsSite("某县人民政府", reports, column=COLUMN)
    by_kind = {r.kind: r for r in reversed(reports)}
    return {
        "html": site.article_page(by_kind["html"]),
        "pdf": attachment_body(by_kind["pdf"])[0],
        "docx": attachment_body(by_kind["docx"])[0],
    }


DOCUMENTS = _documents()


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_a_whole_document_is_whole(kind: str) -> None:
    assert truncation(DOCUMENTS[kind]) is None


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
@pytest.mark.parametrize("kept", [0.05, 0.5, 0.9, 0.99])
def test_a_cut_document_is_truncated(kind: str, kept: float) -> None:
    body = DOCUMENTS[kind]
    cut = body[: int(len(body) * kept)]
    expected = {
        "html": "truncated: an HTML page without its closing </",
        "pdf": "truncated: a PDF without %%EOF at its end",
        "docx": "truncated: a zip (DOCX) without its end of central directory",
    }[kind]
    reason = truncation(cut)
    assert reason is not None and reason.startswith(expected)


def test_the_last_bytes_of_a_page_cut_off() -> None:
    page = DOCUMENTS["html"]
    end = page.lower().rindex(b"</body>")
    assert truncation(page[:end]) == "truncated: an HTML page without its closing </body>"
    assert truncation(page[: page.lower().rindex(b"</html>")]) == (
        "truncated: an HTML page without its closing </html>"
    )


def test_a_pdf_with_junk_after_its_trailer_and_one_without_startxref() -> None:
    pdf = DOCUMENTS["pdf"]
    assert truncation(pdf + b"\r\n\x00\x00") is None
    assert truncation(pdf.replace(b"startxref", b"startXXXX")) == (
        "truncated: a PDF without startxref before its %%EOF"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"plain text",
        b"<p>a fragment without html or body</p>",
        b"<HTML><BODY>x</BODY></HTML>",
        b"\x89PNG",
    ],
)
def test_what_has_no_recognisable_end_passes(body: bytes) -> None:
    assert truncation(body) is None
