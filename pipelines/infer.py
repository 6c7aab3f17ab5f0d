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
from pipelines.messages import Message, message
from pipelines.table_reader import RowRead, Value

MAX_MISSING_PER_ROW = 3
MAX_COMBINATIONS = 20_000
TOLERANCE = 1e-6


@dataclass
class Cell:
    value: Value | None  # None: undecided
    inferred: bool = False
    placed: bool = False  # printed, but its column was decided by the identities
    reason: str | None = None  # why the value is not simply printed (inferred, undecided, empty row)


@dataclass
class Solution:
    cells: dict[CellKey, Cell]
    messages: list[Message] = field(default_factory=list)


UNDECIDED = "not printed; the identities do not decide it"
EMPTY_ROW = "printed blank: the row's label was printed without numbers"


def as_number(value: Value | None) -> float | None:
    """A cell for the identities: a printed blank counts as 0, an undecided cell as unknown."""
    if value is None:
        return None
    return 0.0 if value.value is None else float(value.value)


def _propagate(
    known: dict[CellKey, float | None], equations: list[Equation], solved_by: dict[CellKey, str] | None = None
) -> None:
    """Solve equations with a single unknown until none is left (`solved_by`: which solved what)."""
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
            if solved_by is not None:
                solved_by[cell] = eq.id
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
    table: str, reads: dict[str, RowRead], row_columns: dict[str, list[str]], equations: list[Equation]
) -> Solution:
    printed: dict[CellKey, Value] = {}
    for row, read in reads.items():
        for col, value in read.cells.items():
            printed[(row, col)] = value
    messages: list[Message] = []
    choices: list[list[tuple[dict[str, Value], bool]]] = []
    short_rows: list[str] = []
    for row, read in reads.items():
        if not read.unplaced:
            continue
        missing = len(row_columns[row]) - len(read.unplaced)
        if missing > MAX_MISSING_PER_ROW:
            messages.append(
                message(
                    "row_not_placed",
                    table=table,
                    row=row,
                    printed=len(read.unplaced),
                    columns=len(row_columns[row]),
                )
            )
            continue
        short_rows.append(row)
        choices.append(_placements(row, read, row_columns[row], equations))
    combinations = 1
    for options in choices:
        combinations *= len(options)
    if combinations > MAX_COMBINATIONS:
        messages.append(message("too_many_placements", table=table, combinations=combinations))
        choices, short_rows = [], []
    all_cells = [(row, col) for row, cols in row_columns.items() for col in cols]
    best_score: tuple[int, int, int] | None = None
    best: list[_Candidate] = []
    for combo in itertools.product(*choices):
        placed: dict[CellKey, Value] = {}
        hints = 0
        for row, (cells, is_hint) in zip(short_rows, combo, strict=True):
            placed.update({(row, col): v for col, v in cells.items()})
            hints += is_hint
        known: dict[CellKey, float | None] = {k: None for k in all_cells}
        for key, value in {**printed, **placed}.items():
            known[key] = as_number(value)
        solved_by: dict[CellKey, str] = {}
        _propagate(known, equations, solved_by)
        undecided = sum(1 for k in all_cells if known[k] is None)
        score = (_failures(known, equations), undecided, -hints)
        if best_score is None or score < best_score:
            best_score, best = score, [_Candidate(known, placed, solved_by)]
        elif score == best_score:
            best.append(_Candidate(known, placed, solved_by))
    empty_rows = {row for row, read in reads.items() if read.empty}
    solution = _settle(best, printed, all_cells, empty_rows)
    if short_rows:
        solution.messages.append(message("columns_decided", table=table, rows=short_rows))
    undecided_cells = [f"{r}.{c}" for (r, c), cell in solution.cells.items() if cell.value is None]
    if undecided_cells:
        solution.messages.append(message("undecided", table=table, cells=undecided_cells))
    solution.messages[:0] = messages
    return solution


@dataclass
class _Candidate:
    """One combination of placements and what the identities then make of the table."""

    known: dict[CellKey, float | None]
    placed: dict[CellKey, Value]
    solved_by: dict[CellKey, str]  # inferred cell -> the equation that gave its value


def _settle(
    best: list[_Candidate], printed: dict[CellKey, Value], all_cells: list[CellKey], empty_rows: set[str]
) -> Solution:
    """Keep what every best combination agrees on; the rest is undecided, except in rows printed
    without any number, which are blank as printed."""
    first = best[0]
    cells: dict[CellKey, Cell] = {}
    for key in all_cells:
        values = {alt.known[key] for alt in best}
        if len(values) > 1 or first.known[key] is None:
            if key[0] in empty_rows:
                cells[key] = Cell(Value("", None, None, True, {}), reason=EMPTY_ROW)
            else:
                cells[key] = Cell(None, reason=UNDECIDED)
            continue
        if key in printed:
            cells[key] = Cell(printed[key])
        elif key in first.placed and all(alt.placed.get(key) is first.placed[key] for alt in best):
            cells[key] = Cell(first.placed[key], placed=True)
        else:
            value = first.known[key]
            assert value is not None
            number = int(value) if float(value).is_integer() else value
            # nothing was printed: raw stays empty, the value is the identities'
            reason = f"not printed; decided by {first.solved_by.get(key, 'the identities')}"
            cells[key] = Cell(Value("", number, None, False, {}), inferred=True, reason=reason)
    return Solution(cells)
