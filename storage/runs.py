"""Run records (`runs`, `run_portals`): a row when a command starts, completed when it ends.

A run that dies (SIGKILL, power loss) keeps `finished_at` null: it reads back as `running` while
its process is alive on this host, `unfinished` otherwise. `counts` are a run's totals by
outcome: for a crawl the summaries' counters summed over its portals and the parse stage's
outcomes under `parsed`; for the parse stage's commands its outcomes; for an export the rows
written per file.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Text, cast, func, insert, select, update

from storage.db import read_connection, retrying, utcnow
from storage.models import Run, RunPortal

runs = Run.__table__
run_portals = RunPortal.__table__
CRAWLS = ("crawl", "demo")  # the commands that visit portals


@dataclass(frozen=True)
class PortalPart:
    """A portal's part in a run."""

    portal: str
    status: str
    exit_code: int
    reason: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    id: int
    command: str
    command_line: str
    portals: list[str]
    host: str
    pid: int
    started_at: datetime
    finished_at: datetime | None
    exit_code: int | None
    counts: dict[str, Any] | None
    error: str | None
    summary_file: str | None
    parts: list[PortalPart] = field(default_factory=list)

    @property
    def state(self) -> str:
        """finished, running (its process is alive on this host) or unfinished (it died)."""
        if self.finished_at is not None:
            return "finished"
        if self.host == socket.gethostname() and _alive(self.pid):
            return "running"
        return "unfinished"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "command": self.command,
            "command_line": self.command_line,
            "portals": self.portals,
            "host": self.host,
            "pid": self.pid,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "state": self.state,
            "exit_code": self.exit_code,
            "counts": self.counts,
            "error": self.error,
            "summary_file": self.summary_file,
            "portal_parts": [vars(part) for part in self.parts],
        }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() + "Z" if when else None


def start_run(engine: Engine, *, command: str, command_line: str, portals: Sequence[str]) -> int:
    row = {
        "command": command,
        "command_line": command_line,
        "portals": list(portals),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started_at": utcnow(),
    }

    def attempt() -> int:
        with engine.begin() as conn:
            return int(conn.execute(insert(runs).returning(runs.c.id), row).scalar_one())

    return retrying(attempt)


def finish_run(
    engine: Engine,
    run_id: int,
    *,
    exit_code: int,
    counts: dict[str, Any],
    error: str | None,
    summary_file: str | None,
    parts: Sequence[PortalPart],
    finished_at: datetime | None = None,
) -> None:
    """Complete a run's row and write its portals' parts."""
    values = {
        "finished_at": finished_at or utcnow(),
        "exit_code": exit_code,
        "counts": counts,
        "error": error,
        "summary_file": summary_file,
    }
    rows = [{"run_id": run_id, **vars(part)} for part in parts]

    def attempt() -> None:
        with engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**values))
            if rows:
                conn.execute(insert(run_portals), rows)

    retrying(attempt)


def _records(conn: Connection, query: Any) -> list[RunRecord]:
    found = [RunRecord(**row._mapping) for row in conn.execute(query)]
    if not found:
        return []
    parts: dict[int, list[PortalPart]] = {}
    select_parts = (
        select(run_portals)
        .where(run_portals.c.run_id.in_([r.id for r in found]))
        .order_by(run_portals.c.run_id, run_portals.c.portal)
    )
    for row in conn.execute(select_parts):
        values = dict(row._mapping)
        parts.setdefault(values.pop("run_id"), []).append(PortalPart(**values))
    return [RunRecord(**{**vars(r), "parts": parts.get(r.id, [])}) for r in found]


def list_runs(engine: Engine, *, limit: int = 20, portal: str | None = None) -> list[RunRecord]:
    """The latest runs, newest first; with `portal`, those that worked on it."""
    query = select(runs).order_by(runs.c.id.desc()).limit(limit)
    if portal is not None:
        worked_on = select(run_portals.c.run_id).where(run_portals.c.portal == portal)
        # a run that died wrote no part: it was asked for the portal (a JSON list of names)
        asked = cast(runs.c.portals, Text).contains(json.dumps(portal))
        query = query.where(runs.c.id.in_(worked_on) | asked)
    with read_connection(engine) as conn:
        return _records(conn, query)


def last_crawls(conn: Connection) -> dict[str, tuple[RunRecord, PortalPart]]:
    """Each portal's latest finished crawl and its part in it."""
    latest = (
        select(run_portals.c.portal, func.max(run_portals.c.run_id).label("run_id"))
        .join(runs, runs.c.id == run_portals.c.run_id)
        .where(runs.c.command.in_(CRAWLS))
        .group_by(run_portals.c.portal)
        .subquery()
    )
    ids = select(latest.c.run_id)
    records = {r.id: r for r in _records(conn, select(runs).where(runs.c.id.in_(ids)))}
    out: dict[str, tuple[RunRecord, PortalPart]] = {}
    for portal, run_id in conn.execute(select(latest.c.portal, latest.c.run_id)):
        record = records[run_id]
        out[portal] = (record, next(p for p in record.parts if p.portal == portal))
    return out
