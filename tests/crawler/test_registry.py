"""The portal registry: per-family options, host:port domains, and files that do not validate
reported with their line and skipped (`nianbao portals check`, `nianbao crawl`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from settings.registry import DEFAULT_DIR, PortalConfig, load_registry, url_in_domains
from tests.crawler.conftest import ROOT

GOOD = (DEFAULT_DIR / "pingdingshan.yaml").read_text(encoding="utf-8")


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _nianbao(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_bad_files_are_reported_with_their_line_and_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "good.yaml", GOOD)
    typo = _write(
        tmp_path, "typo.yaml", GOOD.replace("name: pingdingshan", "name: typo").replace("perpage:", "perpag:")
    )
    syntax = _write(tmp_path, "syntax.yaml", "name: broken\ntitle: [平顶山\nlevel: city\n")
    level = _write(
        tmp_path,
        "level.yaml",
        GOOD.replace("name: pingdingshan", "name: lvl").replace("level: city", "level: metropolis"),
    )
    listing = _write(tmp_path, "list.yaml", "- name: a\n- name: b\n")
    twice = _write(tmp_path, "twice.yaml", GOOD)
    registry = load_registry(tmp_path)
    assert sorted(registry.portals) == ["pingdingshan"]
    errors = {(e.path.name, e.line): e.message for e in registry.errors}
    perpag_line = typo.read_text(encoding="utf-8").splitlines().index("  perpag: 15") + 1
    assert errors[(typo.name, perpag_line)].startswith(
        "options: unknown option 'perpag' for the hanweb family"
    )
    assert "known: list_selector, perpage" in errors[(typo.name, perpag_line)]
    assert errors[(syntax.name, 3)].startswith("YAML syntax: ")
    assert errors[(level.name, 3)].startswith("level: Input should be 'province'")
    assert errors[(listing.name, 1)].startswith("a portal file is a mapping")
    assert errors[(twice.name, 1)] == "portal pingdingshan is defined twice"
    assert all(str(e).startswith(f"{e.path}:{e.line}: ") for e in registry.errors)


def test_nested_options_are_checked_too(tmp_path: Path) -> None:
    data = yaml.safe_load(GOOD) | {
        "family": "trs",
        "options": {"search_api": {"url": "/s", "recrods": "docs"}},
    }
    path = _write(tmp_path, "fj.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    (error,) = load_registry(tmp_path).errors
    line = path.read_text(encoding="utf-8").splitlines().index("    recrods: docs") + 1
    assert (error.line, error.message) == (
        line,
        "options: unknown option 'recrods' for the trs family (known: list_selector, search_api)",
    )


def test_portals_check_command(tmp_path: Path) -> None:
    ok = _nianbao("portals", "check")
    assert (
        ok.returncode == 0 and ok.stdout.strip() == f"{len(list(DEFAULT_DIR.glob('*.yaml')))} portals valid"
    )
    _write(tmp_path, "good.yaml", GOOD)
    bad = _write(tmp_path, "bad.yaml", "name: x\n  title: oops\n")
    result = _nianbao("portals", "check", "--portals-dir", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[0].startswith(f"{bad}:2: YAML syntax: ")
    assert result.stdout.splitlines()[-1] == "1 portals valid, 1 files with errors"


@pytest.mark.parametrize(
    ("url", "domains", "inside"),
    [
        ("https://www.henan.gov.cn/zwgk/", ["henan.gov.cn"], True),
        ("https://www.henan.gov.cn:8443/zwgk/", ["henan.gov.cn"], True),  # a host entry: any port
        ("http://evilhenan.gov.cn/", ["henan.gov.cn"], False),
        ("http://127.0.0.1:38610/a", ["127.0.0.1:38610"], True),
        ("http://127.0.0.1:38611/a", ["127.0.0.1:38610"], False),  # host:port: that listener only
        ("http://127.0.0.1/a", ["127.0.0.1:80"], True),
        ("ftp://henan.gov.cn/a.pdf", ["henan.gov.cn"], False),
        ("http://henan.gov.cn:bad/", ["henan.gov.cn"], False),
    ],
)
def test_allowed_domains(url: str, domains: list[str], inside: bool) -> None:
    assert url_in_domains(url, domains) is inside


def test_entries_that_cannot_be_crawled_are_rejected() -> None:
    data = yaml.safe_load(GOOD)
    PortalConfig.model_validate(data)
    with pytest.raises(ValidationError, match="not http"):
        PortalConfig.model_validate({**data, "start_urls": ["file:///etc/passwd"]})
    with pytest.raises(ValidationError, match="host name or host:port"):
        PortalConfig.model_validate({**data, "allowed_domains": ["https://pds.gov.cn/"]})
    with pytest.raises(ValidationError, match="perpage"):
        PortalConfig.model_validate({**data, "options": {"perpage": 0}})
    assert (
        PortalConfig.model_validate({**data, "family": "ucap", "options": {}}).family_options().list_selector
        is None
    )
