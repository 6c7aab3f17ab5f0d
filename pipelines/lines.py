"""The common shape every input takes before table reading: lines of cells in reading order.

A line is a text line (cells split by tabs, pipes or runs of spaces) or a row of a real table grid.
Only grid rows know that an empty cell was printed empty; in text an empty cell may just be a
merged cell or a lost one, so the reader treats it as unknown rather than blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pipelines.normalize import clean_text


@dataclass
class Cell:
    text: str
    col: int  # position in the grid row or text line
    spanned: bool = False  # a copy of a merged cell, not a cell of its own
    bbox: tuple[float, float, float, float] | None = None  # PDF: cell or word box (x0, top, x1, bottom)


@dataclass
class Line:
    cells: list[Cell]
    origin: dict[str, Any] = field(default_factory=dict)
    grid: bool = False  # a row of a real table: empty cells are printed blanks
    table: int | None = None  # which grid, for grid rows

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells if c.text and not c.spanned)


_PAGE_FOOTER = re.compile(
    r"^\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*$"
)
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def is_page_footer(text: str) -> bool:
    return bool(_PAGE_FOOTER.match(text))


def split_text_line(raw: str) -> list[str]:
    """Cells of one text line: tab-separated, a markdown pipe row, or space-separated tokens.

    A line of prose (a sentence ending in 。) stays one cell, so its numbers are not read as data.
    """
    if "\t" in raw:
        return [c.strip() for c in raw.split("\t")]
    stripped = raw.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        return [_BR.sub(" ", c).strip() for c in stripped[1:-1].split("|")]
    if "。" in stripped:
        return [stripped]
    return stripped.split()


def text_lines(text: str, *, origin_key: str = "line", extra: dict[str, Any] | None = None) -> list[Line]:
    """Lines of a plain-text or markdown document, without page footers and table rulers."""
    lines: list[Line] = []
    for number, raw in enumerate(clean_text(text).splitlines(), start=1):
        if not raw.strip() or is_page_footer(raw) or _MD_SEPARATOR.match(raw):
            continue
        cells = [Cell(t, i) for i, t in enumerate(split_text_line(raw))]
        lines.append(Line(cells, {**(extra or {}), origin_key: number}))
    return lines
