"""Mutated mirror reports (tests/mutate.py) through the guarded parse and the CLI's JSON: 0 crashes
(a parser exception is a crash even when caught), 0 hangs, bounded RSS, strict JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.parse_command import json_line
from pipelines.guarded import parse_path_guarded
from tests.hostile import DEADLINE_S, MAX_CHILD_RSS_MB, assert_settled, children_max_rss_mb, strict_json
from tests.mutate import mutants

CRASHES = ("parser_failed", "parser_died", "over_deadline")  # bugs, not bad input


def fuzz(tmp_path: Path, count: int, seed: int) -> None:
    problems: list[str] = []
    for name, data in mutants(count, seed):
        path = tmp_path / name
        path.write_bytes(data)
        result = parse_path_guarded(str(path), DEADLINE_S)
        try:
            assert_settled(result)
            line = strict_json(json_line(result))
        except AssertionError as exc:
            problems.append(f"{name}: {exc}")
            continue
        crashed = [m["text"] for m in line["messages"] if m["code"] in CRASHES]
        if crashed:
            problems.append(f"{name}: {crashed}")
        path.unlink()
    assert problems == []
    assert children_max_rss_mb() < MAX_CHILD_RSS_MB


@pytest.mark.fuzz
def test_mutated_reports_settle(tmp_path: Path):
    fuzz(tmp_path, 200, seed=1)


@pytest.mark.fuzz
@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2, 10))
def test_many_mutated_reports_settle(tmp_path: Path, seed: int):
    fuzz(tmp_path, 400, seed=seed)
