"""Is a body whole? A body cut short with a consistent Content-Length passes every HTTP check;
only its own structure shows the cut: an HTML page that opened <html> or <body> and never closed
it, a PDF without its trailer (`startxref` ... `%%EOF`), a zip (DOCX) without its end of central
directory. Pure functions of the bytes: the crawl retries such a body, archives it as it came and
never hands it to the parse stage (a cut report must not become a report's current version)."""

from __future__ import annotations

import io
import re
import zipfile

# PDF 1.7 (ISO 32000-1, 7.5.5): the trailer ends the file; readers look for %%EOF in its last
# 1024 bytes, and some writers append a few bytes of junk after it.
PDF_TAIL = 1024
# An HTML page opens <html>/<body> near its start and closes them near its end: only these
# windows are searched (a 50 MB page would take seconds with case-insensitive regexes).
HTML_WINDOW = 256 * 1024
_HTML_OPENED = re.compile(rb"<(html|body)[\s>]", re.I)
_CLOSED = {b"html": re.compile(rb"</html\s*>", re.I), b"body": re.compile(rb"</body\s*>", re.I)}


def truncation(body: bytes) -> str | None:
    """Why `body` is cut short by its own structure (a message), or None when it is whole or of
    a kind whose end is not recognisable (plain text, images, .doc)."""
    if body.startswith(b"%PDF-") or body[:1024].lstrip().startswith(b"%PDF-"):
        return _pdf_truncation(body)
    if body.startswith(b"PK\x03\x04"):
        return _zip_truncation(body)
    return _html_truncation(body)


def _pdf_truncation(body: bytes) -> str | None:
    tail = body[-PDF_TAIL:]
    if b"%%EOF" not in tail:
        return "truncated: a PDF without %%EOF at its end"
    if b"startxref" not in body[-PDF_TAIL - 64 :]:
        return "truncated: a PDF without startxref before its %%EOF"
    return None


def _zip_truncation(body: bytes) -> str | None:
    # zipfile finds the end-of-central-directory record (the archive's last record) or says no
    if not zipfile.is_zipfile(io.BytesIO(body)):
        return "truncated: a zip (DOCX) without its end of central directory"
    return None


def _html_truncation(body: bytes) -> str | None:
    """An HTML page that opened <html> or <body> must close what it opened: a page cut short
    ends in the middle of its content. Pages that never open either (fragments) pass."""
    opened = {m.group(1).lower() for m in _HTML_OPENED.finditer(body[:HTML_WINDOW])}
    tail = body[-HTML_WINDOW:]
    for tag in (b"body", b"html"):
        if tag in opened and not _CLOSED[tag].search(tail):
            return f"truncated: an HTML page without its closing </{tag.decode()}>"
    return None
