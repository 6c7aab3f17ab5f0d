"""The files a report page attaches: links, frames, pdf.js viewers, and links bound in script
(`ms-attr-href`, `ms-attr-src`, `onclick="window.open('…pdf')"`, file lists in script arrays,
bodies carried in script JSON). A file the page announces (a link named like a file, a bound
attachment list) that none of these resolves is reported, so that the report is counted failed
rather than silently losing its content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml.html import HtmlElement
from parsel import Selector

from pipelines.embedded_body import embedded_body

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps")
_EXTENSIONS = "|".join(re.escape(ext[1:]) for ext in ATTACHMENT_EXTENSIONS)
# An attachment url's path ends with one of the extensions; in the page its dot may be escaped
# (percent-encoded once or twice in a viewer's file=, or an HTML character reference); a page
# may also only label its attachments (附件) and bind them in script.
_HINT = re.compile(rf"(?:\.|%(?:25)?2e|&#0*46;?|&#x0*2e;?|&period;)(?:{_EXTENSIONS})|附件", re.I)
# Attributes that carry a url (avalon's ms-attr-href / ms-attr-src, data-href, Vue's :href).
_URL_ATTRIBUTE = re.compile(r"(?:^|[-:])(?:href|src|data|url|file|path)$", re.I)
# A quoted path to a file in script ("\/upload\/a.pdf" in JSON too: a path, not a file name)
_QUOTED_PATH = re.compile(rf"[\"']([^\"'\s<>()]*?/[^\"'\s<>()]*?\.(?:{_EXTENSIONS}))\\?[\"']", re.I)
# ... and in an event handler, where any quoted string is a url: window.open('a.pdf')
_QUOTED_URL = re.compile(rf"[\"']([^\"'\s<>()]+?\.(?:{_EXTENSIONS}))[\"']", re.I)
_FILE_NAME = re.compile(rf"\S\.(?:{_EXTENSIONS})$", re.I)
# {{el.url}}, ${f.path}, el.url (a property path, not a file name such as a.pdf)
_TEMPLATED = re.compile(rf"\{{\{{|\$\{{|^[A-Za-z_$][\w$]*(?:\.[\w$]+)*\.(?!(?:{_EXTENSIONS})$)[\w$]+$", re.I)
_NOT_URLS = ("javascript:", "mailto:", "#", "tel:")


@dataclass(frozen=True)
class AttachmentScan:
    urls: list[str] = field(default_factory=list)  # absolute, without duplicates
    unresolved: list[str] = field(default_factory=list)  # announced files no url was found for


def may_link_attachments(text: str) -> bool:
    """False when no attachment extension (nor 附件) appears anywhere in the page, so the page
    need not be parsed into a tree to look for attachments (~0.6 ms a report page)."""
    return _HINT.search(text) is not None


def _is_attachment(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXTENSIONS)


def _viewer_target(url: str) -> str | None:
    """pdf.js: /pdfjs/web/viewer.html?file=%2Fupload%2Fx.pdf -> /upload/x.pdf."""
    parts = urlsplit(url)
    if "viewer" not in parts.path.lower():
        return None
    files = parse_qs(parts.query).get("file")
    return unquote(files[0]) if files else None


def _resolve(raw: str, base_url: str) -> str | None:
    raw = raw.strip().replace("\\/", "/")
    if not raw or raw.lower().startswith(_NOT_URLS) or _TEMPLATED.search(raw):
        return None
    url = urljoin(base_url, raw)
    target = _viewer_target(url)
    if target:
        url = urljoin(url, target)
    return url if _is_attachment(url) else None


def _element_urls(element: HtmlElement, base_url: str) -> list[str]:
    """The attachment urls an element carries itself: url attributes, and quoted paths in its
    event handlers or javascript: href."""
    found = []
    for name, value in element.attrib.items():
        if _URL_ATTRIBUTE.search(name):
            url = _resolve(value, base_url)
            if url:
                found.append(url)
        if name.lower().startswith("on") or value.strip().lower().startswith("javascript:"):
            found.extend(u for raw in _QUOTED_URL.findall(value) if (u := _resolve(raw, base_url)))
    return found


def _bound(element: HtmlElement) -> bool:
    """A url attribute bound by a template (ms-attr-href="el.url", :href="{{f.path}}")."""
    return any(_URL_ATTRIBUTE.search(k) and _TEMPLATED.search(v.strip()) for k, v in element.attrib.items())


def _labelled_attachment(element: HtmlElement) -> bool:
    """Inside a block labelled 附件 (three levels up at most)."""
    node: HtmlElement | None = element
    for _ in range(3):
        node = node.getparent() if node is not None else None
        if node is None:
            return False
        if "附件" in node.text_content():
            return True
    return False


@dataclass
class _Found:
    own: list[str] = field(default_factory=list)  # urls elements carry themselves
    scripted: list[str] = field(default_factory=list)  # paths quoted in scripts
    named: list[str] = field(default_factory=list)  # links named like a file, without a url
    bound: bool = False  # an attachment list bound by a template


def _scan(root: HtmlElement, base_url: str, found: _Found) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script":
            found.scripted.extend(
                u for raw in _QUOTED_PATH.findall(element.text or "") if (u := _resolve(raw, base_url))
            )
            continue
        own = _element_urls(element, base_url)
        found.own.extend(own)
        if own:
            continue
        if _bound(element) and _labelled_attachment(element):
            found.bound = True
        elif element.tag == "a" and _FILE_NAME.search(name := " ".join(element.text_content().split())):
            found.named.append(name)


def find_attachments(text: str, base_url: str) -> AttachmentScan:
    """What a report page attaches (pure: page text + url). A link named like a file that
    carries no url is unresolved unless the page's scripts list files (which such links are
    then bound to); a template-bound attachment list is unresolved when nothing gives a url."""
    if not may_link_attachments(text):
        return AttachmentScan()
    found = _Found()
    _scan(Selector(text=text).root, base_url, found)
    body = embedded_body(text)
    if body:
        _scan(Selector(text=body).root, base_url, found)
    urls = list(dict.fromkeys(found.own + found.scripted))
    unresolved = [] if found.scripted else found.named
    if found.bound and not urls:
        unresolved = [*unresolved, "an attachment list bound in script, with no url in the page"]
    return AttachmentScan(urls, unresolved)
