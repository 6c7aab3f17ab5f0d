"""Parse one annual report, in whatever form a portal published it, into canonical facts.

Entry points: parse_bytes (any document) and parse_path (a file, read with a size bound).
Never raises on bad input: every problem becomes a status and a message.
"""

from __future__ import annotations

import logging
import os

from pipelines.document import Extracted
from pipelines.lines import text_lines
from pipelines.metadata import find_published, find_title, match_title
from pipelines.model import ParseResult
from pipelines.sections import split_sections
from pipelines.sniff import BINARY, DOCX, EMPTY, HTML, IMAGE, MARKDOWN, PDF, TEXT, decode, sniff
from pipelines.tables import read_tables

PARSER_VERSION = "1.0.0"
MAX_BYTES = 50 * 1024 * 1024  # reports are < 10 MB; anything larger is not one
FIRST_TEMPLATE_YEAR = 2019

log = logging.getLogger(__name__)


def _extract(data: bytes, kind: str) -> list[Extracted]:
    """One or more views of the document (a PDF read as text and as ruled grids)."""
    if kind == HTML:
        from pipelines.extract_html import extract_html

        return [extract_html(data)]
    if kind == PDF:
        from pipelines.extract_pdf import extract_pdf

        return extract_pdf(data)
    if kind == DOCX:
        from pipelines.extract_docx import extract_docx

        return [extract_docx(data)]
    text, encoding = decode(data)
    messages = [f"decoded as {encoding}"] if encoding not in ("utf-8", "utf-8-sig") else []
    return [Extracted(kind, text_lines(text), text, messages=messages)]


_STATUS_RANK = {"parsed": 3, "partial": 2, "no_tables": 1}


def _quality(result: ParseResult) -> tuple[int, int, int, int]:
    """Which view of a document to keep: more tables, more decided cells, fewer failures, fewer guesses."""
    undecided = sum(1 for f in result.facts if f.blank and f.reason == "not printed")
    return (
        _STATUS_RANK.get(result.status, 0),
        len(result.facts) - undecided,
        -len(result.failing_checks),
        -sum(f.inferred for f in result.facts),
    )


_UNSUPPORTED = {
    "doc": "binary Office document (.doc/.wps): convert to DOCX or PDF to parse",
    "archive": "zip archive that is not a DOCX document",
    IMAGE: "image file: a scanned report needs OCR",
    BINARY: "binary data, not a document",
}


def parse_bytes(data: bytes, source: str, *, listed_title: str | None = None) -> ParseResult:
    """Parse a document's bytes; `source` names it in the result (a path or URL). `listed_title`
    is the title its portal lists it under: used only when the document names no agency and
    year itself (a scan, a bare table), and the messages say so."""
    result = _parse_document(data, source)
    if listed_title and result.agency is None and result.year is None:
        title = match_title(listed_title)
        if title is not None:
            result.agency, result.year, result.title = title.agency, title.year, result.title or title.text
            # title.text, not the listing as printed: a reparse, given the stored title, says the same
            result.messages.append(f"agency and year from the portal's listing title: {title.text}")
    return result


def _parse_document(data: bytes, source: str) -> ParseResult:
    if len(data) > MAX_BYTES:
        return ParseResult(
            source, "error", messages=[f"{len(data)} bytes: larger than {MAX_BYTES}, not parsed"]
        )
    kind = sniff(data)
    if kind == EMPTY:
        return ParseResult(source, "error", messages=["empty document"])
    if kind not in (HTML, PDF, DOCX, TEXT, MARKDOWN):
        return ParseResult(source, "unsupported", kind=kind, messages=[_UNSUPPORTED[kind]])
    try:
        views = _extract(data, kind)
    except Exception as exc:  # a broken document must not stop a run
        log.debug("extraction failed for %s", source, exc_info=True)
        return ParseResult(
            source, "error", kind=kind, messages=[f"cannot read {kind}: {type(exc).__name__}: {exc}"]
        )
    try:
        return max((_parse_extracted(source, view) for view in views), key=_quality)
    except Exception as exc:  # a parser bug on one report must not stop a run
        log.exception("parser failed on %s", source)
        return ParseResult(
            source, "error", kind=kind, messages=[f"parser failed: {type(exc).__name__}: {exc}"]
        )


def _parse_extracted(source: str, doc: Extracted) -> ParseResult:
    raw_lines = doc.text.splitlines()
    title = find_title(doc.titles, raw_lines)
    result = ParseResult(
        source,
        "no_tables",
        agency=title.agency if title else None,
        year=title.year if title else None,
        title=title.text if title else None,
        published=find_published(doc.dates, raw_lines) or find_published(doc.weak_dates, []),
        messages=list(doc.messages),
        kind=doc.kind,
    )
    if doc.scanned:
        result.status = "scanned"
        result.messages.append("no text layer: pages are images (needs OCR)")
        return result
    if title is None:
        result.messages.append("no report title (政府信息公开工作年度报告) found")
    if result.year is not None and result.year < FIRST_TEMPLATE_YEAR:
        result.status = "pre2019"
        result.text = doc.text
        return result
    tables = read_tables(split_sections(doc.lines), result.year)
    result.format = tables.format
    result.facts, result.checks = tables.facts, tables.checks
    result.messages.extend(tables.messages)
    if tables.tables_found:
        result.status = "parsed" if tables.complete else "partial"
    return result


def parse_path(path: str) -> ParseResult:
    """Parse a file; raises OSError only when the file cannot be read at all."""
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        return ParseResult(path, "error", messages=[f"{size} bytes: larger than {MAX_BYTES}, not parsed"])
    with open(path, "rb") as handle:
        data = handle.read()
    return parse_bytes(data, path)
