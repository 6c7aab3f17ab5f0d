"""Two `nianbao worker` processes, two jobs at a time each (two machines, as far as the queue
can tell: each its own jobdir), crawl and parse mirror portals into one PostgreSQL database:
every report once, a worker SIGKILLed mid-crawl has its job finished by the other, and a
portal's requests never overlap in time, even with a second crawl of it queued while the
first runs."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from mirror.portals import build_bench_mirror, build_mirror
from mirror.server import Hit
from nianbao.cli import main
from pipelines.parse import PARSER_VERSION
from settings.registry import Politeness, dump_portal
from storage.api import Store
from storage.db import make_engine
from tests.crawler.conftest import ROOT, Mirror, start_mirror
from tests.storage.conftest import pg_server, postgres  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

STALL_S = 4  # a killed worker's jobs go back in the queue after this (production: a minute)
BENCH = "mirror-bench"
HENAN = "mirror-henan"


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    """A long portal (to kill a worker in its middle) and a short one; one request at a time per
    site, so two requests of a site that overlap come from two crawls of it."""
    henan = next(p for p in build_mirror() if p.name == HENAN)
    running = start_mirror([build_bench_mirror(80), henan], tmp_path / "mirror")
    for name, portal in running.portals.items():
        config = portal.config(running.server.base_url(name))
        config.politeness = Politeness(
            concurrent_requests_per_domain=1, download_delay=0.05 if name == BENCH else 0.2
        )
        config.schedule = ["0 3 1 1 *"]  # never due during the test
        dump_portal(config, running.portals_dir)
    yield running
    running.server.stop()


def _worker(mirror: Mirror, database: str, directory: Path, number: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "nianbao", "worker", "--concurrency", "2"]
    command += ["--portals-dir", str(mirror.portals_dir), "--settings", "settings.mirror"]
    command += ["--jobdir", str(directory / f"jobs-{number}"), "--db", database]
    command += ["--archive", str(directory / "archive"), "--log-level", "WARNING"]
    log = (directory / f"worker-{number}.log").open("wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NIANBAO_WORKER_STALL_S": str(STALL_S)}
    env["NIANBAO_LOG_DIR"] = str(directory / "logs")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def _query(database: str, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    engine = make_engine(database)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _crawl_stage_of(portal: str) -> tuple[int, int] | None:
    """(pid, worker pid) of the process crawling `portal` for a job, if one runs."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if "nianbao.worker_stages" in args and "crawl" in args and portal in args:
            return int(proc.name), int(args[args.index("--parent") + 1])
    return None


def _wait(predicate, what: str, timeout: float = 400) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _overlapping(hits: list[Hit]) -> list[tuple[Hit, Hit]]:
    """Pairs of requests of one site where the second arrived before the first was answered."""
    ordered = sorted(hits, key=lambda h: h.arrived)
    return [(a, b) for a, b in itertools.pairwise(ordered) if b.arrived < a.answered]


def test_two_workers_crawl_and_parse_once_and_survive_a_kill(
    mirror: Mirror,
    postgres: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    workers = [_worker(mirror, postgres, tmp_path, n) for n in (1, 2)]
    enqueue = ["enqueue", "--portals-dir", str(mirror.portals_dir), "--db", postgres]
    henan = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'crawl_portal' AND args->>'portal'"
    doing = f"{henan} = 'mirror-henan' AND status = 'doing'"
    henan_waiting = f"{henan} = 'mirror-henan' AND status IN ('todo', 'doing')"
    try:
        assert main([*enqueue, HENAN]) == 0
        # a second crawl of henan queued while the first runs: with three workers' slots free, only
        # the portal's lock keeps it waiting
        _wait(lambda: _query(postgres, doing) == [(1,)], "henan's crawl")
        assert main([*enqueue, HENAN]) == 0
        _wait(lambda: _query(postgres, henan_waiting) == [(0,)], "henan's crawls")
        assert main([*enqueue, BENCH]) == 0

        # kill the worker crawling the long portal, mid-crawl
        _wait(lambda: _crawl_stage_of(BENCH) is not None and len(mirror.server.hits[BENCH]) > 30, "bench")
        stage, victim = _crawl_stage_of(BENCH)  # type: ignore[misc]
        assert victim in {w.pid for w in workers}
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        _wait(
            lambda: not Path(f"/proc/{stage}").exists() or b"Z" in _state(stage),
            "the crawl stage to exit",
            10,
        )
        hits_at_kill = len(mirror.server.hits[BENCH])

        done = "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        _wait(lambda: _query(postgres, done) == [(0,)] and _bench_parsed(postgres), "the queue to empty")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    logs = "\n".join((tmp_path / f"worker-{n}.log").read_text(errors="replace")[-3000:] for n in (1, 2))

    jobs = _query(
        postgres, "SELECT task_name, args->>'portal', status, attempts FROM procrastinate_jobs ORDER BY id"
    )
    assert all(status == "succeeded" for _, _, status, _ in jobs), (jobs, logs)
    crawls = [(portal, attempts) for task, portal, _, attempts in jobs if task == "crawl_portal"]
    # the killed crawl is the same job, run again by the other worker
    assert crawls == [(HENAN, 1), (HENAN, 1), (BENCH, 2)], logs  # attempts: the kill counts
    assert "of a stalled worker put back in the queue" in logs
    later = [h for h in mirror.server.hits[BENCH][hits_at_kill:] if h.arrived > killed_at]
    assert later and min(h.arrived for h in later) - killed_at >= STALL_S * 0.5  # the retry, not the killed

    # no two requests of a site at once: no two crawls of a portal ever overlapped
    for name in (BENCH, HENAN):
        assert _overlapping(mirror.server.hits[name]) == [], name

    # every report once, parsed once, nothing left pending
    for name, portal in mirror.portals.items():
        expected = sorted({(r.agency, r.year) for r in portal.reports})
        stored = _query(
            postgres,
            "SELECT r.agency, r.year, count(DISTINCT v.id) FROM reports r JOIN portals p"
            f" ON p.id = r.portal_id JOIN report_versions v ON v.report_id = r.id WHERE p.name = '{name}'"
            " GROUP BY r.agency, r.year ORDER BY r.agency, r.year",
        )
        assert [(agency, year) for agency, year, _ in stored] == expected, name
        assert all(versions == 1 for _, _, versions in stored), name
    with Store(postgres, str(tmp_path / "archive")) as store:
        assert store.pending(PARSER_VERSION) == []
    # the run records: the killed crawl unfinished, each crawl and parse job one record
    runs = _query(postgres, "SELECT command, finished_at IS NULL FROM runs ORDER BY id")
    assert sorted(r for r in runs if r[0] == "crawl") == [("crawl", False)] * 3 + [("crawl", True)]


def _state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().split(b")")[-1][:3]
    except OSError:
        return b"Z"


def _bench_parsed(database: str) -> bool:
    """Have parse jobs of the long portal been queued (its crawl is over)?"""
    sql = "SELECT count(*) FROM procrastinate_jobs WHERE lock = 'parse:mirror-bench'"
    return bool(_query(database, sql)[0][0])
