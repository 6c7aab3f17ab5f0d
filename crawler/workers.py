"""Helpers for the crawl's worker processes (store, parser)."""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(poll_seconds: float = 0.5) -> None:
    """A worker of a crawl killed with SIGKILL must not outlive it: exit when the parent is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
