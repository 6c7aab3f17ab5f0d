"""Report pages the size and shape of real portal pages, for the parse benchmark.

Real article pages are 50-150 kB: a header with a hundred-odd menu links, inline scripts and styles,
a sidebar, a footer link farm, and a report table exported from Word, where every cell is a
styled <td><p class="MsoNormal"><span style=...> and carries its width and borders. The mirror's
pages are lean; parsing lean pages flatters the parser.
"""

from __future__ import annotations

import html
import random
import re

from mirror.render import render_html
from mirror.report_spec import ReportSpec

_MENU = (
    "首页",
    "政务公开",
    "政务服务",
    "互动交流",
    "走进本市",
    "专题专栏",
    "政策文件",
    "政策解读",
    "新闻发布",
)
_SCRIPT = "\n".join(
    f"function f{i}(a,b){{var c=document.getElementById('m{i}');if(c){{c.style.display=a?'block':'none';}}"
    f"return b+{i};}}"
    for i in range(120)
)
_STYLE = "\n".join(
    f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i * 2654435761 % 0xFFFFFF:06x}}}" for i in range(200)
)
_TD = re.compile(r'<td([^>]*) valign="center"><p align="center"><span>')


def _links(rng: random.Random, count: int, prefix: str) -> str:
    return "".join(
        f'<li><a href="/{prefix}/{rng.randrange(10**6)}.html" target="_blank">{rng.choice(_MENU)}{i}</a></li>'
        for i in range(count)
    )


def _word_cells(body: str) -> str:
    """Every table cell as Word exports it."""
    return _TD.sub(
        r'<td\1 width="64" valign="center" style="width:48.0pt;border:solid windowtext 1.0pt;'
        r'border-top:none;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal" align="center" '
        r'style="text-align:center;line-height:14.0pt;mso-line-height-rule:exactly">'
        r'<span style="font-size:10.5pt;font-family:仿宋_GB2312;'
        r'mso-hansi-font-family:&quot;Times New Roman&quot;">',
        body,
    )


def real_like_page(spec: ReportSpec, seed: int = 0) -> bytes:
    """The mirror's page for `spec`, with the bulk real portal pages carry around the report."""
    rng = random.Random(seed)
    page = render_html(spec).decode("utf-8")
    head = f"<script>{_SCRIPT}</script><style>{_STYLE}</style>"
    header = f'<div class="header"><ul class="menu">{_links(rng, 120, "col")}</ul></div>'
    sidebar = f'<div class="side"><h3>{html.escape(spec.agency)}</h3><ul>{_links(rng, 40, "zwgk")}</ul></div>'
    footer = f'<div class="links"><ul>{_links(rng, 80, "link")}</ul></div>'
    page = page.replace("</head>", head + "</head>", 1).replace("<body>", "<body>" + header + sidebar, 1)
    page = page.replace("</body>", footer + "</body>", 1)
    return _word_cells(page).encode("utf-8")
