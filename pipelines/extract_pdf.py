"""PDF files: the text layer, page by page, with pdfplumber (MIT; PyMuPDF is AGPL)."""

from __future__ import annotations

from io import BytesIO

import pdfplumber

from pipelines.document import Extracted
from pipelines.lines import Line, text_lines

MAX_PAGES = 200  # an annual report runs to 5-30 pages; bound time and memory on huge files
MIN_CHARS_PER_PAGE = 20  # fewer characters than this on every page: images only


def extract_pdf(data: bytes) -> Extracted:
    lines: list[Line] = []
    texts: list[str] = []
    messages: list[str] = []
    with pdfplumber.open(BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            messages.append(f"{len(pages)} pages: read the first {MAX_PAGES}")
        images = 0
        for number, page in enumerate(pages[:MAX_PAGES], start=1):
            text = page.extract_text() or ""
            images += len(page.images)
            texts.append(text)
            lines.extend(text_lines(text, extra={"page": number}))
            page.close()
        title = (pdf.metadata or {}).get("Title")
        created = (pdf.metadata or {}).get("CreationDate")
    text = "\n".join(texts)
    scanned = all(len(t.strip()) < MIN_CHARS_PER_PAGE for t in texts) and images > 0
    return Extracted(
        "pdf",
        lines,
        text,
        titles=[title] if isinstance(title, str) else [],
        weak_dates=[_pdf_date(created)],
        messages=messages,
        scanned=scanned,
    )


def _pdf_date(value: object) -> str | None:
    """PDF dates look like D:20250120093000+08'00'."""
    if not isinstance(value, str):
        return None
    digits = value.removeprefix("D:")[:8]
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 and digits.isdigit() else None
