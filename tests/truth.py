"""Comparing a parse with hand-checked truth files, and where the real reports are.

The real reports and their truth (../shared: seeds, truth, realworld) belong to third parties and
are not part of the project: tests on them are marked `needs_shared` and skip when it is absent.
The project's own reports with truth are in tests/fixtures (tests/samples.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.model import ParseResult
from pipelines.schema import REQUEST_COLUMNS

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
SEED_IDS = ("000", "001", "002", "003", "004")
REALWORLD = SHARED / "realworld"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared (real reports with truth) not present"
)


def seed_truth(ident: str) -> Path:
    return SHARED / "truth" / f"seed-{ident}.json"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def truth_cells(truth: dict[str, Any]) -> dict[tuple[str, str, str], float | None]:
    cells = {}
    for table, values in truth["facts"].items():
        for key, value in values.items():
            row, _, column = key.rpartition(".")
            cells[(table, row, column)] = value
    return cells


def parsed_cells(result: ParseResult) -> dict[tuple[str, str, str], float | None]:
    return {f.key: (None if f.blank else f.value) for f in result.facts}


def mismatches(result: ParseResult, truth: dict[str, Any]) -> list[str]:
    """Every truth cell the parse got wrong: value, blank-for-None, or missing."""
    got = parsed_cells(result)
    wrong = []
    for key, want in truth_cells(truth).items():
        have = got.get(key, "<missing>")
        if have != want:
            wrong.append(f"{'.'.join(key)}: {have!r} != {want!r}")
    return wrong


def requests_row(result: ParseResult, row: str) -> list[float | None]:
    """A requests row as printed order values: six applicant columns, then the total."""
    values = {f.column: f.value for f in result.facts if f.table == "requests" and f.row == row}
    return [values.get(c.key) for c in REQUEST_COLUMNS]


def shared_text(path: Path) -> str:
    """A file of ../shared, or a skip: ../shared is not part of the project."""
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared is not part of the project")
    return path.read_text(encoding="utf-8")
