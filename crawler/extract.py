"""The charset a page really uses when its header lies (attachments: crawler.attachments)."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w-]+)", re.I)


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return _codec(match[1]) if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return _codec(match[1].decode("ascii", "ignore")) if match else None


def _codec(name: str) -> str | None:
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if name in ("gbk", "gb2312", "cp936") else name  # GBK pages use GB18030 chars


def decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def true_encoding(body: bytes, content_type: str | None, hint: str | None = None) -> str | None:
    """The charset to use when the header's cannot decode the body (None: the header is right)."""
    declared = header_charset(content_type)
    if declared and decodes(body, declared):
        return None
    for candidate in (meta_charset(body), _codec(hint) if hint else None):
        if candidate and candidate != declared and decodes(body, candidate):
            return candidate
    return None
