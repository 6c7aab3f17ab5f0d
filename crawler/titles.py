"""Is a list entry an annual report on open government information, of which organ and year?

Titles vary (年度报告 / 年报 / 政务公开工作年度报告 / 关于2019年度…工作的年度报告); lookalikes share
the words: notices about compiling or submitting reports, 预决算, 政府工作报告, 解读/图解.
"""

from __future__ import annotations

import re
import unicodedata

from pipelines.metadata import LOOKALIKE, Title, match_title

_REPORT = re.compile(r"(政府信息公开|政务公开|信息公开).{0,12}(年度报告|年报|工作报告)")


def normalize(title: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", title or ""))


def is_report_title(title: str) -> bool:
    text = normalize(title)
    return bool(_REPORT.search(text)) and not LOOKALIKE.search(text)


def looks_like_report(title: str) -> bool:
    """Shares the report's words (counted as a skipped lookalike when not a report)."""
    text = normalize(title)
    return "报告" in text or "年报" in text


def report_of(title: str) -> Title | None:
    """The organ and year a listed report title names (None: not a report title, or one that
    names no organ or no year, as a menu's 政府信息公开年报 does)."""
    return match_title(title) if is_report_title(title) else None
