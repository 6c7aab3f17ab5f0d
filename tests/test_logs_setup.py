"""settings.logs: JSON lines with their context and nothing else, Scrapy's chatter and network
tracebacks left out."""

from __future__ import annotations

import json
import logging
import sys

from scrapy.exceptions import DownloadConnectionRefusedError

from settings.logs import ContextFilter, JsonLineFormatter, QuietChatter


class Spider:
    portal_name = "henan"

    def __repr__(self) -> str:
        return "<TrsSpider 'trs' at 0x7f>"


def _record(name: str, level: int, msg: str, args: object = (), **extra: object) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, msg, args, None)  # type: ignore[arg-type]
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_the_context_and_only_data() -> None:
    record = _record("trs", logging.WARNING, "fetch failed: %s (%s)", ("http://a.gov.cn/1.html", "404"))
    record.spider = Spider()
    ContextFilter().filter(record)
    line = json.loads(JsonLineFormatter().format(record))
    assert line.pop("time").endswith("Z")
    assert line == {
        "level": "WARNING",
        "logger": "trs",
        "message": "fetch failed: http://a.gov.cn/1.html (404)",
        "portal": "henan",
        "url": "http://a.gov.cn/1.html",
    }  # no spider object, no process or thread noise
    blocked = _record("trs", logging.WARNING, "portal %s blocked: %s", ("henan", "412 at http://a.gov.cn/x/"))
    blocked.spider = Spider()
    ContextFilter().filter(blocked)
    assert blocked.url == "http://a.gov.cn/x/"  # type: ignore[attr-defined]
    parsed = _record("nianbao.parse", logging.INFO, "中文: new", url="file:///r.pdf", outcome="new")
    assert '"message": "中文: new"' in JsonLineFormatter().format(parsed)


def test_scrapy_chatter_and_network_tracebacks_are_left_out() -> None:
    quiet = QuietChatter()
    assert not quiet.filter(
        _record("scrapy.crawler", logging.INFO, "Overridden settings:\n%(s)s", ({"s": 1},))
    )
    assert not quiet.filter(_record("scrapy.utils.log", logging.INFO, "Versions: ..."))
    assert quiet.filter(_record("scrapy.core.engine", logging.INFO, "Spider opened"))
    assert quiet.filter(_record("scrapy.crawler", logging.WARNING, "something odd"))
    try:
        raise DownloadConnectionRefusedError("Connection was refused by other side: 111")
    except DownloadConnectionRefusedError:
        refused = _record("scrapy.downloadermiddlewares.robotstxt", logging.ERROR, "Error downloading")
        refused.exc_info = sys.exc_info()
    assert quiet.filter(refused) and refused.exc_info is None
