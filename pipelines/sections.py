"""Cut a report's lines into the sections that hold the three tables (二, 三, 四)."""

from __future__ import annotations

import re

from pipelines.lines import Line
from pipelines.normalize import compact
from pipelines.schema import DISCLOSURE, REQUESTS, REVIEW

# Headings as printed (without spaces); a heading line is short, prose that quotes it is not.
_HEADINGS = (
    (DISCLOSURE, re.compile(r"主动公开政府信息(?:情况|工作)")),
    (REQUESTS, re.compile(r"收到和处理政府信息公开申请")),
    (REVIEW, re.compile(r"(?:政府信息公开)?行政复议.{0,2}行政诉讼(?:情况)?$")),
    ("problems", re.compile(r"存在的主要问题|主要问题及(?:其)?改进|其他需要报告的事项")),
)
# Without headings, a table announces itself by its header.
_TABLE_MARKERS = (
    (DISCLOSURE, re.compile(r"第二十条第")),
    (REQUESTS, re.compile(r"申请人情况|本年新收")),
    (REVIEW, re.compile(r"未经复议直接起诉|复议后起诉")),
)
_MAX_HEADING = 40
# a statistical table runs to ~100 lines even one cell per line; beyond this a heading was missed
# and the rest of the document is not a table: bounding it bounds the label alignment's time
MAX_SECTION_LINES = 1500


def _heading(line: Line) -> str | None:
    text = compact(line.text)
    if not text or len(text) > _MAX_HEADING:
        return None
    for name, pattern in _HEADINGS:
        if pattern.search(text):
            return name
    return None


def split_sections(lines: list[Line]) -> dict[str, list[Line]]:
    """The lines of each table's section; a table missing from the headings is found by its header."""
    starts: dict[str, int] = {}
    for index, line in enumerate(lines):
        name = _heading(line)
        if name and name not in starts:
            starts[name] = index
    for name, pattern in _TABLE_MARKERS:
        if name not in starts:
            for index, line in enumerate(lines):
                if pattern.search(compact(line.text)):
                    starts[name] = index
                    break
    ordered = sorted(starts.items(), key=lambda item: item[1])
    sections: dict[str, list[Line]] = {}
    for position, (name, start) in enumerate(ordered):
        end = ordered[position + 1][1] if position + 1 < len(ordered) else len(lines)
        if name != "problems":
            sections[name] = lines[start + 1 : min(end, start + 1 + MAX_SECTION_LINES)]
    return sections
