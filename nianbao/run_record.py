"""A command's run record: its `runs` row (storage/runs.py), written when it starts and completed
when it ends, and its JSON summary kept in <log_dir>/runs/<id>.json.

A command that raises records the error with ExitCode.ERROR before the exception goes on; one
killed outright leaves its row unfinished. Nothing is recorded for a run that cannot open its
database (bad configuration, schema not at head): its exit code and stderr are all there is.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from nianbao.exit_codes import ExitCode
from storage.db import make_engine, utcnow
from storage.runs import PortalPart, finish_run, start_run

if TYPE_CHECKING:
    from settings.config import Config

log = logging.getLogger(__name__)


class RecordedRun:
    def __init__(
        self, config: Config, command: str, argv: Sequence[str], portals: Sequence[str] = ()
    ) -> None:
        self.config = config
        self.command = command
        self.command_line = shlex.join(["nianbao", *argv])
        self.portals = list(portals)
        self.engine = make_engine(config.database_url)
        self.id = 0
        self.started_at = utcnow()
        self.finished = False

    def __enter__(self) -> RecordedRun:
        try:
            self.id = start_run(
                self.engine, command=self.command, command_line=self.command_line, portals=self.portals
            )
        except BaseException:
            self.engine.dispose()
            raise
        log.info("run %d: %s", self.id, self.command_line, extra={"run_id": self.id})
        return self

    def finish(
        self,
        code: ExitCode,
        *,
        counts: dict[str, Any],
        parts: Sequence[PortalPart] = (),
        error: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> ExitCode:
        """Complete the record; returns `code`, the command's exit code."""
        finished_at = utcnow()
        summary = {
            "run_id": self.id,
            "command": self.command,
            "command_line": self.command_line,
            "database": make_url(self.config.database_url).render_as_string(hide_password=True),
            "started_at": self.started_at.isoformat() + "Z",
            "finished_at": finished_at.isoformat() + "Z",
            "exit_code": int(code),
            "exit": code.label,
            "error": error,
            "counts": counts,
            "portals": [vars(part) for part in parts],
            **(details or {}),
        }
        finish_run(
            self.engine,
            self.id,
            exit_code=int(code),
            counts=counts,
            error=error,
            summary_file=self._keep(summary),
            parts=parts,
            finished_at=finished_at,
        )
        self.finished = True
        log.info("run %d: exit %d (%s)", self.id, code, code.label, extra={"run_id": self.id})
        return code

    def _keep(self, summary: dict[str, Any]) -> str | None:
        """Write the JSON summary beside the logs; a failure to is logged, not fatal."""
        path = Path(self.config.log_dir) / "runs" / f"{self.id}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str) + "\n")
        except OSError as exc:
            log.error("run %d: summary not kept in %s: %s", self.id, path, exc, extra={"run_id": self.id})
            return None
        return str(path.resolve())

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        try:
            if not self.finished:
                if exc is None:
                    error = "the command ended without a result"
                elif isinstance(exc, KeyboardInterrupt):
                    error = "interrupted"
                else:
                    error = f"{type(exc).__name__}: {exc}"
                self.finish(ExitCode.ERROR, counts={}, error=error)
        finally:
            self.engine.dispose()


def command_argv(args: Any) -> list[str]:
    """The arguments a command was run with (set by nianbao.cli.main)."""
    return list(getattr(args, "argv", None) or sys.argv[1:])
