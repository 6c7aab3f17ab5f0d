"""A duplicate filter that lives for one run only, even with JOBDIR.

Scrapy's persisted filter marks a request seen when it is scheduled: after a SIGKILL the
requests that were downloading are lost for good (seen, but never done). A resumed run instead
drains the persisted queue of an interrupted run (the queue of a SIGKILLed one cannot be read
back, see crawler.run.drop_unreadable_queue) *and* walks the lists again: reports done before
the kill are known to the store and not fetched again, the lost ones are fetched. Nothing is
stored twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.dupefilters import RFPDupeFilter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RunDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunDupeFilter:
        return cls(
            None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter
        )
