"""Parse one annual report, in whatever form a portal published it, into canonical facts.

Entry points: parse_bytes (any document) and parse_path (a file, read with a size bound).
Never raises on bad input: every problem becomes a status and a message.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat

from pipelines.document import Extracted, UnsupportedCompression
from pipelines.limits import (
    MAX_INPUT_BYTES,
    MAX_LINES,
    MAX_MARKUP_BYTES,
    MAX_NUMBER_DIGITS,
    MAX_TITLE_CHARS,
    OverLimit,
    check,
)
from pipelines.lines import text_lines
from pipelines.messages import Message, message
from pipelines.metadata import fill_from_listing, find_published, identify, unknown_messages
from pipelines.model import ParseResult
from pipelines.narrative import narrative_checks
from pipelines.normalize import overlong_number
from pipelines.sections import split_sections
from pipelines.sniff import BINARY, DOCX, EMPTY, HTML, IMAGE, MARKDOWN, PDF, TEXT, decode, sniff
from pipelines.tables import read_tables

PARSER_VERSION = "1.2.0"
FIRST_TEMPLATE_YEAR = 2019

log = logging.getLogger(__name__)


def _extract(data: bytes, kind: str) -> list[Extracted]:
    """One or more views of the document (a PDF read as text and as ruled grids)."""
    if kind in (HTML, TEXT, MARKDOWN):
        check("bytes of a page or text", len(data), MAX_MARKUP_BYTES)
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
    messages = [message("decoded_as", encoding=encoding)] if encoding != "utf-8" else []
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
    if len(data) > MAX_INPUT_BYTES:
        return ParseResult(source, "error", messages=[_too_large(len(data))])
    try:
        return _parse_bounded(data, source)
    except OverLimit as exc:
        return ParseResult(
            source, "error", messages=[message("over_limit", what=exc.what, found=exc.found, limit=exc.limit)]
        )
    except MemoryError:  # past the address-space cap of a parse process (limits.cap_memory)
        return ParseResult(source, "error", messages=[message("out_of_memory")])


def _too_large(size: int) -> Message:
    return message("too_large", bytes=size, limit=MAX_INPUT_BYTES)


def _parse_bounded(data: bytes, source: str) -> ParseResult:
    kind = sniff(data)
    if kind == EMPTY:
        return ParseResult(source, "error", messages=[message("empty")])
    if kind not in (HTML, PDF, DOCX, TEXT, MARKDOWN):
        return ParseResult(source, "unsupported", kind=kind, messages=[message(_UNSUPPORTED[kind])])
    try:
        views = _extract(data, kind)
        for view in views:
            check("lines", len(view.lines), MAX_LINES)
    except UnsupportedCompression as exc:
        return ParseResult(
            source, "unsupported", kind=kind, messages=[message("unsupported_compression", error=str(exc))]
        )
    except (OverLimit, MemoryError):
        raise
    except Exception as exc:  # a broken document must not stop a run
        log.debug("extraction failed for %s", source, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"
        return ParseResult(
            source, "error", kind=kind, messages=[message("unreadable", kind=kind, error=error)]
        )
    try:
        return max((_parse_extracted(source, view) for view in views), key=_quality)
    except (OverLimit, MemoryError):
        raise
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
    if result.title and len(result.title) > MAX_TITLE_CHARS:
        result.messages.append(message("title_cut", chars=len(result.title), limit=MAX_TITLE_CHARS))
        result.title = result.title[:MAX_TITLE_CHARS]
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
    if overlong := sorted({c.text for line in doc.lines for c in line.cells if overlong_number(c.text)}):
        # not read as numbers: a row that printed one has lost it, so the tables are not complete
        result.messages.append(message("number_too_long", numbers=len(overlong), limit=MAX_NUMBER_DIGITS))
        if result.status == "parsed":
            result.status = "partial"
    return result


def parse_path(path: str) -> ParseResult:
    """Parse a file; raises OSError only when the file cannot be read at all (or is not a regular
    file: a FIFO would block the read, a device such as /dev/zero never ends)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"not a regular file: {path}")
    if info.st_size > MAX_INPUT_BYTES:
        return ParseResult(path, "error", messages=[_too_large(info.st_size)])
    with open(path, "rb") as handle:
        data = handle.read(MAX_INPUT_BYTES + 1)  # the file may have grown since
    return parse_bytes(data, path)
