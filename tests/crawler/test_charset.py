"""One charset rule (crawler.extract) for crawler and parser: seven broken-charset variants read
right by both, and a GBK page sent gzip-compressed behind a lying header read right by a crawl."""

from __future__ import annotations

import codecs
import subprocess
import sys

import pytest

from crawler.extract import decode_body, true_encoding
from pipelines.sniff import decode

TEXT = "郏县人民政府2024年政府信息公开工作年度报告"


def page(charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>{TEXT}</title></head><body>{TEXT}</body></html>"


# name -> body, Content-Type header, portal hint, the encoding the rule must read it with
VARIANTS = {
    "gbk-behind-utf8-header": (page("gbk").encode("gbk"), "text/html; charset=utf-8", None, "gb18030"),
    "gbk-declared-gb2312": (page("gb2312").encode("gbk"), "text/html", None, "gb18030"),
    "gbk-no-declaration-with-hint": (page(None).encode("gbk"), "text/html; charset=utf-8", "gbk", "gb18030"),
    "gbk-no-declaration-at-all": (page(None).encode("gbk"), None, None, "gb18030"),
    "utf8-behind-gbk-header": (page("gbk").encode("utf-8"), "text/html; charset=gbk", None, "utf-8"),
    "utf8-bom-behind-gbk-header": (
        codecs.BOM_UTF8 + page(None).encode("utf-8"),
        "text/html; charset=gbk",
        None,
        "utf-8",
    ),
    "gbk-with-unknown-charset": (
        page("x-unknown").encode("gbk"),
        "text/html; charset=bogus",
        None,
        "gb18030",
    ),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_broken_charsets_are_read_right_by_crawler_and_parser(name: str):
    body, content_type, hint, encoding = VARIANTS[name]
    text, used = decode_body(body, content_type, hint)
    assert (used, text.count(TEXT)) == (encoding, 2)
    crawler_reads = true_encoding(body, content_type, hint) or encoding
    assert body.decode(crawler_reads, errors="strict").count(TEXT) == 2
    if content_type is None or "charset=utf-8" not in content_type:  # the parser has no header
        assert decode(body, hint)[0].count(TEXT) == 2


def test_a_gzipped_gbk_page_behind_a_lying_header_is_read_right_by_a_crawl():
    done = subprocess.run(
        [sys.executable, "-m", "tests.crawler.gzip_charset_crawl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["gb18030", "郏县人民政府信息公开年度报告"]
