"""Settings for the whole suite."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # name every skipped test with its reason in the summary (tests on ../shared skip without it)
    chars = config.option.reportchars
    if "s" not in chars and "a" not in chars and "A" not in chars:
        config.option.reportchars = chars + "s"


@pytest.fixture(autouse=True)
def run_logs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands keep a JSON summary of every run in $NIANBAO_LOG_DIR: a test's go to a
    temporary folder (inherited by the commands it runs in subprocesses), not to data/logs."""
    monkeypatch.setenv("NIANBAO_LOG_DIR", str(tmp_path_factory.mktemp("logs")))
