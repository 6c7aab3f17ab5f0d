"""What a report page links to: attachments (links, iframe/embed/object, pdf.js viewers) and
the charset a page really uses when its header lies."""

from __future__ import annotations

import codecs
import re
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from parsel import Selector

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w-]+)", re.I)
# An attachment url's path ends with one of the extensions; in the page its dot may be escaped
# (percent-encoded once or twice in a viewer's file=, or an HTML character reference).
_ATTACHMENT_HINT = re.compile(
    r"(?:\.|%(?:25)?2e|&#0*46;?|&#x0*2e;?|&period;)(?:"
    + "|".join(re.escape(ext[1:]) for ext in ATTACHMENT_EXTENSIONS)
    + ")",
    re.I,
)


def _is_attachment(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXTENSIONS)


def _viewer_target(url: str) -> str | None:
    """pdf.js: /pdfjs/web/viewer.html?file=%2Fupload%2Fx.pdf -> /upload/x.pdf."""
    parts = urlsplit(url)
    if "viewer" not in parts.path.lower():
        return None
    files = parse_qs(parts.query).get("file")
    return unquote(files[0]) if files else None


def may_link_attachments(text: str) -> bool:
    """False when no attachment extension appears anywhere in the page, so the page need not
    be parsed into a tree to look for attachments (~0.6 ms a report page)."""
    return _ATTACHMENT_HINT.search(text) is not None


def attachment_urls(selector: Selector, base_url: str) -> list[str]:
    """Absolute attachment urls in document order, without duplicates."""
    candidates = selector.css(
        "a::attr(href), iframe::attr(src), embed::attr(src), object::attr(data), frame::attr(src)"
    ).getall()
    found: list[str] = []
    for raw in candidates:
        raw = raw.strip()
        if not raw or raw.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base_url, raw)
        target = _viewer_target(url)
        if target:
            url = urljoin(url, target)
        if _is_attachment(url) and url not in found:
            found.append(url)
    return found


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
