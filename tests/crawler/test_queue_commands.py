"""The job queue's commands: `nianbao enqueue` (one crawl job per portal, a year range for a
backfill), the schedules' periodic jobs, migration 0006, SQLite refused; and the crontab line
`nianbao schedule --print-cron` prints, run twice at once (the second exits LOCKED)."""

from __future__ import annotations

import asyncio
import io
import logging
import shlex
import subprocess
import time
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest
from procrastinate.periodic import PeriodicDeferrer
from sqlalchemy import inspect, text

from mirror.portals import build_mirror
from nianbao.cli import main
from nianbao.exit_codes import ExitCode
from nianbao.jobs import CONTEXT, CRAWL_TASK, PARSE_TASK, WorkerSetup, crawl_lock, job_app, retry_stalled_once
from pipelines.parse import PARSER_VERSION
from settings.config import load_config
from settings.registry import Politeness, dump_portal, load_registry
from storage.api import Fetched, Store
from storage.db import make_engine
from storage.migrate import downgrade, upgrade
from tests.crawler.conftest import Mirror, Workspace, start_mirror
from tests.stage_fixtures import html_reports
from tests.storage.conftest import pg_server, postgres  # noqa: F401  (fixtures)

NAMES = ["mirror-henan", "mirror-luoyang"]


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _jobs(url: str) -> list[tuple[str, dict, str, str, str]]:  # type: ignore[type-arg]
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT task_name, args, lock, queueing_lock, status FROM procrastinate_jobs ORDER BY id"
                )
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """Two mirror portals' registry files (no mirror listening: the jobs are not run here)."""
    portals = {p.name: p for p in build_mirror()}
    for name in NAMES:
        dump_portal(portals[name].config("http://127.0.0.1:9"), tmp_path / "portals")
    return tmp_path / "portals"


def test_the_queue_refuses_sqlite(workspace: Workspace) -> None:
    for command in (["worker"], ["enqueue"], ["schedule"]):
        result = workspace.command(*command)
        assert result.returncode == ExitCode.USAGE, command
        assert "the job queue needs PostgreSQL; on SQLite run `nianbao crawl`" in result.stderr


@pytest.mark.postgres
def test_enqueue_queues_one_crawl_per_portal_with_its_years(postgres: str, registry: Path) -> None:  # noqa: F811
    code, out, _ = _run(
        "enqueue", *NAMES, "--years", "2019-2024", "--portals-dir", str(registry), "--db", postgres
    )
    assert code == ExitCode.OK
    assert [line.split(":")[0] for line in out.splitlines()] == NAMES
    jobs = _jobs(postgres)
    assert jobs == [
        (CRAWL_TASK, {"portal": name, "years": "2019-2024"}, name, name, "todo") for name in NAMES
    ]
    # a portal already waiting in the queue is not queued twice (its queueing lock)
    code, out, _ = _run("enqueue", "--portals-dir", str(registry), "--db", postgres)
    assert code == ExitCode.OK
    assert out.splitlines() == [
        f"{name}: already queued (a crawl of it is waiting); not queued again" for name in NAMES
    ]
    assert len(_jobs(postgres)) == 2
    code, _, err = _run("enqueue", "--years", "2024-2019", "--portals-dir", str(registry), "--db", postgres)
    assert code == ExitCode.USAGE and "end before start" in err
    code, _, err = _run("enqueue", "nowhere", "--portals-dir", str(registry), "--db", postgres)
    assert code == ExitCode.USAGE and "unknown portal(s): nowhere" in err


