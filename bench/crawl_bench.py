"""End-to-end crawl of a generated mirror (politeness off): reports/s against parse-only
throughput, re-crawl time against the first crawl, and the crawler's peak RSS as the corpus grows.

`run()` prints the figures; `make bench` calls it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mirror.corpus import article_body
from mirror.portals import MirrorPortal, build_bench_mirror
from mirror.server import MirrorRequest, MirrorServer, Reply
from pipelines.parse import parse_bytes
from settings.registry import dump_portal

ROOT = Path(__file__).resolve().parents[1]
SIZES = (500, 2000)
PARSE_SAMPLE = 200


def _prerender(portal: MirrorPortal) -> list[bytes]:
    """Render every report once, so the mirror answers from memory (the bench times the crawler)."""
    site = portal.site
    bodies = []
    for report in portal.reports:
        body = article_body(report)
        bodies.append(body)
        reply = Reply(body=body, content_type="text/html; charset=utf-8")

        def route(_req: MirrorRequest, reply: Reply = reply) -> Reply:
            return Reply(body=reply.body, content_type=reply.content_type)

        site.routes[report.article_path] = route  # type: ignore[union-attr]
    return bodies


def _parse_rate(bodies: list[bytes]) -> float:
    start = time.perf_counter()
    for body in bodies:
        parse_bytes(body, "bench.html")
    return len(bodies) / (time.perf_counter() - start)


def _crawl(portals_dir: Path, work: Path, name: str) -> tuple[float, dict, int, int]:
    """One crawl in a subprocess: (seconds, summary, peak RSS of the crawler process and of its
    largest worker process, in KiB)."""
    cmd = [
        sys.executable,
        "-c",
        _CHILD,
        str(portals_dir),
        name,
        f"sqlite:///{work / 'db.sqlite'}",
        str(work / "a"),
    ]
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"crawl failed ({result.returncode}): {result.stderr[-3000:]}")
    out = result.stdout
    seconds = time.perf_counter() - start
    data = json.loads(out.strip().splitlines()[-1])
    return seconds, data["summary"], data["maxrss_kib"], data["workers_maxrss_kib"]


# Runs the crawl and reports its own peak RSS (ru_maxrss of the crawling process).
_CHILD = """
import json, resource, sys
from crawler.run import run_crawl
from settings.registry import load_portals
portals_dir, name, db, archive = sys.argv[1:5]
portals = [load_portals(portals_dir)[name]]
overrides = {"NIANBAO_PORTALS_DIR": portals_dir, "NIANBAO_DB_URL": db, "NIANBAO_ARCHIVE_DIR": archive,
             "LOG_LEVEL": "ERROR"}
summary = run_crawl(portals, settings_module="settings.bench", overrides=overrides)[0]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # store and parser processes
print(json.dumps({"summary": summary, "maxrss_kib": rss, "workers_maxrss_kib": workers}))
"""


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, float]:
    figures: dict[str, float] = {}
    print("crawl bench (TRS mirror, settings.bench: politeness off, local server)")
    for size in sizes:
        portal = build_bench_mirror(size)
        bodies = _prerender(portal)
        parse_rate = _parse_rate(bodies[:PARSE_SAMPLE])
        with MirrorServer({portal.name: portal.site}) as server, tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            dump_portal(portal.config(server.base_url(portal.name)), work / "portals")
            first_s, first, rss_first, workers_first = _crawl(work / "portals", work, portal.name)
            second_s, second, rss_second, workers_second = _crawl(work / "portals", work, portal.name)
        assert first["new"] == size and second["unchanged"] == size, (first, second)
        rate = size / first_s
        print(
            f"  {size:>5} reports: first crawl {first_s:6.1f} s = {rate:6.1f} reports/s "
            f"({rate / parse_rate:4.0%} of parse-only {parse_rate:6.1f}/s); "
            f"re-crawl {second_s:5.1f} s ({first_s / second_s:4.1f}x faster); "
            f"peak RSS {max(rss_first, rss_second) / 1024:5.0f} MB "
            f"(largest worker process {max(workers_first, workers_second) / 1024:4.0f} MB)"
        )
        figures.update(
            {
                f"reports_per_s_{size}": rate,
                f"parse_only_per_s_{size}": parse_rate,
                f"recrawl_speedup_{size}": first_s / second_s,
                f"peak_rss_mb_{size}": max(rss_first, rss_second) / 1024,
            }
        )
    return figures


if __name__ == "__main__":
    run()
