"""Layout perturbations that keep every printed number: the damage a CMS, a copy from a browser
or a hand edit does to a table's layout. A parse of a perturbed report must read every fact as
the unperturbed one does, or say it could not: a status other than `parsed`, or a failing check.

Each perturbation takes a report's bytes and a random source and returns the perturbed bytes
(or None when the report has nothing it applies to).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Perturbation = Callable[[random.Random, bytes], bytes | None]

_ROW = re.compile(rb"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(rb"<t[dh][^>]*>.*?</t[dh]>", re.DOTALL)
_ROWSPAN = re.compile(rb'rowspan="(\d+)"')


def _rows(data: bytes) -> list[re.Match[bytes]]:
    return list(_ROW.finditer(data))


def empty_row(rng: random.Random, data: bytes) -> bytes | None:
    """An empty row of as many cells as a row of the table, inserted before that row."""
    rows = _rows(data)
    if not rows:
        return None
    row = rng.choice(rows)
    cells = len(_CELL.findall(row.group(1)))
    inserted = b"<tr>" + b"<td></td>" * cells + b"</tr>\n"
    return data[: row.start()] + inserted + data[row.start() :]


def blank_column(rng: random.Random, data: bytes) -> bytes | None:
    """An extra empty cell at the end of every row of one table (an extra blank grid column)."""
    tables = list(re.finditer(rb"<table.*?</table>", data, re.DOTALL))
    if not tables:
        return None
    table = rng.choice(tables)
    widened = _ROW.sub(lambda m: b"<tr>" + m.group(1) + b"<td></td></tr>", table.group())
    return data[: table.start()] + widened + data[table.end() :]


def split_through_rowspan(rng: random.Random, data: bytes) -> bytes | None:
    """A table cut in two between rows a rowspan covers (the rowspan left as printed)."""
    spans = [m for m in _ROWSPAN.finditer(data) if int(m.group(1)) > 1]
    if not spans:
        return None
    span = rng.choice(spans)
    rows = [r for r in _rows(data) if r.start() > span.start()][: int(span.group(1)) - 1]
    if not rows:
        return None
    cut = rng.choice(rows).start()
    return data[:cut] + b'</tbody></table>\n<p>&nbsp;</p>\n<table border="1"><tbody>' + data[cut:]


def trailing_tab(rng: random.Random, data: bytes) -> bytes | None:
    """A tab at the end of some lines of a text table (a copy from a browser keeps one)."""
    lines = data.split(b"\n")
    tabbed = [i for i, line in enumerate(lines) if b"\t" in line]
    if not tabbed:
        return None
    for index in rng.sample(tabbed, max(1, len(tabbed) // 4)):
        lines[index] += b"\t"
    return b"\n".join(lines)


HTML_PERTURBATIONS: dict[str, Perturbation] = {
    "empty-row": empty_row,
    "blank-column": blank_column,
    "split-through-rowspan": split_through_rowspan,
}
TEXT_PERTURBATIONS: dict[str, Perturbation] = {"trailing-tab": trailing_tab}
