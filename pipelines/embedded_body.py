"""Report bodies a page carries in script JSON rather than in its markup.

gkmlpt article pages (广东's 政府信息公开目录 platform) render the article in the browser from
`window._CONFIG = {…, DETAIL: {"title": …, "content": "\\u003Cp\\u003E…"}}`: the markup has no
body, and an extractor that drops scripts reads no tables. The content string is read as JSON
(strict JSON objects, or the `"content": "…"` member of a JavaScript object literal) and handed
back as HTML.
"""

from __future__ import annotations

import json
import re

_DETAIL = re.compile(r"\bDETAIL[\"']?\s*[:=]\s*")
_CONTENT = re.compile(r"[\"']?content[\"']?\s*:\s*(?=\")")
_DECODER = json.JSONDecoder()
_BODY_END = re.compile(r"</body\s*>", re.I)


def embedded_body(text: str) -> str | None:
    """The HTML of a page's DETAIL content (None when the page carries none)."""
    if "DETAIL" not in text:  # a substring search; the pattern alone tries every position of the page
        return None
    for match in _DETAIL.finditer(text):
        start = match.end()
        end = text.find("</script", start)
        end = len(text) if end < 0 else end
        if text.startswith("{", start):
            try:
                detail, _ = _DECODER.raw_decode(text, start)
            except ValueError:
                detail = None
            if isinstance(detail, dict) and isinstance(detail.get("content"), str):
                return detail["content"] or None
        content = _CONTENT.search(text, start, end)  # an object literal with unquoted keys
        if content is None:
            continue
        try:
            body, _ = _DECODER.raw_decode(text, content.end())
        except ValueError:
            continue
        if isinstance(body, str) and body:
            return body
    return None


def with_embedded_body(text: str) -> str:
    """The page with its embedded body added as markup before </body> (unchanged without one)."""
    body = embedded_body(text)
    if body is None:
        return text
    block = f'<div class="embedded-body">{body}</div>'
    ends = list(_BODY_END.finditer(text))
    if not ends:
        return text + block
    at = ends[-1].start()
    return text[:at] + block + text[at:]
