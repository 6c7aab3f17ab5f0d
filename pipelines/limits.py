"""The parser's bounds on hostile input, in one place: each is checked before the expensive work.

A document over a bound is not parsed: its result is status `error` with a `too_large` or
`over_limit` message naming the bound (raise `OverLimit` where the bound is found). The values
leave a wide margin over real reports (the mirror's and the ones in ../shared: 5-60 pages, three
tables of under 400 cells, under 3,000 lines) so that no real report ever meets one.
"""

from __future__ import annotations

import resource

# Input file: real reports are under 10 MB even as scanned PDFs; a bigger file is not one.
MAX_INPUT_BYTES = 50 * 1024 * 1024
# Decompressed bytes of all of a document's zip members or PDF streams: a zip or flate bomb of
# 1-4 GB must be refused from its declared sizes, not found out by inflating it. A DOCX or PDF
# report with photos inflates to under 100 MB.
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
# An HTML page, a text file, or the XML of a DOCX body: parsed into a tree or lines, they take
# about 10 times their bytes in memory; a report page is under 2 MB (under 10 MB with images
# inlined as data: URLs).
MAX_MARKUP_BYTES = 32 * 1024 * 1024
# Lines of cells a document reduces to (text lines, grid rows, paragraphs): a 60-page report has
# under 5,000; the table reader's work grows with lines, so this bounds the parse time.
MAX_LINES = 50_000
# DOCX body paragraphs: python-docx builds an object per paragraph (1M paragraphs never end).
MAX_PARAGRAPHS = 50_000
# Cells of one table grid after spans are resolved (rows x columns): the largest template table
# has 26 rows x 9 columns; a 200x200 grid of 200x200 spans is 1.6 billion cells.
MAX_GRID_CELLS = 100_000
# One rowspan/colspan/gridSpan: a template table spans at most 26 rows; a broken rowspan="99999"
# is read as this many.
MAX_SPAN = 200
# PDF pages read: an annual report runs to 5-60 pages; the rest of a huge file is left unread.
MAX_PAGES = 200
# Bytes of one PDF page's content stream (its drawing operators): a dense page of text and rules
# takes under 500 kB; 12 million operators take pdfminer most of an hour.
MAX_PAGE_CONTENT_BYTES = 4 * 1024 * 1024
# Characters (and text-showing operators) on one PDF page: a dense A4 page of small CJK print
# holds about 4,000; pdfplumber's table and text clustering grows faster than linearly with them
# (100k stall it for minutes).
MAX_PAGE_CHARS = 20_000
# Digits of one printed number: counts and amounts in 万元 have under 12; Python refuses to read an
# integer of over 4,300 digits and a float of 309 overflows to infinity, which JSON cannot carry.
MAX_NUMBER_DIGITS = 15
# Characters of a report title kept: titles run to 20-60; a longer one is cut (with a message).
MAX_TITLE_CHARS = 1_000
# Address space of a parse process: the parser with its libraries maps about 400 MB; a report
# needs well under 1 GB more. Past this, allocation fails (MemoryError) instead of the machine
# swapping; the process's parent reports the document.
MAX_ADDRESS_SPACE = 3 * 1024 * 1024 * 1024


class OverLimit(Exception):
    """A document past one of the bounds above: `what` names the bound, `found` what was seen."""

    def __init__(self, what: str, found: int, limit: int) -> None:
        super().__init__(f"{what}: {found} over the limit of {limit}")
        self.what, self.found, self.limit = what, found, limit


def check(what: str, found: int, limit: int) -> None:
    if found > limit:
        raise OverLimit(what, found, limit)


def cap_memory() -> None:
    """Bound this process's address space to MAX_ADDRESS_SPACE (never raising a lower limit)."""
    limit = MAX_ADDRESS_SPACE
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
