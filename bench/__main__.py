"""`make bench`: throughput and memory figures for parsing, storage and crawling (printed, not asserted)."""

from bench import parse_bench

parse_bench.run()
