"""Parser workers' log records are written by the process that runs the command (through its
LogRelay), with their context."""

from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path

import pytest

from pipelines.model import ParseResult
from pipelines.parse import PARSER_VERSION
from settings.logs import LogRelay, setup_child_logging
from storage.api import Fetched, Store
from storage.parse_stage import ParseStage


def noisy_parse(body: bytes, url: str, listed_title: str | None) -> ParseResult:
    """A parser (in a worker process) that has something to say."""
    logging.getLogger("pipelines.parse").warning("odd table in %s", url, extra={"url": url})
    return ParseResult(url, "no_tables")


def test_parser_workers_log_through_the_command_process(
    sqlite: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        Store(sqlite, str(tmp_path / "archive")) as store,
        caplog.at_level(logging.INFO),
        LogRelay() as relay,
    ):
        store.archive(Fetched("http://a.gov.cn/1.html", b"<html>1</html>", parse=True, portal="henan"))
        setup = partial(setup_child_logging, "INFO", relay.queue)
        ParseStage(store, workers=1, parse=noisy_parse, worker_setup=setup).run(store.pending(PARSER_VERSION))
    (record,) = [r for r in caplog.records if r.name == "pipelines.parse"]
    assert record.getMessage() == "odd table in http://a.gov.cn/1.html"
    assert record.process != os.getpid()  # written here, made in the worker
    assert record.url == "http://a.gov.cn/1.html"  # type: ignore[attr-defined]
