"""Settings for the whole suite."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # name every skipped test with its reason in the summary (tests on ../shared skip without it)
    chars = config.option.reportchars
    if "s" not in chars and "a" not in chars and "A" not in chars:
        config.option.reportchars = chars + "s"
