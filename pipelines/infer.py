"""Decide cells a report did not print (or printed without saying which column) from the identities.

Rows with fewer numbers than columns get every placement of their printed numbers; each
placement is completed with the row's own identity, and the combination of placements across
rows that satisfies the most identities wins. A cell the best combinations disagree on stays
undecided: the reader reports it blank rather than guess.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from pipelines.identities import CellKey, Equation
from pipelines.table_reader import RowRead, Value

MAX_MISSING_PER_ROW = 3
MAX_COMBINATIONS = 20_000
TOLERANCE = 1e-6


@dataclass
class Cell:
    value: Value | None  # None: undecided
    inferred: bool = False
    placed: bool = False  # printed, but its column was decided by the identities


@dataclass
class Solution:
    cells: dict[CellKey, Cell]
    messages: list[str] = field(default_factory=list)


def as_number(value: Value | None) -> float | None:
    """A cell for the identities: a printed blank counts as 0, an undecided cell as unknown."""
    if value is None:
        return None
    return 0.0 if value.value is None else float(value.value)


def _propagate(known: dict[CellKey, float | None], equations: list[Equation]) -> None:
    """Solve equations with a single unknown until none is left."""
    changed = True
    while changed:
        changed = False
        for eq in equations:
            unknown = [k for k in eq.cells if known.get(k) is None]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            left = sum(known[k] or 0.0 for k in eq.left if k != cell)
            right = sum(known[k] or 0.0 for k in eq.right if k != cell)
            value = right - left if cell in eq.left else left - right
            if value < -TOLERANCE:
                continue  # counts are never negative: this placement is wrong, not the source
            known[cell] = round(value, 6)
            changed = True


def _failures(known: dict[CellKey, float | None], equations: list[Equation]) -> int:
    failed = 0
    for eq in equations:
        sides = eq.sides(known)
        failed += sides is not None and abs(sides[0] - sides[1]) > TOLERANCE
    return failed


def _placements(
    row: str, read: RowRead, columns: list[str], equations: list[Equation]
) -> list[tuple[dict[str, Value], bool]]:
    """Every way to put a short row's printed numbers into its columns, hint first, deduplicated
    by what the row's own identity then makes of the whole row."""
    count = len(read.unplaced)
    not_gaps = [i for i in range(len(columns)) if i not in read.hint][:count]
    hint = tuple(not_gaps) if read.hint and len(not_gaps) == count else None
    own = [eq for eq in equations if all(r == row for r, _ in eq.cells)]
    options: list[tuple[dict[str, Value], bool]] = []
    seen: set[tuple[float | None, ...]] = set()
    ordered = itertools.combinations(range(len(columns)), count)
    for positions in itertools.chain([hint] if hint else [], ordered):
        cells = {columns[p]: v for p, v in zip(positions, read.unplaced, strict=True)}
        known: dict[CellKey, float | None] = {(row, c): as_number(cells.get(c)) for c in columns}
        _propagate(known, own)
        vector = tuple(known[(row, c)] for c in columns)
        if vector not in seen:
            seen.add(vector)
            options.append((cells, positions == hint))
    return options


def solve(
    reads: dict[str, RowRead], row_columns: dict[str, list[str]], equations: list[Equation]
) -> Solution:
    printed: dict[CellKey, Value] = {}
    for row, read in reads.items():
        for col, value in read.cells.items():
            printed[(row, col)] = value
    messages: list[str] = []
    choices: list[list[tuple[dict[str, Value], bool]]] = []
    short_rows: list[str] = []
    for row, read in reads.items():
        if not read.unplaced:
            continue
        missing = len(row_columns[row]) - len(read.unplaced)
        if missing > MAX_MISSING_PER_ROW:
            messages.append(
                f"{row}: {len(read.unplaced)} numbers for {len(row_columns[row])} columns; not placed"
            )
            continue
        short_rows.append(row)
        choices.append(_placements(row, read, row_columns[row], equations))
    combinations = 1
    for options in choices:
        combinations *= len(options)
    if combinations > MAX_COMBINATIONS:
        messages.append(f"too many ways ({combinations}) to place the numbers of short rows; left undecided")
        choices, short_rows = [], []
    all_cells = [(row, col) for row, cols in row_columns.items() for col in cols]
    best_score: tuple[int, int, int] | None = None
    best: list[tuple[dict[CellKey, float | None], dict[CellKey, Value]]] = []
    for combo in itertools.product(*choices):
        placed: dict[CellKey, Value] = {}
        hints = 0
        for row, (cells, is_hint) in zip(short_rows, combo, strict=True):
            placed.update({(row, col): v for col, v in cells.items()})
            hints += is_hint
        known: dict[CellKey, float | None] = {k: None for k in all_cells}
        for key, value in {**printed, **placed}.items():
            known[key] = as_number(value)
        _propagate(known, equations)
        undecided = sum(1 for k in all_cells if known[k] is None)
        score = (_failures(known, equations), undecided, -hints)
        if best_score is None or score < best_score:
            best_score, best = score, [(known, placed)]
        elif score == best_score:
            best.append((known, placed))
    empty_rows = {row for row, read in reads.items() if read.empty}
    return _settle(best, printed, all_cells, short_rows, empty_rows, messages)


def _settle(
    best: list[tuple[dict[CellKey, float | None], dict[CellKey, Value]]],
    printed: dict[CellKey, Value],
    all_cells: list[CellKey],
    short_rows: list[str],
    empty_rows: set[str],
    messages: list[str],
) -> Solution:
    """Keep what every best combination agrees on; the rest is undecided, except in rows printed
    without any number, which are blank as printed."""
    known, placed = best[0]
    cells: dict[CellKey, Cell] = {}
    for key in all_cells:
        values = {alt[0][key] for alt in best}
        if len(values) > 1 or known[key] is None:
            blank = Value("", None, None, True, {"printed": "row without numbers"})
            cells[key] = Cell(blank if key[0] in empty_rows else None)
            continue
        if key in printed:
            cells[key] = Cell(printed[key])
        elif key in placed and all(alt[1].get(key) is placed[key] for alt in best):
            cells[key] = Cell(placed[key], placed=True)
        else:
            value = known[key]
            assert value is not None
            number = int(value) if float(value).is_integer() else value
            cells[key] = Cell(Value(str(number), number, None, False, {}), inferred=True)
    if short_rows:
        messages.append(
            "fewer numbers printed than columns, columns decided by the identities in: "
            + ", ".join(short_rows)
        )
    undecided = [f"{r}.{c}" for (r, c), cell in cells.items() if cell.value is None]
    if undecided:
        messages.append("not printed and not decidable: " + ", ".join(undecided))
    return Solution(cells, messages)
