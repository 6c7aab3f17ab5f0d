"""Coded messages: what the parser says about a document, as data a program can act on.

Every message has a stable `code` (documented in docs/parser.md, one row per code), a readable
`text` made from the code's template, and the `params` the text was made from. Storage keeps
the three; a consumer should match on `code` and read `params`, never parse `text`.

A NamedTuple, not a dataclass: a list of messages is still plain JSON (`json.dumps` writes each
as `[code, text, params]`), so code that stores `result.messages` as it is keeps working.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# code -> template of the text; a list param is printed joined by ", "
TEMPLATES: dict[str, str] = {
    # reading the document
    "too_large": "{bytes} bytes: larger than {limit}, not parsed",
    "empty": "empty document",
    "unsupported_doc": "binary Office document (.doc/.wps): convert to DOCX or PDF to parse",
    "unsupported_archive": "zip archive that is not a DOCX document",
    "unsupported_image": "image file: a scanned report needs OCR",
    "unsupported_binary": "binary data, not a document",
    "over_limit": "{what}: {found} over the limit of {limit}, not parsed",
    "out_of_memory": "ran out of the memory a parse may use, not parsed",
    "over_deadline": "parse stopped past the deadline ({seconds} s)",
    "unsupported_compression": "zip member compressed with a method Word does not write: {error}",
    "number_too_long": "{numbers} numbers of more than {limit} digits: not read as numbers",
    "unreadable": "cannot read {kind}: {error}",
    "unreadable_file": "cannot read file: {error}",
    "parser_failed": "parser failed: {error}",
    "parser_died": "the parser process died on this document (crash or out of memory)",
    "over_hard_deadline": "parse stopped past the hard deadline ({seconds} s)",
    "not_stored": "not stored: {error}",
    "decoded_as": "decoded as {encoding}",
    "pages_truncated": "{pages} pages: read the first {limit}",
    "scanned": "no text layer: pages are images (needs OCR)",
    # agency and year
    "no_title": "no report title (政府信息公开工作年度报告) found",
    "title_cut": "title of {chars} characters: kept the first {limit}",
    "agency_from_title": "agency from the title: {agency}",
    "year_from_title": "year from the title: {year}",
    "agency_from_body": "agency from the text naming the report (line {line}): {agency}",
    "year_from_body": "year from the text naming the report (line {line}): {year}",
    "agency_from_compiler": "agency from the statement of who compiled the report (line {line}: "
    "{compiler}): {agency}",
    "agency_from_signature": "agency from the signature (line {line}): {agency}",
    "year_from_period": "year from the statistics period (line {line}): {year}",
    "year_from_opening": "year from the opening of a paragraph (line {line}): {year}",
    "year_from_signature": "year from the signature date {date} (line {line}): {year}, the year before",
    "agency_from_metadata": "agency from the document metadata title: {agency}",
    "year_from_metadata": "year from the document metadata title: {year}",
    "agency_from_listing": "agency from the portal's listing title {title}: {agency}",
    "year_from_listing": "year from the portal's listing title {title}: {year}",
    "year_conflict": "year {year} (from the {source}) but the {other_source} says {other}",
    "agency_assigned": "agency assigned by the user (ingest --agency): {agency}; the document read: {read}",
    "year_assigned": "year assigned by the user (ingest --year): {year}; the document read: {read}",
    "agency_unknown": "agency unknown: no title, statement, signature or listing names it",
    "year_unknown": "year unknown: no title, statistics period, signature or listing gives it",
    # tables
    "table_not_found": "{table}: table not found",
    "rows_not_found": "{table}: rows not found: {rows}",
    "too_many_numbers": "{table}: {row}: {printed} numbers printed for {columns} columns; "
    "kept the first {columns}",
    "review_too_many_numbers": "{table}: {printed} numbers, kept the first {kept}",
    "misaligned_rows": "{table}: grid rows {rows} not as wide as their header: numbers may be in other "
    "columns than read",
    "label_without_numbers": "{table}: {row}: label printed without numbers",
    "row_not_placed": "{table}: {row}: {printed} numbers for {columns} columns; not placed",
    "too_many_placements": "{table}: too many ways ({combinations}) to place the numbers of short rows; "
    "left undecided",
    "columns_decided": "{table}: fewer numbers printed than columns, columns decided by the identities in: "
    "{rows}",
    "undecided": "{table}: not printed and not decidable: {cells}",
}


class Message(NamedTuple):
    code: str
    text: str
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "params": dict(self.params)}


def message(code: str, **params: Any) -> Message:
    """The message `code` with its text made from `params` (which must be JSON values)."""
    shown = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in params.items()}
    return Message(code, TEMPLATES[code].format(**shown), params)
