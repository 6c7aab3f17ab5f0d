"""`nianbao parse --table`: grids with schema labels, every cell marked with its state."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from nianbao.table_view import show
from pipelines.parse import parse_bytes
from tests.truth import SEEDS, shared_text


def edited_seed() -> str:
    text = shared_text(SEEDS / "000_2f0f6d62f86fde55.txt")
    for old, new in (
        (
            "7. 属于行政执法案卷\t3\t0\t0\t0\t0\t0\t3",
            "7. 属于行政执法案卷\t0\t0\t0\t0\t0\t3",
        ),  # lost: inferred
        ("(一) 予以公开\t37\t0\t0\t0\t0\t0\t37", "(一) 予以公开\t37\t-\t0\t0\t0\t0\t38"),  # blank, failing
        ("行政规范性文件\t2\t0\t39", "行政规范性文件\t2\t39"),  # nothing says which column lost its number
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def row_of(output: str, label: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if line.strip().startswith(label)]
    return line.split()[1:]


def test_table_view_marks_each_cell_in_plain_text(tmp_path: Path):
    path = tmp_path / "edited.txt"
    path.write_text(edited_seed(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "nianbao", "parse", "--table", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "\x1b[" not in out  # a pipe gets plain marks, no colour
    assert "本年新收政府信息公开申请数量" in out and "法律服务机构" in out and "本年制发件数" in out
    assert row_of(out, "属于行政执法案卷") == ["~3", "0", "0", "0", "0", "0", "!3"]  # in the results sum
    # every cell of the row is in its failing row total
    assert row_of(out, "予以公开") == ["!37", "!(blank)", "!0", "!0", "!0", "!0", "!38"]
    assert row_of(out, "行政规范性文件") == ["?", "?", "?"]
    assert "FAILED requests.row_total[granted]: 38 != 37 + (blank) (cause: source" in out
    assert "~37 inferred" in out


def test_table_view_colours_on_a_terminal():
    result = parse_bytes(edited_seed().encode(), "edited.txt")
    buffer = io.StringIO()
    show(result, Console(file=buffer, force_terminal=True, color_system="standard", width=160))
    out = buffer.getvalue()
    assert re.search(r"\x1b\[36m *~3\x1b\[0m", out)  # inferred: cyan
    assert re.search(r"\x1b\[1;31m *!38\x1b\[0m", out)  # failing: bold red
