"""Parse a file in a child process, so that no input can hang or exhaust the caller.

The child caps its own address space (limits.cap_memory) and the caller waits for it until the
deadline, then kills it: a document that overruns or crashes the parser becomes a result with
status `error` and a message, and the next document gets a fresh child. Used by `nianbao parse`;
the parse stage (storage/parse_stage.py) has its own worker pool with the same bounds.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import stat
from multiprocessing.connection import Connection

from pipelines.limits import cap_memory
from pipelines.messages import message
from pipelines.model import ParseResult
from pipelines.parse import parse_path
from pipelines.sniff import DOCX, HTML, PDF, sniff

_READERS = {HTML: "pipelines.extract_html", PDF: "pipelines.extract_pdf", DOCX: "pipelines.extract_docx"}

# fork: the parser is imported already, so a child starts in milliseconds (callers have no threads)
_CONTEXT = multiprocessing.get_context("fork")


def _child(path: str, send: Connection) -> None:
    cap_memory()
    try:
        outcome: ParseResult | OSError = parse_path(path)
    except OSError as exc:
        outcome = OSError(exc.errno, exc.strerror or str(exc))  # plain: it must pickle
    send.send(outcome)


def _import_reader(path: str) -> None:
    """Import the reader a file needs here, before the fork, once per kind: a child importing it
    itself would pay up to a second for every file (and `nianbao parse` of a text file none)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return  # the child reports it
    kind = DOCX if head.startswith(b"PK\x03\x04") else sniff(head)
    if kind in _READERS:
        importlib.import_module(_READERS[kind])


def parse_path_guarded(path: str, deadline_s: float) -> ParseResult:
    """parse_path in a child; raises OSError as parse_path does (the file cannot be read)."""
    _import_reader(path)
    receive, send = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(path, send), daemon=True)
    child.start()
    send.close()  # the child holds the only writer: its death ends the pipe
    outcome: ParseResult | OSError | None = None
    try:
        if receive.poll(deadline_s):
            outcome = receive.recv()
    except EOFError:  # died before it answered (killed for memory, a crash in C code)
        outcome = ParseResult(path, "error", messages=[message("parser_died")])
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome is None:
        return ParseResult(path, "error", messages=[message("over_deadline", seconds=deadline_s)])
    if isinstance(outcome, OSError):
        raise outcome
    return outcome
