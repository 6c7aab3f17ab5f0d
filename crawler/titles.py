"""Is a list entry an annual report on open government information, and for which year?

Titles vary (年度报告 / 年报 / 政务公开工作年度报告 / 关于2019年度…工作的年度报告); lookalikes share
the words: notices about compiling or submitting reports, 预决算, 政府工作报告, 解读/图解.
"""

from __future__ import annotations

import re
import unicodedata

from pipelines.metadata import LOOKALIKE

_REPORT = re.compile(r"(政府信息公开|政务公开|信息公开).{0,12}(年度报告|年报|工作报告)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_CN_YEAR = re.compile(r"([二〇○零一三四五六七八九]{4})\s*年")


def normalize(title: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", title or ""))


def is_report_title(title: str) -> bool:
    text = normalize(title)
    return bool(_REPORT.search(text)) and not LOOKALIKE.search(text)


def looks_like_report(title: str) -> bool:
    """Shares the report's words (counted as a skipped lookalike when not a report)."""
    text = normalize(title)
    return "报告" in text or "年报" in text


def report_year(title: str) -> int | None:
    """The report year printed in a title (not the publication year)."""
    text = normalize(title)
    match = _YEAR.search(text)
    if match:
        return int(match[1])
    match = _CN_YEAR.search(text)
    if match:
        digits = match[1].translate(_CN_DIGITS)
        if digits.isdigit():
            return int(digits)
    return None
