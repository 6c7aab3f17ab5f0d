"""Read one statistical table out of the lines of its section.

The lines are cut into label *blocks* and number *groups* in reading order. Row labels are found
in the blocks by fuzzy alignment with the template (labels.align_labels); the groups are then
paired with those anchors in order. Pairing by order rather than by line lets the reader cope
with PDF text where a wrapped row prints its numbers before, after or in the middle of its label.
Columns come from the header cells when the printed header can be mapped (grids, and text whose
header line names every column); otherwise from the template's column order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.labels import MIN_COLUMN_SCORE, align_labels, best_match
from pipelines.lines import Line
from pipelines.normalize import is_blank_marker, parse_number
from pipelines.schema import Column, Row


@dataclass
class Value:
    raw: str
    value: int | float | None
    unit: str | None
    blank: bool
    origin: dict[str, Any]


@dataclass
class Group:
    values: list[Value] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)  # column key per value, when mapped
    gaps: list[int] = field(default_factory=list)  # value positions that had an empty text cell
    block: int = 0  # the label block this group follows


@dataclass
class RowRead:
    """What the document printed for one template row."""

    row: Row
    cells: dict[str, Value]  # column key -> printed value (or printed blank)
    unplaced: list[Value] = field(default_factory=list)  # printed values whose columns are unknown
    hint: list[int] = field(default_factory=list)  # column positions text layout left empty
    dropped: int = 0  # numbers printed beyond the row's columns (the first ones are kept)
    empty: bool = False  # the label was printed with no numbers at all: a row left blank

    @property
    def missing(self) -> list[str]:
        return [c.key for c in self.row.columns if c.key not in self.cells]


@dataclass
class Scan:
    blocks: list[list[str]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    # grid rows of numbers not as wide as their header: cells lost or added to the left of the
    # numbers (a table split through a rowspan, a rowspan cut short) shift them to other columns
    misaligned: list[int | None] = field(default_factory=list)  # their row numbers


def _value(raw: str, origin: dict[str, Any]) -> Value | None:
    number = parse_number(raw)
    if number is not None:
        return Value(raw, number.value, number.unit, False, origin)
    if is_blank_marker(raw):
        return Value(raw, None, None, True, origin)
    return None


def _header_keys(line: Line, columns: tuple[Column, ...]) -> dict[int, str]:
    """Positions of the cells that name a column of this table, if the line is a header.

    A header names two columns or more, or starts a sub-table with 信息内容; a lone match is
    more likely a row label (`3.其他` against the column 其他).
    """
    labels = [c.label for c in columns]
    found: dict[int, str] = {}
    is_sub_header = False
    for cell in line.cells:
        if not cell.text or parse_number(cell.text) is not None:
            continue
        is_sub_header = is_sub_header or "信息内容" in cell.text
        match = best_match(cell.text, labels, MIN_COLUMN_SCORE)
        if match:
            found[cell.col] = columns[match[0]].key
    return found if len(set(found.values())) >= 2 or (found and is_sub_header) else {}


def scan(lines: list[Line], columns: tuple[Column, ...]) -> Scan:
    """Cut the lines into label blocks and number groups, mapping grid columns from headers."""
    out = Scan(blocks=[[]])
    column_at: dict[int, str] = {}  # grid position -> column key, from the latest header
    header_order: list[str] = []  # text: column keys in the order the latest header names them
    header_width = 0  # grid: positions of the latest header's row
    data_since_header = True
    group: Group | None = None

    def close() -> None:
        nonlocal group
        if group is not None and group.values:
            group.keys = _text_keys(group, header_order)
            out.groups.append(group)
        group = None

    for line in lines:
        if line.grid and not any(c.text.strip() for c in line.cells if not c.spanned):
            # a grid row printing nothing of its own (an empty row a CMS inserted, a row whose
            # only text is a rowspan from above) is no template row: its empty cells are not
            # some row's blanks
            continue
        has_numbers = any(parse_number(c.text) is not None for c in line.cells if not c.spanned)
        header = {} if has_numbers else _header_keys(line, columns)
        if header:
            if data_since_header:
                column_at, header_order = {}, []
            column_at.update(header)
            header_order = [header[k] for k in sorted(header)]
            header_width = _width(line) if line.grid else 0
            data_since_header = False
        values_in_line = 0
        pending_gap = False
        for cell in line.cells:
            if cell.spanned:
                continue
            text = cell.text.strip()
            origin = {**line.origin, "col": cell.col, "bbox": cell.bbox}
            mapped = line.grid and cell.col in column_at
            value = _value(text, origin) if text else None
            if value is None and mapped and not text and not header:
                value = Value("", None, None, True, origin)  # a printed empty cell of a real table
            if value is None:
                if text:
                    close()
                    if out.groups and out.groups[-1].block == len(out.blocks) - 1:
                        out.blocks.append([])
                    out.blocks[-1].append(text)
                pending_gap = not text and not line.grid
                continue
            if group is None:
                group = Group(block=len(out.blocks) - 1)
            if pending_gap:
                group.gaps.append(len(group.values))
                pending_gap = False
            group.values.append(value)
            group.keys.append(column_at.get(cell.col) if mapped else None)
            values_in_line += 1
        if values_in_line:
            data_since_header = True
            # (not PDF grids: built from cell boxes, a row lacks the positions it has no box for)
            if line.grid and "page" not in line.origin and header_width and _width(line) != header_width:
                out.misaligned.append(line.origin.get("row"))
            # one number per text line is a PDF layout with one cell per line: the row goes on
            if line.grid or values_in_line > 1:
                close()
    close()
    return out


def _width(line: Line) -> int:
    return max((c.col for c in line.cells), default=-1) + 1


def _text_keys(group: Group, header_order: list[str]) -> list[str | None]:
    """Text rows take their column keys from a header line that named exactly as many columns."""
    if any(group.keys) or len(header_order) != len(group.values):
        return group.keys
    return list(header_order)


def pair_anchors(anchor_blocks: list[int], group_blocks: list[int]) -> list[int | None]:
    """Pair row anchors with number groups, both in printed order, preferring near neighbours.

    Equal counts pair one to one. Otherwise a dynamic programme minimises the distance in blocks
    (a group normally follows its label; wrapped PDF rows may print it one block earlier).
    """
    n, m = len(anchor_blocks), len(group_blocks)
    if n == m:
        return list(range(n))
    skip = 3.0
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    move: list[list[int]] = [[0] * (m + 1) for _ in range(n + 1)]
    cost[n][m] = 0.0
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            options: list[tuple[float, int]] = []
            if i < n:
                options.append((skip + cost[i + 1][j], 1))  # anchor without numbers
            if j < m:
                options.append((skip + cost[i][j + 1], 2))  # numbers without an anchor
            if i < n and j < m:
                gap = group_blocks[j] - anchor_blocks[i]
                distance = gap if gap >= 0 else 0.5 - gap
                options.append((distance + cost[i + 1][j + 1], 3))
            cost[i][j], move[i][j] = min(options)
    pairs: list[int | None] = []
    i = j = 0
    while i < n:
        step = move[i][j]
        if step == 1:
            pairs.append(None)
            i += 1
        elif step == 2:
            j += 1
        else:
            pairs.append(j)
            i, j = i + 1, j + 1
    return pairs


def read_rows(lines: list[Line], rows: tuple[Row, ...]) -> tuple[dict[str, RowRead], Scan]:
    """Find each template row in the lines and what was printed for it."""
    columns = tuple({c.key: c for row in rows for c in row.columns}.values())
    found = scan(lines, columns)
    matches = align_labels(found.blocks, [row.label for row in rows])
    matches += _out_of_order(found.blocks, rows, matches)
    matches.sort()
    matched = {rows[t].key for _, _, t in matches}
    # a row whose key is the parent of another matched row (other / other.other) is printed as
    # the group label of its sub-rows, not as a row of its own
    anchors = [
        (block, t) for block, _, t in matches if not any(key.startswith(rows[t].key + ".") for key in matched)
    ]
    pairs = pair_anchors([b for b, _ in anchors], [g.block for g in found.groups])
    result: dict[str, RowRead] = {}
    for (_, template), group_index in zip(anchors, pairs, strict=True):
        row = rows[template]
        group = found.groups[group_index] if group_index is not None else None
        result[row.key] = row_values(row, group)
    return result, found


STRONG_MATCH = 0.8


def _out_of_order(
    blocks: list[list[str]], rows: tuple[Row, ...], matches: list[tuple[int, int, int]]
) -> list[tuple[int, int, int]]:
    """Rows a report printed out of template order (行政强制 before 行政处罚): the ordered alignment
    leaves them out; an unused fragment inside the table body that names one clearly is its label."""
    if not matches:
        return []
    used = {(block, fragment) for block, fragment, _ in matches}
    missing = [t for t in range(len(rows)) if t not in {t for _, _, t in matches}]
    first, last = min(matches)[:2], max(matches)[:2]
    extra: list[tuple[int, int, int]] = []
    for block, fragments in enumerate(blocks):
        for index, fragment in enumerate(fragments):
            if (block, index) in used or not first < (block, index) < last:
                continue
            best = best_match(fragment, [rows[t].label for t in missing], STRONG_MATCH)
            if best is not None:
                extra.append((block, index, missing.pop(best[0])))
    return extra


def row_values(row: Row, group: Group | None) -> RowRead:
    read = RowRead(row, {})
    if group is None:
        read.empty = True
        return read
    keys = [c.key for c in row.columns]
    if all(k is not None and k in keys for k in group.keys):
        for key, value in zip(group.keys, group.values, strict=True):
            if key is not None and key not in read.cells:
                read.cells[key] = value
        return read
    values = group.values
    if len(values) > len(keys):
        read.dropped = len(values) - len(keys)
        values = values[: len(keys)]
    if len(values) == len(keys):
        read.cells = dict(zip(keys, values, strict=True))
    else:
        read.unplaced = list(values)
        read.hint = [g for g in group.gaps if g < len(keys)]
    return read
