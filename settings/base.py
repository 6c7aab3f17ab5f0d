"""Scrapy settings shared by every environment (prod, test, bench import and override these)."""

from __future__ import annotations

import os

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are: an identifying User-Agent with a contact url ($NIANBAO_CONTACT_URL, or set USER_AGENT).
NIANBAO_CONTACT_URL = os.environ.get("NIANBAO_CONTACT_URL", "https://github.com/nianbao/nianbao#crawler")
USER_AGENT = f"nianbao/0.1 (+{NIANBAO_CONTACT_URL}; annual reports on open government information)"

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
# TLS certificates are verified (Scrapy's default is not to); a portal YAML may opt out with
# tls_verify: false and its reason (settings.registry), kept with what it fetched.
DOWNLOAD_VERIFY_CERTIFICATES = True
COOKIES_ENABLED = False  # nothing here needs a session; challenge cookies are never solved

# Nothing listens on a port or runs code for remote callers.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Retries for 5xx / timeouts with exponential backoff (crawler.middlewares.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
NIANBAO_RETRY_BACKOFF_BASE = 1.0
NIANBAO_RETRY_BACKOFF_MAX = 30.0

# 304 must reach the spider (unchanged report), 412/521 the blocked detector.
HTTPERROR_ALLOWED_CODES = [304]

DOWNLOADER_MIDDLEWARES = {
    # ours checks every request, dont_filter ones and redirect targets too (Scrapy's skips those)
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.offsite.OffsiteGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,  # COOKIES_ENABLED is off; not imported
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # robots.txt answering 5xx disallows all (RFC 9309): Scrapy's reads its error page instead
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtRfcMiddleware": 100,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.BlockedPortalMiddleware": 560,
    "crawler.middlewares.ConditionalRequestMiddleware": 590,
    # below HttpCompressionMiddleware (590): responses reach it decompressed, so that the charset
    # rule reads the page, not its gzip bytes
    "crawler.middlewares.EncodingFixMiddleware": 580,
}
# Only http(s) is ever fetched (crawler.offsite refuses other schemes first), with one delay per
# host across the portals of a process (crawler.host_slots).
DOWNLOAD_HANDLERS = {
    "http": "crawler.host_slots.HostPoliteDownloadHandler",
    "https": "crawler.host_slots.HostPoliteDownloadHandler",
    "data": None,
    "file": None,
    "ftp": None,
    "s3": None,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
EXTENSIONS = {
    "crawler.extensions.PortalSummary": 500,
    "crawler.extensions.CrawlProgress": 510,  # only when the run set a sink (see crawler.run)
    # Off above; removed here too, so that they are not even imported (aiohttp: ~0.1 s per run).
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

# Breadth-first, so list pages are read before report pages pile up (also keeps memory flat).
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
# JOBDIR keeps the queue of a killed run; duplicates are filtered per run (see crawler.dupefilter).
DUPEFILTER_CLASS = "crawler.dupefilter.RunDupeFilter"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# Each response's output is processed by CONCURRENT_ITEMS asyncio tasks created per response
# (Scrapy 2.19): our callbacks yield one item or a page of links, so a few are enough and the
# default 100 costs more than the crawl itself on an incremental run.
CONCURRENT_ITEMS = 4
# Responses waiting for the pipeline (bytes): downloads pause beyond this, so memory stays flat
# when storing is slower than fetching (Scrapy's default is 5 MB).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000

# Only for `scrapy crawl`: `nianbao crawl` and `python -m crawler.run` log through settings.logs
# (--log-level, --log-format, --log-file) and Scrapy installs no handler of its own there.
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# nianbao's own settings (database, archive, portals, parse stage) come from settings/config.py
# under their NIANBAO_* names; these are the crawl's.
NIANBAO_YEARS = None  # "2008-2024": backfill range (default: the portal's expected years)
# A report listed on a list page that answered 304 is not requested again when the store knows
# it (crawl --recheck turns this off to re-validate every report).
NIANBAO_TRUST_UNCHANGED_LISTS = True
