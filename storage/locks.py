"""One crawl of a portal at a time: a lock per portal, held for the whole run.

On PostgreSQL the lock is a session advisory lock in the shared database, so it holds across
machines; on SQLite, a file lock beside the database file (one machine). A run that cannot take
a portal's lock leaves that portal alone and says who holds it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine

NAMESPACE = "nianbao-portal:"


class PortalLocked(Exception):
    def __init__(self, portal: str, holder: str) -> None:
        super().__init__(f"another run of portal {portal} holds its lock ({holder})")
        self.portal = portal


def _key(portal: str) -> int:
    """The portal's advisory lock key: a signed 64-bit number from its name."""
    return int.from_bytes(hashlib.sha256((NAMESPACE + portal).encode()).digest()[:8], "big", signed=True)


def _me() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


@contextmanager
def _file_lock(directory: Path, portal: str) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = (directory / f"{portal}.lock").open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise PortalLocked(portal, handle.read().strip() or "unknown holder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(_me())
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


@contextmanager
def _advisory_lock(database_url: str, portal: str) -> Iterator[None]:
    engine = make_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _key(portal)}).scalar():
                raise PortalLocked(portal, "a session of the shared database")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _key(portal)})
    finally:
        engine.dispose()


def portal_lock(database_url: str, portal: str):  # type: ignore[no-untyped-def]
    """The lock of one portal, for the database in use (a context manager; PortalLocked if held).
    SQLite: files in `locks/` beside the database file, so every run on that file shares them."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return _advisory_lock(database_url, portal)
    return _file_lock(Path(url.database or ".").resolve().parent / "locks", portal)


@contextmanager
def portal_locks(database_url: str, portals: Sequence[str]) -> Iterator[list[PortalLocked]]:
    """Take the lock of every portal that is free; yields the ones another run holds."""
    held: list[PortalLocked] = []
    with ExitStack() as stack:
        for name in portals:
            try:
                stack.enter_context(portal_lock(database_url, name))
            except PortalLocked as exc:
                held.append(exc)
        yield held
