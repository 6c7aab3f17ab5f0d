"""HTML pages: grids from the original markup (lxml keeps rowspan/colspan), text around them.

trafilatura drops spans, so grids come from lxml; trafilatura gives the article text (without
navigation, whose links to other years' reports look like titles) of pages without data tables,
such as pre-2019 reports, where that text is what we keep. Pages with tables skip it: it would
cost as much as the whole parse.
"""

from __future__ import annotations

import itertools
import re

import lxml.html
import trafilatura
from lxml import etree

from pipelines.document import Extracted
from pipelines.embedded_body import with_embedded_body
from pipelines.grid import GridBuilder, bounded_span
from pipelines.lines import Line, text_lines
from pipelines.messages import message
from pipelines.metadata import find_published
from pipelines.sniff import decode

_BLOCKS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "section",
    "article",
    "br",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "pre",
    "blockquote",
    "center",
    "font",
)
_DATE_META = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "article:published_time",
    "dc.date",
    "dcterms.created",
    "publishtime",
    "releasedate",
    "date",
)
_TITLE_META = ("articletitle", "og:title", "title", "dc.title")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_PLACEHOLDER = "\ue000grid{}\ue001"  # private-use marks: never in a page
_PLACEHOLDER_RE = re.compile("\ue000grid(\\d+)\ue001")


def _cell_text(cell: etree._Element) -> str:
    return " ".join(cell.text_content().split())


def _grid_lines(table: etree._Element, index: int) -> list[Line]:
    for br in table.iter("br"):  # a line break inside a cell separates words
        br.tail = " " + (br.tail or "")
    builder = GridBuilder()
    for tr in table.iter("tr"):
        cells = [
            (_cell_text(td), bounded_span(td.get("rowspan", 1)), bounded_span(td.get("colspan", 1)))
            for td in tr
            if isinstance(td.tag, str) and td.tag in ("td", "th")
        ]
        builder.add_row(cells)
    return builder.lines(index)


def _numbered_in_page(lines: list[Line], chunk: str, before: int) -> list[Line]:
    """Text lines numbered as lines of the page's text (non-empty lines, one per block element),
    not of the chunk between two tables they were cut from."""
    non_empty = list(itertools.accumulate(1 if c.strip() else 0 for c in chunk.splitlines()))
    for line in lines:
        line.origin["line"] = before + non_empty[line.origin["line"] - 1]
    return lines


def _meta(root: etree._Element, names: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        if name in names and meta.get("content"):
            found.append(meta.get("content", ""))
    return found


def extract_html(data: bytes) -> Extracted:
    text, encoding = decode(data)
    text = with_embedded_body(text)  # a body carried in script JSON (gkmlpt DETAIL)
    root = lxml.html.document_fromstring(_XML_DECL.sub("", text) or "<html></html>")
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    titles = _meta(root, _TITLE_META) + [t.text_content() for t in root.iter("title", "h1")]
    dates: list[str | None] = list(_meta(root, _DATE_META))
    grids: list[list[Line]] = []
    body = root.find("body")
    scope = body if body is not None else root
    # leaf tables are data; tables that contain tables are page layout
    for table in [t for t in scope.iter("table") if not t.xpath(".//table")]:
        grids.append(_grid_lines(table, len(grids)))
        placeholder = etree.Element("p")
        placeholder.text = _PLACEHOLDER.format(len(grids) - 1)
        placeholder.tail = table.tail
        table.getparent().replace(table, placeholder)
    for element in scope.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    page_text = scope.text_content()
    lines: list[Line] = []
    plain: list[str] = []
    for chunk in _PLACEHOLDER_RE.split(page_text):
        if chunk.isdigit():
            lines.extend(grids[int(chunk)])
            plain.extend(line.text for line in grids[int(chunk)])
        else:
            lines.extend(_numbered_in_page(text_lines(chunk), chunk, len(plain)))
            plain.extend(s for s in (c.strip() for c in chunk.splitlines()) if s)
    messages = [message("decoded_as", encoding=encoding)] if not encoding.startswith("utf-8") else []
    article = "\n".join(plain)
    if not grids:
        # the article text leaves out the page's info bar, where portals print the date
        dates.append(find_published([], plain))
        article = trafilatura.extract(text, fast=True, include_tables=False) or article
    return Extracted("html", lines, article, titles=titles, dates=dates, messages=messages)
