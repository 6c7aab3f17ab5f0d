"""A ReportSpec in the forms portals publish it: an HTML article page, PDF, DOCX, copied text.

Pure functions of their arguments: the same spec gives the same bytes (reportlab's invariant
mode, fixed DOCX timestamps). All layout comes from mirror.layout.
"""

from __future__ import annotations

import html
import random
import unicodedata
import zipfile
from collections.abc import Collection
from datetime import date, datetime, time
from io import BytesIO

from mirror.layout import (
    HEADING,
    PARAGRAPH,
    SIGNATURE,
    TABLE,
    TITLE,
    Block,
    Grid,
    NumberStyle,
    outline,
)
from mirror.report_spec import FactKey, ReportSpec
from pipelines.schema import DISCLOSURE, REQUESTS, REVIEW

TEXT_STYLES = ("tab", "pdf", "markdown")
CJK_FONT = "STSong-Light"  # reportlab's built-in CID font: no font file, text extracts as Unicode

# --- HTML ------------------------------------------------------------------------------------

_PAGE_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta charset="{charset}">
<title>{title}_{site}</title>
<meta name="SiteName" content="{site}">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{published} 09:30">
<meta name="ContentSource" content="{site}">
<style>.content p{{text-indent:2em;line-height:2}} td{{border:1px solid #000}}</style>
<script type="text/javascript">var _hmt = _hmt || []; function printPage(){{window.print();}}</script>
</head>
<body>
<div class="top"><a href="/">{site}</a> <span>无障碍浏览</span> <span>长者模式</span></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a>
 &gt; 政府信息公开年报</div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布时间：{published} &nbsp; 来源：{site} &nbsp; 【字体：大 中 小】</div>
<div class="content" id="zoom">
"""
_PAGE_FOOT = """</div>
<div class="tools"><a href="javascript:printPage()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer"><p>主办单位：{site} &nbsp; 网站标识码：4101000001</p>
<p>豫ICP备05012345号 &nbsp; 豫公网安备 41010002000123号</p></div>
</body>
</html>
"""


def _html_text(text: str) -> str:
    return "<br>".join(html.escape(part, quote=False) for part in text.split("\n")) or "&nbsp;"


def _html_table(grid: Grid) -> str:
    out = [
        '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse">',
        "<tbody>",
    ]
    for cells in grid.by_row():
        tds = []
        for cell in cells:
            attrs = "".join(
                f' {name}="{value}"'
                for name, value in (("rowspan", cell.rowspan), ("colspan", cell.colspan))
                if value > 1
            )
            # Word-exported pages wrap every cell's text in <p><span>
            text = _html_text(cell.text)
            tds.append(f'<td{attrs} valign="center"><p align="center"><span>{text}</span></p></td>')
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _html_block(block: Block, split_tables: Collection[str]) -> str:
    if block.kind == TABLE:
        assert block.grid is not None
        if block.grid.table in split_tables:
            first, second = block.grid.split(block.grid.n_rows // 2)
            return _html_table(first) + "\n<p>&nbsp;</p>\n" + _html_table(second)
        return _html_table(block.grid)
    text = html.escape(block.text, quote=False)
    if block.kind == TITLE:
        return f'<p align="center"><strong>{text}</strong></p>'
    if block.kind == HEADING:
        return f"<p><strong>{text}</strong></p>"
    if block.kind == SIGNATURE:
        return f'<p align="right">{text}</p>'
    return f"<p>{text}</p>"


def html_body(spec: ReportSpec, *, split_requests_table: bool = False, fullwidth_digits: bool = False) -> str:
    """The report's markup inside an article page (what CMS templates put in their content box)."""
    split = (REQUESTS,) if split_requests_table else ()
    return "\n".join(_html_block(b, split) for b in outline(spec, NumberStyle(fullwidth=fullwidth_digits)))


def render_html(
    spec: ReportSpec,
    *,
    encoding: str = "utf-8",
    split_requests_table: bool = False,
    blank_cells: Collection[FactKey] = (),
    fullwidth_digits: bool = False,
) -> bytes:
    """A government article page holding the report; `blank_cells` are printed as empty cells."""
    spec = spec.with_blanks(blank_cells) if blank_cells else spec
    fields = {
        "charset": encoding,
        "title": html.escape(spec.title),
        "site": html.escape(spec.agency),
        "published": spec.published,
    }
    body = html_body(spec, split_requests_table=split_requests_table, fullwidth_digits=fullwidth_digits)
    page = _PAGE_HEAD.format(**fields) + body + "\n" + _PAGE_FOOT.format(**fields)
    return page.encode(encoding, errors="xmlcharrefreplace")


# --- text ------------------------------------------------------------------------------------


def _text_rows(grid: Grid, style: str) -> list[str]:
    if style == "pdf":  # a PDF text layer: the printed cells of a row, space-separated
        return [" ".join(c.text.replace("\n", "") for c in cells if c.text) for cells in grid.by_row()]
    dense = [[text.replace("\n", " ") for text in row] for row in grid.dense()]
    if style == "tab":  # copied from a browser: merged positions stay as empty cells
        return ["\t".join(row) for row in dense]
    lines = ["| " + " | ".join(row) + " |" for row in dense]
    lines.insert(1, "|" + "|".join("---" for _ in dense[0]) + "|")
    return lines


# Many PDF text layers carry Kangxi radicals (⼀ U+2F00) where the font drew 一: the reverse of NFKC
_KANGXI = {ord(unicodedata.normalize("NFKC", chr(cp))): chr(cp) for cp in range(0x2F00, 0x2FD6)}


def render_text(spec: ReportSpec, style: str, *, kangxi: bool = False) -> str:
    """The report as text: `tab` (copied from HTML), `pdf` (a PDF text layer), `markdown`.

    `kangxi` swaps characters for their Kangxi-radical look-alikes, as some PDF extractions do.
    """
    if style not in TEXT_STYLES:
        raise ValueError(f"unknown text style {style!r}; expected one of {TEXT_STYLES}")
    lines: list[str] = []
    for block in outline(spec):
        lines.extend(_text_rows(block.grid, style) if block.grid is not None else [block.text])
        lines.append("")
    text = "\n".join(lines)
    return text.translate(_KANGXI) if kangxi else text


# --- PDF -------------------------------------------------------------------------------------

_CM = 28.3465  # points per centimetre (reportlab.lib.units.cm, without importing reportlab early)
# column widths (cm) per table, for 17 cm of usable A4 width
_PDF_WIDTHS = {
    DISCLOSURE: [5.0, 4.0, 4.0, 4.0],
    REQUESTS: [1.8, 2.0, 4.7] + [1.2] * 7,
    REVIEW: [1.13] * 15,
}


def _pdf_styles() -> dict[str, object]:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    base = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10.5, leading=18, wordWrap="CJK")
    return {
        TITLE: ParagraphStyle(
            "title", parent=base, fontSize=16, leading=24, alignment=TA_CENTER, spaceAfter=12
        ),
        HEADING: ParagraphStyle("heading", parent=base, fontSize=12, spaceBefore=6, spaceAfter=4),
        PARAGRAPH: ParagraphStyle("paragraph", parent=base, firstLineIndent=21),
        SIGNATURE: ParagraphStyle("signature", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10, alignment=TA_CENTER),
    }


def _pdf_markup(text: str) -> str:
    return "<br/>".join(html.escape(part, quote=False) for part in text.split("\n"))


def _pdf_table(grid: Grid, cell_style: object) -> object:
    from reportlab.platypus import Paragraph, Table, TableStyle

    data: list[list[object]] = [[""] * grid.n_cols for _ in range(grid.n_rows)]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONT", (0, 0), (-1, -1), CJK_FONT, 8),
    ]
    for cell in grid.cells:
        data[cell.row][cell.col] = Paragraph(_pdf_markup(cell.text), cell_style)
        if cell.rowspan > 1 or cell.colspan > 1:
            end = (cell.col + cell.colspan - 1, cell.row + cell.rowspan - 1)
            commands.append(("SPAN", (cell.col, cell.row), end))
    widths = [w * _CM for w in _PDF_WIDTHS[grid.table]]
    return Table(data, colWidths=widths, style=TableStyle(commands))


