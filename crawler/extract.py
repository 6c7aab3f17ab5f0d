"""The one rule for a document's charset, for the crawler (a page whose header lies) and the parser
(pipelines.sniff.decode): on w3lib's reading of BOMs, Content-Type and <meta> declarations and
its codec aliases (gb2312 and gbk read as gb18030, their superset).

The rule, on the bytes after any Content-Encoding is undone: a BOM decides; otherwise the first
of UTF-8, the header's charset, the page's <meta> charset, the portal's hint and GB18030 that
decodes the whole body strictly. UTF-8 goes first because GBK bytes almost never decode as UTF-8
while UTF-8 bytes often decode as GB18030 (as nonsense). When none decodes, w3lib's
html_to_unicode decodes with replacement characters.
"""

from __future__ import annotations

from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

FALLBACK = "gb18030"  # what a Chinese portal's undeclared page is when it is not UTF-8


def header_charset(content_type: str | None) -> str | None:
    return http_content_type_encoding(content_type) if content_type else None


def meta_charset(body: bytes) -> str | None:
    return html_body_declared_encoding(body[:4096])


def _codec(name: str | None) -> str | None:
    return resolve_encoding(name) if name else None


def decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def decode_body(body: bytes, content_type: str | None = None, hint: str | None = None) -> tuple[str, str]:
    """The text of `body` and the encoding used (see the module's rule); an encoding that needed
    replacement characters is named `<encoding> (with replacements)`."""
    encoding, bom = read_bom(body)
    if encoding:
        return body[len(bom) :].decode(encoding, errors="replace"), encoding
    candidates = ("utf-8", header_charset(content_type), meta_charset(body), _codec(hint), FALLBACK)
    for candidate in dict.fromkeys(c for c in candidates if c):
        if decodes(body, candidate):
            return body.decode(candidate), candidate
    encoding, text = html_to_unicode(content_type, body)
    return text, f"{encoding} (with replacements)"


def true_encoding(body: bytes, content_type: str | None, hint: str | None = None) -> str | None:
    """The charset to read a response with when it is not the header's (None: the header is right)."""
    encoding = decode_body(body, content_type, hint)[1]
    # what Scrapy reads the response with anyway: the header's charset, else the <meta>'s
    scrapy_choice = header_charset(content_type) or meta_charset(body) or "utf-8"
    if encoding == scrapy_choice or encoding.endswith("(with replacements)"):
        return None
    return encoding
