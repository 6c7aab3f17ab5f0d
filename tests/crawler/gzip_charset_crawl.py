"""Run by tests/crawler/test_charset.py in a child (a Twisted reactor runs once per process):
crawl one page from a local server that sends GBK bytes gzip-compressed behind a lying
`charset=utf-8` header, through the project's downloader middlewares, and print the text read."""

from __future__ import annotations

import gzip
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

PAGE = (
    '<html><head><meta charset="gbk"><title>郏县人民政府信息公开年度报告</title></head>'
    "<body>列表</body></html>"
)


class _Gzipping(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = gzip.compress(PAGE.encode("gbk"))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


class _OnePage(scrapy.Spider):
    name = "one-page"

    async def start(self):  # type: ignore[no-untyped-def]
        yield scrapy.Request(self.url)

    def parse(self, response):  # type: ignore[no-untyped-def]
        print(response.encoding, response.css("title::text").get(), flush=True)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gzipping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = Settings()
    settings.setmodule("settings.base", priority="project")
    settings.set("ROBOTSTXT_OBEY", False)
    settings.set("LOG_LEVEL", "ERROR")
    settings.set("EXTENSIONS", {})  # the portal summaries need a portal spider
    process = CrawlerProcess(settings)
    process.crawl(_OnePage, url=f"http://127.0.0.1:{server.server_address[1]}/list.html")
    process.start()
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