@pytest.mark.postgres
def test_schedules_defer_each_due_crawl_once(postgres: str, registry: Path) -> None:  # noqa: F811
    henan = registry / "mirror-henan.yaml"
    henan.write_text(henan.read_text(encoding="utf-8") + 'schedule: ["*/5 * * * *", "0 3 1 1 *"]\n')
    config = load_config({"database_url": postgres, "portals_dir": str(registry)})
    portals = list(load_registry(registry).portals.values())
    app = job_app(config, portals)
    assert sorted(pid for _, pid in app.periodic_registry.periodic_tasks) == [
        "mirror-henan#0",
        "mirror-henan#1",
        "mirror-luoyang#0",
    ]
    # 10:02 UTC: henan's */5 was due at 10:00; luoyang's weekly (Mondays 02:00) is not
    at = datetime(2025, 3, 4, 10, 2, tzinfo=UTC).timestamp()

    async def defer_due() -> None:
        async with app.open_async():
            for _ in range(2):  # the second pass (another worker's deferrer) defers nothing more
                deferrer = PeriodicDeferrer(app.periodic_registry)
                await deferrer.defer_jobs(deferrer.get_previous_tasks(at=at))

    asyncio.run(defer_due())
    due = int(datetime(2025, 3, 4, 10, 0, tzinfo=UTC).timestamp())
    assert _jobs(postgres) == [
        (CRAWL_TASK, {"portal": "mirror-henan", "timestamp": due}, "mirror-henan", "mirror-henan", "todo")
    ]
    code, out, _ = _run("schedule", "--portals-dir", str(registry), "--db", postgres)
    assert code == ExitCode.OK
    assert "every `nianbao worker` defers these crawls" in out
    assert [line.split()[:2] for line in out.splitlines()[1:]] == [
        ["mirror-henan", "*/5"],
        ["mirror-henan", "0"],
        ["mirror-luoyang", "0"],
    ]


@pytest.mark.postgres
def test_migration_0006_holds_the_queue_on_postgres_only(postgres: str, tmp_path: Path) -> None:  # noqa: F811
    engine = make_engine(postgres)
    try:
        assert "procrastinate_jobs" in inspect(engine).get_table_names()
        downgrade(engine, "0005")
        assert not [t for t in inspect(engine).get_table_names() if t.startswith("procrastinate")]
        with engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'"))
            assert left.scalar() == 0
        upgrade(engine)
        assert "procrastinate_workers" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    sqlite = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    try:
        upgrade(sqlite)
        assert not [t for t in inspect(sqlite).get_table_names() if t.startswith("procrastinate")]
    finally:
        sqlite.dispose()


