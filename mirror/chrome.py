"""The chrome every real portal page carries around its content, for the mirror's pages.

A header menu and a breadcrumb that link the report column itself (信息公开年报, 政府信息<br>公开年报,
`./`, nlist.htm) and its sibling columns (政府工作报告, 政府信息公开指南, 年度报表), a sidebar with the
column tree and a dated block of news, and a footer link farm pointing at other governments'
sites and the national portal. Off-site hosts are other mirror listeners (`peers`, known once the
server listens) or names under .invalid, which never resolve: nothing here reaches the internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin

NATIONAL = "mirror-national"  # the listener standing in for www.gov.cn (mirror.portals.NationalSite)
_PROVINCES = (
    "北京市",
    "河北省",
    "山西省",
    "河南省",
    "湖北省",
    "山东省",
    "江苏省",
    "安徽省",
    "福建省",
    "广东省",
)
_PINYIN = ("beijing", "hebei", "shanxi", "henan", "hubei", "shandong", "jiangsu", "anhui", "fujian", "gd")
_NEWS = (
    ("关于开展2024年度政务公开工作培训的通知", "2024-03-18"),
    ("我市召开政务公开工作推进会", "2024-03-12"),
    ("政府网站工作年度报表（2023年度）", "2024-01-30"),
)


def peer_url(peers: dict[str, str], name: str, fallback_host: str) -> str:
    """A peer listener's base url, or an unresolvable host when that peer is not running."""
    return peers.get(name) or f"http://{fallback_host}.invalid"


@dataclass(frozen=True)
class Chrome:
    site: str  # the portal's printed name, 郏县人民政府
    column: str  # the report column's url as menus link it: /zwgk/ndbg/, /?a=path&d=ndbg&p=D42Y

    def header(self, peers: dict[str, str]) -> str:
        national = peer_url(peers, NATIONAL, "www.gov.cn")
        column = escape(self.column)
        return (
            f'<div class="top"><a href="{national}/">中国政府网</a> <a href="/">{escape(self.site)}</a>'
            ' <a href="javascript:void(0)">无障碍浏览</a> <a href="/wap/">手机版</a></div>'
            '<div class="nav"><ul class="menu">'
            '<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a><ul class="sub">'
            f'<li><a href="{column}">信息公开年报</a></li>'
            f'<li><a href="{escape(urljoin(self.column, "nlist.htm"))}">政府信息<br>公开年报</a></li>'
            '<li><a href="/zwgk/zfgzbg/">政府工作报告</a></li>'
            '<li><a href="/zwgk/zfxxgkzn/">政府信息公开指南</a></li>'
            '<li><a href="/zwgk/ndbb/">年度报表</a></li></ul></li>'
            '<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>'
            '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a>'
            ' &gt; <a href="/zwgk/zfxxgk/">政府信息公开</a> &gt; <a href="./">政府信息公开年报</a></div>'
        )

    def sidebar(self) -> str:
        news = "".join(
            f'<li><a href="/xwzx/{day[:7].replace("-", "")}/t{day.replace("-", "")}_{i}.html">'
            f"{escape(title)}</a>"
            f"<span>{day}</span></li>"
            for i, (title, day) in enumerate(_NEWS, start=1)
        )
        return (
            '<div class="side"><h3>政府信息公开</h3><ul class="tree">'
            '<li><a href="/zwgk/zfxxgkzn/">政府信息公开指南</a></li>'
            '<li><a href="/zwgk/zfxxgkzd/">政府信息公开制度</a></li>'
            '<li><a href="/zwgk/fdzdgknr/">法定主动公开内容</a></li>'
            f'<li class="on"><a href="{escape(urljoin(self.column, "index.html"))}">政府信息公开年报</a></li>'
            '<li><a href="/zwgk/zfgzbg/">政府工作报告</a></li></ul>'
            f'<h3>最新信息</h3><ul class="news">{news}</ul></div>'
        )

    def footer(self, peers: dict[str, str]) -> str:
        national = peer_url(peers, NATIONAL, "www.gov.cn")
        provinces = "".join(
            f'<a href="http://www.{py}.gov.cn.invalid/">{name}人民政府</a>'
            for name, py in zip(_PROVINCES, _PINYIN, strict=True)
        )
        return (
            '<div class="footer"><div class="links"><span>政府网站：</span>'
            f'<a href="{national}/">中国政府网</a><a href="{national}/guowuyuan/">国务院部门网站</a>'
            f"{provinces}</div>"
            f'<div class="links"><a href="{escape(self.column)}">政府信息公开年报</a>'
            '<a href="/wzdt/">网站地图</a><a href="/lxwm/">联系我们</a><a href="/jcjy/">纠错建议</a></div>'
            f"<p>主办单位：{escape(self.site)} &nbsp; 网站标识码：4100000001 &nbsp; ICP备05012345号</p></div>"
        )

    def list_page(self, title: str, listing: str, peers: dict[str, str], encoding: str = "utf-8") -> bytes:
        """A whole list page: chrome around the listing region's markup."""
        doc = (
            f'<!DOCTYPE html><html><head><meta charset="{encoding}">'
            f"<title>{escape(title)}_{escape(self.site)}"
            f'</title><meta name="SiteName" content="{escape(self.site)}"></head><body>'
            f'{self.header(peers)}<div class="main">{self.sidebar()}'
            f'<div class="list-box">{listing}</div></div>'
            f"{self.footer(peers)}</body></html>"
        )
        return doc.encode(encoding, errors="xmlcharrefreplace")

    def around(self, page: bytes, peers: dict[str, str], encoding: str = "utf-8") -> bytes:
        """An article page with the header menu, breadcrumb and footer around its body."""
        head = self.header(peers).encode(encoding, errors="xmlcharrefreplace")
        foot = self.footer(peers).encode(encoding, errors="xmlcharrefreplace")
        page = page.replace(b"<body>", b"<body>" + head, 1)
        at = page.rfind(b"</body>")
        return page[:at] + foot + page[at:] if at >= 0 else page + foot
