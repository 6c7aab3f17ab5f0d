"""A run starts its store client before Scrapy is imported, and its crawlers share that client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scrapy.utils.test import get_crawler

from crawler.run import start_store
from crawler.store import _SHARED, StoreClient, method

ROOT = Path(__file__).resolve().parents[2]


def store_settings(tmp_path: Path) -> dict[str, object]:
    return {
        "NIANBAO_DB_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "NIANBAO_ARCHIVE_DIR": str(tmp_path / "archive"),
        "NIANBAO_STORE_PROCESS": False,  # threads: no process to wait for in a unit test
    }


def test_the_crawlers_of_a_run_use_the_store_started_before_scrapy(tmp_path: Path) -> None:
    settings = store_settings(tmp_path)
    client = start_store("settings.mirror", settings)
    assert client is not None
    crawler = get_crawler(settings_dict=settings)
    try:
        assert StoreClient.for_crawler(crawler) is client
        assert client.run_blocking(method, "known", "http://h/r.html") is None
    finally:
        StoreClient.release(crawler)
    assert client.key not in _SHARED


def test_a_store_no_crawler_asked_for_is_closed_after_the_run(tmp_path: Path) -> None:
    client = start_store("settings.mirror", store_settings(tmp_path))
    assert client is not None
    client.close_if_unused()
    assert client.key not in _SHARED


def test_a_setting_scrapy_would_convert_leaves_the_store_to_the_crawlers() -> None:
    assert start_store("settings.mirror", {"NIANBAO_STORE_PROCESS": "0"}) is None


def test_the_store_starts_without_importing_scrapy(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from crawler.run import start_store\n"
        f"client = start_store('settings.mirror', {store_settings(tmp_path)!r})\n"
        "client.close_if_unused()\n"
        "print(sorted(m for m in ('scrapy', 'twisted', 'settings.registry') if m in sys.modules))\n"
    )
    cmd = [sys.executable, "-c", code]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
