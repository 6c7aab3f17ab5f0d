"""`make bench`: throughput and memory figures for parsing, storage and crawling (printed, not asserted)."""

from bench import crawl_bench, parse_bench, storage_bench

parse_bench.run()
storage_bench.run()
crawl_bench.run()
