"""Crawler tests: the mirror runs in the test process, real Scrapy crawls run in subprocesses
(the Twisted reactor cannot restart in one process)."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mirror.portals import MirrorPortal, build_mirror, mirror_sites
from mirror.server import MirrorServer
from settings.registry import dump_portal

ROOT = Path(__file__).resolve().parents[2]
# list pages of the mirror families (archived too, for their ETags)
LIST_URL = re.compile(
    r"/index(_\d+)?\.html?$|/list\d+\.html$|[?&]a=path|/api/all/|dataproxy\.jsp|script\.json$"
    r"|/ndbg/\d{4}\.html$|/zfxxgkndbg/$|/fjdzapp/search$|/xxgk_list(_\d+)?\.shtml$"
)


@dataclass
class Mirror:
    portals: dict[str, MirrorPortal]
    server: MirrorServer
    portals_dir: Path

    def url(self, name: str, path: str) -> str:
        return self.server.base_url(name) + path


def start_mirror(portals: Sequence[MirrorPortal], directory: Path) -> Mirror:
    server = MirrorServer(mirror_sites(portals)).start()
    for portal in portals:
        dump_portal(portal.config(server.base_url(portal.name)), directory / "portals")
    return Mirror({p.name: p for p in portals}, server, directory / "portals")


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    running = start_mirror(build_mirror(), tmp_path)
    yield running
    running.server.stop()


@dataclass
class Workspace:
    directory: Path
    last_stderr: str = ""
    last_exit: int | None = None

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.directory / 'db.sqlite'}"

    def crawl_command(
        self, mirror: Mirror, names: Sequence[str], *options: str, **settings: Any
    ) -> list[str]:
        """`nianbao crawl --json` of these mirror portals (both stages) into this workspace;
        `options`: more command-line options (default: `--log-level WARNING`)."""
        cmd = [sys.executable, "-m", "nianbao", "crawl", "--json", "--portals-dir", str(mirror.portals_dir)]
        cmd += ["--settings", "settings.mirror", "--jobdir", str(self.directory / "jobs")]
        cmd += ["--db", self.db_url, "--archive", str(self.directory / "archive")]
        cmd += list(options or ("--log-level", "WARNING"))
        for key, value in settings.items():
            cmd += ["--set", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
        for name in names:
            cmd += ["--portal", name]
        return cmd

    def nianbao(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`nianbao ARGS` on this workspace's database and archive (`--db`, `--archive` given)."""
        command = [sys.executable, "-m", "nianbao", *args]
        command += ["--db", self.db_url, "--archive", str(self.directory / "archive")]
        return subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        )

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`nianbao ARGS` on this workspace, in this process (quicker; not for `crawl`, whose
        reactor runs once per process)."""
        from nianbao.cli import main

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main([*args, "--db", self.db_url, "--archive", str(self.directory / "archive")])
        return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())

    def upgrade(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "nianbao", "db", "upgrade", "--db", self.db_url], cwd=ROOT, check=True
        )

    def crawl(
        self, mirror: Mirror, names: Sequence[str], *options: str, **settings: Any
    ) -> dict[str, dict[str, Any]]:
        result = subprocess.run(
            self.crawl_command(mirror, names, *options, **settings),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert result.stdout.strip(), result.stderr[-4000:]
        self.last_stderr = result.stderr
        self.last_exit = result.returncode
        return {s["portal"]: s for s in json.loads(result.stdout)}

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.directory / "db.sqlite") as conn:
            return conn.execute(sql, params).fetchall()

    def document_urls(self, portal: str, *, lists: bool = False) -> set[str]:
        """Urls archived for a portal: reports and attachments (or the list pages)."""
        rows = self.query(
            "select d.url from documents d join portals p on p.id = d.portal_id where p.name = ?", portal
        )
        return {url for (url,) in rows if bool(LIST_URL.search(url)) == lists}


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    created = Workspace(tmp_path)
    created.upgrade()
    return created
