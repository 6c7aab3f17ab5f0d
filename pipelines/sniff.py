"""What a document is (by its bytes, not its name) and how its text is encoded."""

from __future__ import annotations

import codecs
import re
import zipfile
from io import BytesIO

PDF, DOCX, HTML, TEXT, MARKDOWN = "pdf", "docx", "html", "text", "markdown"
OLE_DOC, ARCHIVE, IMAGE, BINARY, EMPTY = "doc", "archive", "image", "binary", "empty"

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|div|p|title)\b",
    re.IGNORECASE | re.DOTALL,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
_MD_TABLE = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)


def sniff(data: bytes) -> str:
    head = data[:4096]
    if not data.strip():
        return EMPTY
    if b"%PDF-" in data[:1024]:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return ARCHIVE
        return DOCX if "word/document.xml" in names else ARCHIVE
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE_DOC  # .doc / .wps / .xls: binary Office formats
    if (
        head[:8] in (b"\x89PNG\r\n\x1a\n",)
        or head[:3] == b"\xff\xd8\xff"
        or head[:4] in (b"GIF8", b"II*\x00")
    ):
        return IMAGE
    if _HTML_START.match(head) or b"<table" in head.lower():
        return HTML
    text = decode(data)[0]
    if _looks_binary(text):
        return BINARY
    return MARKDOWN if len(_MD_TABLE.findall(text[:200_000])) >= 3 else TEXT


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return True
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\r\n\f"))
    return bad / len(sample) > 0.05


def declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def decode(data: bytes, hint: str | None = None) -> tuple[str, str]:
    """Text and the encoding used: BOM, UTF-8, the declared charset, then GB18030 (GBK's superset)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    candidates = ["utf-8"]
    for name in (hint, declared_charset(data)):
        if name:
            candidates.append("gb18030" if name in ("gbk", "gb2312", "gb18030") else name)
    candidates.append("gb18030")
    for encoding in dict.fromkeys(candidates):
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace"), "utf-8 (with replacements)"
