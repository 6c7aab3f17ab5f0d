"""Run records read back (SQLite and PostgreSQL); a command that raises records its error; the
`db` commands move the schema and say where it is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from nianbao.cli import main
from nianbao.exit_codes import ExitCode
from nianbao.run_record import RecordedRun
from settings.config import load_config
from storage.db import make_engine, read_connection
from storage.migrate import head_revision, revisions
from storage.runs import PortalPart, finish_run, list_runs, start_run
from tests.storage.helpers import ingest_paths


def test_runs_read_back_newest_first_by_portal(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        first = start_run(engine, command="crawl", command_line="nianbao crawl", portals=["henan", "kaifeng"])
        parts = [
            PortalPart("henan", "failures", ExitCode.REPORTS_FAILED, None, {"failed": 2}),
            PortalPart("kaifeng", "blocked", ExitCode.BLOCKED, "blocked: robots.txt", {"requests": 1}),
        ]
        finish_run(
            engine,
            first,
            exit_code=5,
            counts={"failed": 2},
            error=None,
            summary_file="/x/1.json",
            parts=parts,
        )
        second = start_run(engine, command="ingest", command_line="nianbao ingest d", portals=[])
        finish_run(
            engine,
            second,
            exit_code=0,
            counts={"parsed": {"new": 1}},
            error=None,
            summary_file=None,
            parts=[],
        )
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
        )
        died = start_run(engine, command="crawl", command_line="nianbao crawl", portals=["henan"])
        with engine.begin() as conn:  # as a run killed before it ended leaves it: another process's
            conn.execute(
                text("UPDATE runs SET pid = :pid WHERE id = :id"), {"pid": int(dead.stdout), "id": died}
            )
        running = start_run(engine, command="export", command_line="nianbao export", portals=[])

        records = list_runs(engine)
        assert [(r.id, r.command, r.state) for r in records] == [
            (running, "export", "running"),  # this process
            (died, "crawl", "unfinished"),
            (second, "ingest", "finished"),
            (first, "crawl", "finished"),
        ]
        assert records[-1].parts == parts and records[-1].counts == {"failed": 2}
        assert records[-1].summary_file == "/x/1.json" and records[1].finished_at is None
        assert [r.id for r in list_runs(engine, portal="henan")] == [died, first]
        assert [r.id for r in list_runs(engine, portal="kaifeng")] == [first]
        assert [r.id for r in list_runs(engine, limit=1)] == [running]
    finally:
        engine.dispose()


def test_a_command_that_raises_records_its_error(database_url: str, tmp_path: Path) -> None:
    config = load_config({"database_url": database_url, "log_dir": str(tmp_path / "logs")})
    with pytest.raises(RuntimeError), RecordedRun(config, "export", ["export", "--out", "x"]) as run:
        raise RuntimeError("disk full")
    engine = make_engine(database_url)
    try:
        (record,) = list_runs(engine)
    finally:
        engine.dispose()
    assert (record.id, record.exit_code, record.error, record.state) == (
        run.id,
        ExitCode.ERROR,
        "RuntimeError: disk full",
        "finished",
    )
    assert record.command_line == "nianbao export --out x"
    kept = json.loads(Path(record.summary_file or "").read_text())
    assert kept["exit"] == "error" and kept["error"] == "RuntimeError: disk full"
    assert Path(record.summary_file or "") == (tmp_path / "logs" / "runs" / f"{run.id}.json").resolve()


def test_db_current_history_downgrade(
    database_url: str, store, sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    ingest_paths(store, [str(sample_dir)])
    where = ["--db", database_url]
    known = [revision for revision, _ in revisions()]
    runs_at = next(i for i, (_, title) in enumerate(revisions()) if title.startswith("Run records"))
    before, head = known[runs_at - 1], head_revision()
    assert main(["db", "current", *where]) == ExitCode.OK
    assert f"at revision {head}; code's head {head} (at head)" in capsys.readouterr().out
    assert main(["db", "history", *where]) == ExitCode.OK
    history = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in history] == known and known[:3] == ["0001", "0002", "0003"]
    assert history[-1].endswith("<- the database") and "Run records" in history[runs_at]

    assert main(["db", "downgrade", before, *where]) == ExitCode.OK
    assert f"at revision {before} (was {head})" in capsys.readouterr().out
    assert "runs" not in inspect(store.engine).get_table_names()
    with read_connection(store.engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM facts")).scalar_one() == 1000  # the data stays
    assert main(["db", "current", *where]) == ExitCode.OK
    behind = f"at revision {before}; code's head {head} (not at head: run `nianbao db upgrade`)"
    assert behind in capsys.readouterr().out
    assert main(["status", *where]) == ExitCode.USAGE  # the commands refuse it
    assert f"is at revision {before}, this code needs {head}" in capsys.readouterr().err
    assert main(["db", "history", *where]) == ExitCode.OK
    assert capsys.readouterr().out.splitlines()[runs_at - 1].endswith("<- the database")

    assert main(["db", "downgrade", "0042", *where]) == ExitCode.USAGE
    assert f"no revision 0042; known: {', '.join(known)}" in capsys.readouterr().err
    assert main(["db", "upgrade", *where]) == ExitCode.OK
    assert f"at revision {head} (was {before})" in capsys.readouterr().out
    assert main(["runs", *where]) == ExitCode.OK
    assert capsys.readouterr().out.strip() == "no runs recorded"