def render_pdf(spec: ReportSpec) -> bytes:
    """An A4 PDF with a text layer: paragraphs and ruled tables that may break across pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = _pdf_styles()
    story: list[object] = []
    for block in outline(spec):
        if block.grid is not None:
            story.extend([_pdf_table(block.grid, styles["cell"]), Spacer(1, 8)])
        else:
            story.append(Paragraph(_pdf_markup(block.text), styles[block.kind]))
    buffer = BytesIO()
    margin = 2 * _CM
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=spec.title,
        author=spec.agency,
        invariant=True,
    )
    doc.build(story)
    return buffer.getvalue()


def render_scanned_pdf(pages: int = 2, seed: int = 0) -> bytes:
    """A PDF of page images only (no text layer), like a scanned report that needs OCR."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    rng = random.Random(seed)
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for _ in range(pages):
        image = Image.new("L", (620, 877), 255)
        draw = ImageDraw.Draw(image)
        for y in range(60, 820, 22):  # grey bars where lines of print would be
            x = 60 + (24 if rng.random() < 0.2 else 0)
            draw.rectangle((x, y, x + rng.randint(300, 500), y + 9), fill=rng.randint(40, 120))
        png = BytesIO()
        image.save(png, format="PNG")
        png.seek(0)
        canvas.drawImage(ImageReader(png), 0, 0, width=A4[0], height=A4[1])
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- DOCX ------------------------------------------------------------------------------------


def _docx_table(document: object, grid: Grid) -> None:
    table = document.add_table(rows=grid.n_rows, cols=grid.n_cols)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    # table.cell() re-walks the whole table on every call: take the unmerged grid once; spans
    # never overlap, so each merge's corner cells are still in the table when it runs
    positions = [row.cells for row in table.rows]
    for cell in grid.cells:
        # Word wraps narrow cells itself; an explicit break would survive only as a newline
        positions[cell.row][cell.col].text = cell.text.replace("\n", "")
    for cell in grid.cells:
        if cell.rowspan > 1 or cell.colspan > 1:
            end = positions[cell.row + cell.rowspan - 1][cell.col + cell.colspan - 1]
            positions[cell.row][cell.col].merge(end)


def render_docx(spec: ReportSpec) -> bytes:
    """A Word document: paragraphs and tables whose merged cells python-docx repeats per position."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    document.core_properties.title = spec.title
    document.core_properties.author = spec.agency
    align = {TITLE: WD_ALIGN_PARAGRAPH.CENTER, SIGNATURE: WD_ALIGN_PARAGRAPH.RIGHT}
    for block in outline(spec):
        if block.grid is not None:
            _docx_table(document, block.grid)
            continue
        paragraph = document.add_paragraph(block.text)
        if block.kind in align:
            paragraph.alignment = align[block.kind]
    created = datetime.combine(date.fromisoformat(spec.published), time(9, 0))
    document.core_properties.created = document.core_properties.modified = created
    buffer = BytesIO()
    document.save(buffer)
    return _stamp_zip(buffer.getvalue(), created)


def _stamp_zip(data: bytes, when: datetime) -> bytes:
    """The same zip with every entry dated `when`: python-docx stamps entries with the current time,
    and a mirror must serve the same bytes for the same report."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            stamped.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stamped, source.read(info))
    return out.getvalue()
