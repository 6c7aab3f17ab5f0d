"""Parse one annual report, in whatever form a portal published it, into canonical facts.

Entry points: parse_bytes (any document) and parse_path (a file, read with a size bound).
Never raises on bad input: every problem becomes a status and a message.
"""

from __future__ import annotations

import hashlib
import logging
import os

from pipelines.document import Extracted
from pipelines.lines import text_lines
from pipelines.messages import message
from pipelines.metadata import fill_from_listing, find_published, identify, unknown_messages
from pipelines.model import ParseResult
from pipelines.narrative import narrative_checks
from pipelines.sections import split_sections
from pipelines.sniff import BINARY, DOCX, EMPTY, HTML, IMAGE, MARKDOWN, PDF, TEXT, decode, sniff
from pipelines.tables import read_tables

PARSER_VERSION = "1.1.0"
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
    messages = [message("decoded_as", encoding=encoding)] if encoding not in ("utf-8", "utf-8-sig") else []
    return [Extracted(kind, text_lines(text), text, messages=messages)]


_STATUS_RANK = {"parsed": 3, "partial": 2, "no_tables": 1}


def _quality(result: ParseResult) -> tuple[int, int, int, int]:
    """Which view of a document to keep: more tables, more decided cells, fewer failures, fewer guesses."""
    undecided = sum(1 for f in result.facts if f.state == "undecided")
    return (
        _STATUS_RANK.get(result.status, 0),
        len(result.facts) - undecided,
        -len(result.failing_checks),
        -sum(f.inferred for f in result.facts),
    )


_UNSUPPORTED = {  # kind -> message code
    "doc": "unsupported_doc",
    "archive": "unsupported_archive",
    IMAGE: "unsupported_image",
    BINARY: "unsupported_binary",
}


def parse_bytes(data: bytes, source: str, *, listed_title: str | None = None) -> ParseResult:
    """Parse a document's bytes; `source` names it in the result (a path or URL). `listed_title`
    is the title its portal lists it under: used only for an agency or year the document does not
    name itself (a scan, a bare table), and the messages say so."""
    result = _parse_document(data, source)
    result.sha256, result.parser_version = hashlib.sha256(data).hexdigest(), PARSER_VERSION
    fill_from_listing(result, listed_title)
    result.messages.extend(unknown_messages(result))
    return result


def _parse_document(data: bytes, source: str) -> ParseResult:
    if len(data) > MAX_BYTES:
        return ParseResult(source, "error", messages=[message("too_large", bytes=len(data), limit=MAX_BYTES)])
    kind = sniff(data)
    if kind == EMPTY:
        return ParseResult(source, "error", messages=[message("empty")])
    if kind not in (HTML, PDF, DOCX, TEXT, MARKDOWN):
        return ParseResult(source, "unsupported", kind=kind, messages=[message(_UNSUPPORTED[kind])])
    try:
        views = _extract(data, kind)
    except Exception as exc:  # a broken document must not stop a run
        log.debug("extraction failed for %s", source, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"
        return ParseResult(
            source, "error", kind=kind, messages=[message("unreadable", kind=kind, error=error)]
        )
    try:
        return max((_parse_extracted(source, view) for view in views), key=_quality)
    except Exception as exc:  # a parser bug on one report must not stop a run
        log.exception("parser failed on %s", source)
        error = f"{type(exc).__name__}: {exc}"
        return ParseResult(source, "error", kind=kind, messages=[message("parser_failed", error=error)])


def _parse_extracted(source: str, doc: Extracted) -> ParseResult:
    raw_lines = doc.text.splitlines()
    # an HTML page prints its titles; a PDF's or DOCX's metadata title is often a template's
    page_titles, metadata_titles = (doc.titles, []) if doc.kind == "html" else ([], doc.titles)
    found = identify(page_titles, raw_lines, metadata_titles)
    result = ParseResult(
        source,
        "no_tables",
        agency=found.agency,
        year=found.year,
        title=found.title,
        published=find_published(doc.dates, raw_lines) or find_published(doc.weak_dates, []),
        messages=list(doc.messages),
        kind=doc.kind,
    )
    result.messages.extend(found.messages)
    if doc.scanned:
        result.status = "scanned"
        result.messages.append(message("scanned"))
        return result
    if result.year is not None and result.year < FIRST_TEMPLATE_YEAR:
        result.status = "pre2019"
        result.text = doc.text
        return result
    tables = read_tables(split_sections(doc.lines), result.year)
    result.format = tables.format
    result.facts, result.checks = tables.facts, tables.checks + narrative_checks(doc.lines, tables.facts)
    result.messages.extend(tables.messages)
    if tables.tables_found:
        result.status = "parsed" if tables.complete else "partial"
    return result


def parse_path(path: str) -> ParseResult:
    """Parse a file; raises OSError only when the file cannot be read at all."""
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        return ParseResult(path, "error", messages=[message("too_large", bytes=size, limit=MAX_BYTES)])
    with open(path, "rb") as handle:
        data = handle.read()
    return parse_bytes(data, path)