@pytest.mark.slow
def test_a_printed_cron_line_crawls_and_an_overlapping_run_exits_locked(
    tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    henan = next(p for p in build_mirror() if p.name == "mirror-henan")
    running: Mirror = start_mirror([henan], tmp_path / "mirror")
    try:
        slow = henan.config(running.server.base_url(henan.name))
        slow.politeness = Politeness(download_delay=0.1, concurrent_requests_per_domain=1)
        dump_portal(slow, running.portals_dir)  # a crawl of a few seconds: time to overlap it
        monkeypatch.chdir(tmp_path)  # the line runs from here (data/jobs, data/logs)
        code, out, _ = _run(
            "schedule",
            "--print-cron",
            "--portals-dir",
            str(running.portals_dir),
            "--settings",
            "settings.mirror",
            "--db",
            workspace.db_url,
            "--archive",
            str(workspace.directory / "archive"),
        )
        assert code == ExitCode.OK
        lines = [line for line in out.splitlines() if not line.startswith("#")]
        assert len(lines) == 2  # a province: daily around the deadline, weekly otherwise
        command = lines[0].split(None, 5)[5]
        assert command.startswith(f"cd {shlex.quote(str(tmp_path))} && ")
        first = subprocess.Popen(
            ["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while not running.server.hits[henan.name]:  # it holds the portal's lock once it fetches
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        second = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
        out, err = first.communicate(timeout=240)
    finally:
        running.server.stop()
    assert second.returncode == ExitCode.LOCKED, second.stderr[-2000:]
    assert "another run of portal mirror-henan holds its lock (pid" in second.stderr
    assert first.returncode == ExitCode.YEARS_MISSING, err[-3000:]  # the mirror lacks one by design
    assert workspace.query("select count(*) from reports")[0][0] == len(
        {(r.agency, r.year) for r in henan.reports}
    )


@pytest.mark.postgres
def test_a_parse_job_where_the_archive_is_not_mounted_fails_naming_the_file(
    postgres: str,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with Store(postgres, str(tmp_path / "archive")) as store:
        for report, body in html_reports(3):
            store.archive(Fetched(f"http://mirror.test/{report.index}.html", body, parse=True, portal="p"))
        ids = [doc.document_id for doc in store.pending(PARSER_VERSION)]
    (warc,) = (tmp_path / "archive").glob("*.warc.gz")
    # a worker on a machine where the archive's mount is missing
    elsewhere = load_config(
        {"database_url": postgres, "archive": f"file://{tmp_path / 'mnt'}", "log_dir": str(tmp_path / "logs")}
    )
    app = job_app(elsewhere)

    async def run_the_job() -> None:
        async with app.open_async():
            await app.configure_task(PARSE_TASK, lock="parse:p").defer_async(document_ids=ids)
            await app.run_worker_async(
                wait=False,
                install_signal_handlers=False,
                additional_context={CONTEXT: WorkerSetup(elsewhere)},
            )

    with caplog.at_level(logging.ERROR, logger="procrastinate"):
        asyncio.run(run_the_job())
    assert [status for *_, status in _jobs(postgres)] == ["failed"]
    assert "JobFailed: parse of 3 documents: documents: 3 unreadable" in caplog.text
    assert f"{tmp_path / 'mnt' / warc.name}: [Errno 2] No such file or directory" in caplog.text
    with Store(postgres, str(tmp_path / "archive")) as store:
        assert [doc.document_id for doc in store.pending(PARSER_VERSION)] == ids  # parsed where mounted


@pytest.mark.slow
@pytest.mark.postgres
def test_a_backfill_job_crawls_its_years_and_queues_their_parse(
    postgres: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    henan = next(p for p in build_mirror() if p.name == "mirror-henan")
    running = start_mirror([henan], tmp_path / "mirror")
    config = load_config(
        {
            "database_url": postgres,
            "archive": str(tmp_path / "archive"),
            "portals_dir": str(running.portals_dir),
            "jobdir": str(tmp_path / "jobs"),
            "log_dir": str(tmp_path / "logs"),
        }
    )
    try:
        enqueue = ["enqueue", henan.name, "--years", "2022-2023", "--portals-dir", str(running.portals_dir)]
        assert _run(*enqueue, "--db", postgres)[0] == ExitCode.OK
        app = job_app(config)

        async def work_until_empty() -> None:  # the crawl job, then the parse jobs it queues
            async with app.open_async():
                await app.run_worker_async(
                    wait=False,
                    install_signal_handlers=False,
                    additional_context={CONTEXT: WorkerSetup(config, "settings.mirror")},
                )

        asyncio.run(work_until_empty())
    finally:
        running.server.stop()
    assert [(task, status) for task, _, _, _, status in _jobs(postgres)] == [
        (CRAWL_TASK, "succeeded"),
        (PARSE_TASK, "succeeded"),
    ]
    wanted = sorted({(r.agency, r.year) for r in henan.reports if r.year in (2022, 2023)})
    assert len(wanted) >= 2
    engine = make_engine(postgres)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT agency, year FROM reports ORDER BY agency, year")).all()
            command_lines = conn.execute(text("SELECT command_line FROM runs ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in stored] == wanted
    assert command_lines[0] == "nianbao crawl --portal mirror-henan --years 2022-2023"
    assert command_lines[1].startswith("nianbao parse-pending --documents ")


@pytest.mark.postgres
def test_stalled_jobs_go_back_in_the_queue_unless_their_portal_is_queued_again(
    postgres: str,  # noqa: F811
    registry: Path,
) -> None:
    config = load_config({"database_url": postgres, "portals_dir": str(registry)})
    app = job_app(config)
    engine = make_engine(postgres)

    def sql(statement: str, **values: object) -> list[tuple]:  # type: ignore[type-arg]
        with engine.begin() as conn:
            result = conn.execute(text(statement), values)
            return [tuple(row) for row in result] if result.returns_rows else []

    async def scenario() -> None:
        async with app.open_async():
            ids = {}
            for name in NAMES:
                ids[name] = await app.configure_task(CRAWL_TASK, **crawl_lock(name)).defer_async(portal=name)
            # both crawls were taken by a worker that has been silent for an hour
            (dead,) = sql(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour')"
                " RETURNING id"
            )
            sql("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w", w=dead[0])
            # meanwhile henan was queued again (its schedule, or `nianbao enqueue`)
            await app.configure_task(CRAWL_TASK, **crawl_lock(NAMES[0])).defer_async(portal=NAMES[0])
            await retry_stalled_once(app, 60)

    try:
        asyncio.run(scenario())
        jobs = sql("SELECT args->>'portal', status, worker_id FROM procrastinate_jobs ORDER BY id")
        workers = sql("SELECT count(*) FROM procrastinate_workers")
    finally:
        engine.dispose()
    assert jobs == [
        (NAMES[0], "failed", None),  # the crawl waiting in the queue does the work
        (NAMES[1], "todo", None),  # back in the queue for any worker
        (NAMES[0], "todo", None),
    ]
    assert workers == [(0,)]  # the silent worker is forgotten
