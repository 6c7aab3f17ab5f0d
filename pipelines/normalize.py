"""Text normalisation and number parsing for report cells.

PDF text layers often carry Kangxi radicals (U+2F00–2FD5) and CJK radical supplements instead of
the ordinary characters; NFKC would fix the former but also rewrite full-width punctuation that the
labels use, so the map below is targeted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pipelines.limits import MAX_NUMBER_DIGITS

# Kangxi radicals: NFKC gives the right character except where it picks a traditional form
# that simplified-Chinese fonts use the radical for.
_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}
_RADICALS[0x2F3E] = "户"  # ⼾: NFKC gives 戶
# CJK radicals supplement: no NFKC mapping; these are the simplified forms fonts substitute.
_RADICALS.update(
    {
        ord(k): v
        for k, v in {
            "⺠": "民",
            "⻔": "门",
            "⻓": "长",
            "⻅": "见",
            "⻋": "车",
            "⻛": "风",
            "⻜": "飞",
            "⻢": "马",
            "⻙": "韦",
            "⻚": "页",
            "⻥": "鱼",
            "⻦": "鸟",
            "⻬": "齐",
            "⻮": "齿",
            "⻰": "龙",
            "⻳": "龟",
            "⻘": "青",
            "⻝": "食",
            "⻩": "黄",
            "⻨": "麦",
            "⻉": "贝",
            "⻄": "西",
            "⻆": "角",
            "⺟": "母",
            "⺀": "冫",
        }.items()
    }
)
_FULLWIDTH_DIGITS = {0xFF10 + i: str(i) for i in range(10)}
_CHAR_MAP = {**_RADICALS, 0x00A0: " ", 0x3000: " ", 0x200B: "", 0xFEFF: "", 0x2002: " ", 0x2003: " "}


def clean_text(text: str) -> str:
    """Map radical look-alikes and odd spaces to ordinary characters; keep punctuation as printed."""
    return text.translate(_CHAR_MAP)


_NUMBER_MAP = {
    **_FULLWIDTH_DIGITS,
    0xFF0E: ".",
    0xFF0C: ",",
    0xFF0D: "-",
    0x2212: "-",
    0xFF0B: "+",
    0xFF05: "%",
}
_NUMBER_RE = re.compile(
    r"""^(?P<sign>[-+]|增加?|减少?|)\s*
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
        \s*(?P<unit>万元|亿元|元|件|个|项|条|次|人次|%)?$""",
    re.VERBOSE,
)
# Printed markers that mean "nothing here": kept as blank with their raw text.
_BLANK_MARKERS = frozenset({"", "-", "—", "——", "–", "/", "／", "\\", "无", "空", "×", "x", "X"})


@dataclass(frozen=True)
class Number:
    value: int | float
    unit: str | None


@lru_cache(maxsize=65536)  # cells repeat ("0", "12"): a table reads each one twice or more
def parse_number(raw: str) -> Number | None:
    """A printed cell as a number with its unit, or None when it is not a number."""
    text = raw.translate(_NUMBER_MAP).strip()
    match = _NUMBER_RE.match(text)
    if not match:
        return None
    digits = match["num"].replace(",", "")
    if _too_long(digits):
        return None  # no count or amount is this long (see limits.MAX_NUMBER_DIGITS)
    value: int | float = float(digits) if "." in digits else int(digits)
    if match["sign"] in ("-", "减", "减少"):  # 本年增/减 cells print 减12 for -12, 增3 for 3
        value = -value
    return Number(value, match["unit"])


def _too_long(digits: str) -> bool:
    return len(digits) - digits.count(".") > MAX_NUMBER_DIGITS


def overlong_number(raw: str) -> bool:
    """A cell printing a number of more digits than any report figure has (not read as one)."""
    match = _NUMBER_RE.match(raw.translate(_NUMBER_MAP).strip())
    return match is not None and _too_long(match["num"].replace(",", ""))


def is_blank_marker(raw: str) -> bool:
    return raw.strip() in _BLANK_MARKERS


# Characters that carry no meaning for label matching: spacing, punctuation, enumerators.
_LABEL_NOISE = re.compile(
    r"[\s\u3000,，。.、:：;；()（）\[\]【】〔〕<>《》“”\"'‘’!！?？·…—\-_/／|*#]"
    r"|[0-9０-９]+"
)
_ENUMERATOR = re.compile(r"[（(][一二三四五六七八九十]+[)）]|^[一二三四五六七八九十]+、")


@lru_cache(maxsize=16384)
def label_core(text: str) -> str:
    """The meaningful characters of a label: no enumerators, digits, punctuation or spaces."""
    return _LABEL_NOISE.sub("", _ENUMERATOR.sub("", clean_text(text)))


def compact(text: str) -> str:
    """Text without any white space (PDF extraction inserts spaces between CJK characters)."""
    return "".join(text.split())
