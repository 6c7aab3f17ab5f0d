"""What a document is (by its bytes, not its name) and how its text is encoded."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from crawler.extract import decode_body

PDF, DOCX, HTML, TEXT, MARKDOWN = "pdf", "docx", "html", "text", "markdown"
OLE_DOC, ARCHIVE, IMAGE, BINARY, EMPTY = "doc", "archive", "image", "binary", "empty"

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|div|p|title)\b",
    re.IGNORECASE | re.DOTALL,
)
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


def decode(data: bytes, hint: str | None = None) -> tuple[str, str]:
    """Text and the encoding used, by the one charset rule the crawler uses too (crawler.extract)."""
    return decode_body(data, hint=hint)
