"""Parse a file in a child process, so that no input can hang or exhaust the caller.

The child caps its own address space (limits.cap_memory) and the caller waits for it until the
deadline, then kills it: a document that overruns or crashes the parser becomes a result with
status `error` and a message, and the next document gets a fresh child. Used by `nianbao parse`;
the parse stage (storage/parse_stage.py) has its own worker pool with the same bounds.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

import pipelines.extract_docx
import pipelines.extract_html
import pipelines.extract_pdf  # noqa: F401  imported here once, not in every child
from pipelines.limits import cap_memory
from pipelines.messages import message
from pipelines.model import ParseResult
from pipelines.parse import parse_path

# fork: the parser is imported already, so a child starts in milliseconds (callers have no threads)
_CONTEXT = multiprocessing.get_context("fork")


def _child(path: str, send: Connection) -> None:
    cap_memory()
    try:
        outcome: ParseResult | OSError = parse_path(path)
    except OSError as exc:
        outcome = OSError(exc.errno, exc.strerror or str(exc))  # plain: it must pickle
    send.send(outcome)


def parse_path_guarded(path: str, deadline_s: float) -> ParseResult:
    """parse_path in a child; raises OSError as parse_path does (the file cannot be read)."""
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
