"""The stages on a generated mirror (politeness off): the crawl stage alone, the parse stage alone
(one worker), both as `nianbao crawl` runs them against parse-only throughput, the re-crawl of the
unchanged mirror, the export of what was stored, and the peak memory of every process, at two
corpus sizes.

`run()` prints the figures; `make bench` calls it. Every report the mirror serves must end up
stored as its own report: a bench that measured rewriting versions would flatter the store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.processes import Run, run_measured
from mirror.corpus import article_body
from mirror.portals import MirrorPortal, build_bench_mirror
from mirror.server import MirrorRequest, MirrorServer, Reply
from pipelines.parse import parse_bytes
from settings.registry import dump_portal

ROOT = Path(__file__).resolve().parents[1]
SIZES = (500, 2000)
PARSE_SAMPLE = 200
TARGET_SHARE_OF_PARSE_ONLY = 0.6


def _prerender(portal: MirrorPortal) -> list[bytes]:
    """Render every report once, so the mirror answers from memory (the bench times the crawler)."""
    bodies = []
    for report in portal.reports:
        body = article_body(report)
        bodies.append(body)

        def route(_req: MirrorRequest, body: bytes = body) -> Reply:
            return Reply(body=body, content_type="text/html; charset=utf-8")

        portal.site.routes[report.article_path] = route  # type: ignore[union-attr]
    return bodies


def _parse_only(bodies: list[bytes]) -> float:
    """Reports parsed per second in this process, nothing else (the yardstick)."""
    start = time.perf_counter()
    for body in bodies:
        parse_bytes(body, "bench.html")
    return len(bodies) / (time.perf_counter() - start)


def _nianbao(work: Path, *args: str) -> Run:
    cmd = [sys.executable, "-m", "nianbao", *args, "--db", f"sqlite:///{work / 'db.sqlite'}"]
    cmd += ["--archive", str(work / "archive")]
    run = run_measured(cmd, cwd=ROOT, env={**os.environ, "NIANBAO_JOBDIR": str(work / "jobs")})
    if run.returncode not in (0, 7):  # 7: years missing, which the bench mirror is allowed
        raise RuntimeError(f"nianbao {args[0]} failed ({run.returncode}): {run.stderr[-3000:]}")
    return run


def _portal_args(portals: Path, name: str) -> list[str]:
    return [
        "--portals-dir",
        str(portals),
        "--portal",
        name,
        "--settings",
        "settings.bench",
        "--set",
        "LOG_LEVEL=ERROR",
    ]


def _crawl_stage(work: Path, portals: Path, name: str) -> Run:
    cmd = [sys.executable, "-m", "crawler.run", *_portal_args(portals, name)]
    cmd += ["--db", f"sqlite:///{work / 'db.sqlite'}", "--archive", str(work / "archive")]
    cmd += ["--jobdir", str(work / "jobs")]
    run = run_measured(cmd, cwd=ROOT)
    if run.returncode:
        raise RuntimeError(f"crawl stage failed: {run.stderr[-3000:]}")
    return run


def _count(work: Path, sql: str) -> int:
    with sqlite3.connect(work / "db.sqlite") as conn:
        return int(conn.execute(sql).fetchone()[0])


def _upgrade(work: Path) -> None:
    _nianbao(work, "db", "upgrade")


def _peaks(*runs: Run) -> str:
    peaks: dict[str, float] = {}
    for run in runs:
        for name, mib in run.peak_mib.items():
            peaks[name] = max(peaks.get(name, 0.0), mib)
    return ", ".join(f"{name} {mib:.0f} MB" for name, mib in sorted(peaks.items()))


def bench_size(size: int) -> dict[str, float]:
    portal = build_bench_mirror(size)
    bodies = _prerender(portal)
    parse_rate = _parse_only(bodies[:PARSE_SAMPLE])
    with MirrorServer({portal.name: portal.site}) as server, tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        portals = base / "portals"
        dump_portal(portal.config(server.base_url(portal.name)), portals)
        stages, together = base / "stages", base / "together"
        for work in (stages, together):
            work.mkdir()
            _upgrade(work)

        crawl_stage = _crawl_stage(stages, portals, portal.name)
        parse_stage = _nianbao(stages, "parse-pending", "--workers", "1")
        first = _nianbao(together, "crawl", "--json", *_portal_args(portals, portal.name))
        again = _nianbao(together, "crawl", "--json", *_portal_args(portals, portal.name))
        stored = _count(together, "select count(*) from reports")
        export = _nianbao(together, "export", "--format", "parquet", "--out", str(base / "feed"))
        summary, resummary = json.loads(first.stdout)[0], json.loads(again.stdout)[0]
    if stored != size or summary["new"] != size or resummary["unchanged"] != size:
        raise AssertionError(f"{size} reports served, {stored} stored ({summary}, {resummary})")
    rate = size / first.seconds
    print(
        f"  {size:>5} reports: crawl stage {size / crawl_stage.seconds:6.1f}/s; parse stage (1 worker)"
        f" {size / parse_stage.seconds:6.1f}/s; nianbao crawl {rate:6.1f}/s ="
        f" {rate / parse_rate:4.0%} of parse-only {parse_rate:6.1f}/s"
        f" (target >= {TARGET_SHARE_OF_PARSE_ONLY:.0%}); re-crawl {again.seconds:5.1f} s"
        f" ({first.seconds / again.seconds:4.1f}x faster)",
        flush=True,
    )
    print(f"         peak RSS: {_peaks(crawl_stage, parse_stage, first, again)}", flush=True)
    print(f"         export (parquet): {export.seconds:5.1f} s, peak RSS {_peaks(export)}", flush=True)
    return {
        f"crawl_stage_per_s_{size}": size / crawl_stage.seconds,
        f"parse_stage_per_s_{size}": size / parse_stage.seconds,
        f"crawl_per_s_{size}": rate,
        f"share_of_parse_only_{size}": rate / parse_rate,
        f"recrawl_speedup_{size}": first.seconds / again.seconds,
    }


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, float]:
    print("crawl bench (generated TRS mirror on 127.0.0.1, settings.bench: politeness off)", flush=True)
    figures: dict[str, float] = {}
    for size in sizes:
        figures.update(bench_size(size))
    return figures


if __name__ == "__main__":
    run()
