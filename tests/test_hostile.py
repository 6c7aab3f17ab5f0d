"""Hostile inputs (tests/hostile.py) each get a status and a message in bounded time and memory,
through the guarded parse `nianbao parse` uses; the CLI prints strict JSON for every one."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import limits
from pipelines.guarded import parse_path_guarded
from tests.hostile import (
    CASES,
    DEADLINE_S,
    EXPECTED,
    MAX_CHILD_RSS_MB,
    assert_settled,
    children_max_rss_mb,
    report_with_number,
    strict_json,
)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_settles_in_bounded_time_and_memory(name: str, tmp_path: Path):
    path = CASES[name](tmp_path)
    started = time.monotonic()
    try:
        result = parse_path_guarded(str(path), DEADLINE_S)
    except OSError as exc:  # the file cannot be read as a document: the CLI says so
        assert EXPECTED[name] == "unreadable_file", exc
        assert "not a regular file" in str(exc)
        return
    assert time.monotonic() - started < DEADLINE_S, "hung: stopped by the deadline"
    assert_settled(result)
    codes = [m.code for m in result.messages]
    assert "over_deadline" not in codes and "parser_died" not in codes
    if EXPECTED[name]:
        assert EXPECTED[name] in codes, codes
    assert children_max_rss_mb() < MAX_CHILD_RSS_MB


def test_over_long_numbers_are_not_read_and_the_report_is_not_parsed():
    for digits in ("9" * 400, "7" * 5000, "9" * 400 + ".5"):
        from pipelines.parse import parse_bytes

        result = parse_bytes(report_with_number(digits), "r.txt")
        assert result.status == "partial"
        assert [m.params for m in result.messages if m.code == "number_too_long"] == [
            {"numbers": 1, "limit": limits.MAX_NUMBER_DIGITS}
        ]
        assert all(f.raw != digits for f in result.facts)
        json.dumps(result.to_dict(), allow_nan=False)


def test_a_parse_over_the_deadline_is_stopped_with_a_status(tmp_path: Path):
    path = CASES["docx-vmerge-5000-deep"](tmp_path)  # takes about a second
    result = parse_path_guarded(str(path), 0.05)
    assert (result.status, [m.code for m in result.messages]) == ("error", ["over_deadline"])
    assert result.messages[0].params == {"seconds": 0.05}


def test_a_parse_past_the_memory_cap_is_an_error_not_the_machine_swapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "lines.txt"  # 400k lines of cells: about 400 MB of objects
    path.write_bytes(b"1\t2\t3\n" * 400_000)
    with open("/proc/self/status") as status:
        size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    monkeypatch.setattr(limits, "MAX_ADDRESS_SPACE", size_kb * 1024 + 64 * 1024 * 1024)
    result = parse_path_guarded(str(path), DEADLINE_S)
    assert result.status == "error"
    assert [m.code for m in result.messages] == ["out_of_memory"], result.messages


def test_cli_prints_one_strict_json_object_per_hostile_input(tmp_path: Path):
    names = (
        "integer-5000-digits",
        "float-to-infinity",
        "fifo",
        "dev-zero",
        "docx-deflate64",
        "html-200x200-span-grid",
    )
    paths = [str(CASES[name](tmp_path)) for name in names]
    done = subprocess.run(
        [sys.executable, "-m", "nianbao", "parse", "--json", *paths],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # the FIFO and /dev/zero cannot be read
    results = [strict_json(line) for line in done.stdout.splitlines()]
    assert [r["source"] for r in results] == paths
    assert [r["status"] for r in results] == ["partial", "partial", "error", "error", "unsupported", "error"]
    assert [r["messages"][-1]["code"] for r in results] == [
        "number_too_long",
        "number_too_long",
        "unreadable_file",
        "unreadable_file",
        "unsupported_compression",
        "over_limit",
    ]
    assert "Traceback" not in done.stderr
