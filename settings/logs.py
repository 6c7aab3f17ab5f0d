"""One logging setup for every process of a run: the command, the crawl stage (Scrapy's loggers
write through it: no handler of Scrapy's own), the parse stage and its parser workers.

The process that runs the command writes every record: its children (a crawl's parse stage,
parser workers) send theirs to it through a queue (LogRelay), so lines never interleave and the
live progress display prints them above itself.

Records go to stderr, or are appended to `log_file`, as text lines or as JSON lines
(`log_format = "json"`): one object per line with `time`, `level`, `logger`, `message`, and
`portal`, `url`, `outcome`, `run_id` where they apply. A spider's records get their portal from
the spider Scrapy passes along and their url from their arguments (see _url_of); nianbao's own
records pass them as `extra`.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import re
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter

from settings.config import Config

# Start-up and shut-down chatter: Scrapy's versions, every setting overridden, every component
# enabled, the whole stats dump, a pages-per-minute line; Alembic's "Context impl" on every
# schema check and its plugins; procrastinate's "Adding tasks from blueprint" on every queue
# command. Kept at DEBUG only: the progress display and the run's summary
# say what matters (`nianbao db upgrade` says where it left the schema).
CHATTY_LOGGERS = (
    "alembic.",
    "procrastinate.blueprints",
    "scrapy.utils.log",
    "scrapy.crawler",
    "scrapy.middleware",
    "scrapy.addons",
    "scrapy.statscollectors",
    "scrapy.extensions.logstats",
)
# A portal's host failing is the portal's state, not a bug: Scrapy's records of it keep their
# message and lose their 60-line traceback.
NETWORK_ERRORS = frozenset(
    f"scrapy.exceptions.{name}"
    for name in (
        "DownloadConnectionRefusedError",
        "CannotResolveHostError",
        "DownloadTimeoutError",
        "DownloadFailedError",
        "ResponseDataLossError",
    )
)
_OURS = "_nianbao_handler"  # marks the handler setup_logging installed (a second call replaces it)


def _iso_time(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


URL = re.compile(r"https?://[^\s'\"<>()]+")


def _url_of(record: logging.LogRecord) -> str | None:
    """The url a record is about: the request of Scrapy's request records (its log formatter
    passes it as an argument), else the first url among a spider's arguments (spiders log
    `"... %s", url`)."""
    if isinstance(record.args, Mapping):
        for key in ("request", "response"):
            url = getattr(record.args.get(key), "url", None)
            if isinstance(url, str):
                return url
        return None
    if getattr(record, "spider", None) is None or not isinstance(record.args, tuple):
        return None
    for arg in record.args:
        if isinstance(arg, str) and (found := URL.search(arg)):
            return found.group(0)
    return None


class ContextFilter(logging.Filter):
    """Give a record its portal (the spider's, which Scrapy passes along) and url (see _url_of)
    when it does not carry them already."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "portal", None) is None:
            portal = getattr(getattr(record, "spider", None), "portal_name", None)
            if portal:
                record.portal = portal
        if getattr(record, "url", None) is None:
            url = _url_of(record)
            if url:
                record.url = url
        return True


def is_network_error(exc_type: type[BaseException] | None) -> bool:
    if exc_type is None:
        return False
    return exc_type.__module__ == "twisted.internet.error" or (
        f"{exc_type.__module__}.{exc_type.__qualname__}" in NETWORK_ERRORS
    )


class QuietChatter(logging.Filter):
    """Drop the INFO records of CHATTY_LOGGERS (their warnings and errors pass), and the
    tracebacks of network failures (NETWORK_ERRORS)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and is_network_error(record.exc_info[0]):
            record.exc_info = record.exc_text = None
        if record.levelno >= logging.WARNING:
            return True
        return not record.name.startswith(CHATTY_LOGGERS)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [portal] message`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(where)s%(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso_time(record.created)

    def format(self, record: logging.LogRecord) -> str:
        portal = getattr(record, "portal", None)
        record.where = f"[{portal}] " if portal else ""
        return super().format(record)


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line; context objects (Scrapy's spider, a request) are left out, only
    data is written."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*logging.LogRecord("", 0, "", 0, "", (), None).__dict__, "message", "where"],
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso_time(record.created)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict) -> None:  # type: ignore[type-arg]
        super().add_fields(log_data, record, message_dict)
        for key in [k for k, v in log_data.items() if not _is_data(v)]:
            del log_data[key]


def _is_data(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes: the live progress display replaces
    it to print records above itself."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def setup_logging(config: Config) -> None:
    """Route every record of this process to the configured destination and format (called by
    each process of a run; a second call replaces the first)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
        handler.close()
    handler: logging.Handler
    if config.log_file:
        Path(config.log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(config.log_file, mode="a", encoding="utf-8")
    else:
        handler = StderrHandler()
    setattr(handler, _OURS, True)
    # the handler's level, not only the root's: Scrapy sets its loggers' own levels to DEBUG
    handler.setLevel(config.log_level)
    handler.setFormatter(JsonLineFormatter() if config.log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    if config.log_level != "DEBUG":
        handler.addFilter(QuietChatter())
    root.addHandler(handler)
    root.setLevel(config.log_level)


def setup_child_logging(level: str, records: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """A child process's logging: every record at `level` or above goes to the parent's relay."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(logging.handlers.QueueHandler(records))
    root.setLevel(level)


class LogRelay:
    """Writes the records child processes send (see setup_child_logging) with this process's
    handlers, from a thread, until stopped."""

    def __init__(self) -> None:
        self.queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()  # type: ignore[type-arg]
        self.thread = threading.Thread(target=self._relay, name="nianbao-log-relay", daemon=True)

    def _relay(self) -> None:
        while True:
            try:
                record = self.queue.get()
            except (EOFError, OSError):
                return
            except Exception:  # a message cut short by a killed child: skip it
                continue
            if record is None:
                return
            logging.getLogger(record.name).handle(record)

    def __enter__(self) -> LogRelay:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.queue.put(None)  # after what the children sent: the queue keeps its order
        self.thread.join()
