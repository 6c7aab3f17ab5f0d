"""A portal's `schedule`: cron expressions checked when the registry loads (file and line on an
error), the default rule by level, and the crontab lines `nianbao schedule --print-cron` gives."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from croniter import croniter

from nianbao.cli import main
from settings.registry import AROUND_THE_DEADLINE, WEEKLY, load_registry

PORTAL = """\
name: {name}
title: 测试省人民政府
level: {level}
province: 测试省
region: 测试省
family: static
start_urls: [http://www.example.gov.cn/ndbg/]
allowed_domains: [example.gov.cn]
"""


def _write(directory: Path, name: str, level: str = "province", schedule: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    path.write_text(PORTAL.format(name=name, level=level) + schedule, encoding="utf-8")
    return path


def test_a_bad_cron_expression_names_its_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad", schedule='schedule:\n  - "0 2 * * 1"\n  - "61 2 * * *"\n')
    _write(tmp_path, "six", schedule='schedule: "0 0 2 * * 1"\n')  # seconds: not crontab's
    registry = load_registry(tmp_path)
    assert registry.portals == {}
    errors = {error.path.name: error for error in registry.errors}
    assert (errors["bad.yaml"].path, errors["bad.yaml"].line) == (path, 11)
    assert "'61 2 * * *' is not a cron expression" in errors["bad.yaml"].message
    assert errors["six.yaml"].line == 9


def test_the_schedule_given_or_the_default_rule(tmp_path: Path) -> None:
    _write(tmp_path, "given", schedule='schedule: "30 1 * * *"\n')
    _write(tmp_path, "province")
    _write(tmp_path, "county", level="county")
    portals = load_registry(tmp_path).portals
    assert portals["given"].crons() == ("30 1 * * *",)
    assert portals["province"].crons() == AROUND_THE_DEADLINE
    assert portals["county"].crons() == WEEKLY


def _runs(crons: tuple[str, ...], start: str, end: str) -> list[str]:
    """The days (UTC) the crons fire from `start` to `end` (inclusive), in order."""
    from datetime import datetime

    stop = datetime.fromisoformat(end)
    days: set[str] = set()
    for cron in crons:
        it = croniter(cron, datetime.fromisoformat(start))
        while (when := it.get_next(datetime)) <= stop:
            days.add(when.strftime("%m-%d %a %H:%M"))
    return sorted(days)


def test_province_portals_daily_around_the_deadline_weekly_otherwise() -> None:
    march = _runs(AROUND_THE_DEADLINE, "2025-02-28T12:00", "2025-03-31T23:00")
    assert len(march) == 31 and march[0] == "03-01 Sat 02:00" and march[-1] == "03-31 Mon 02:00"
    assert len(_runs(AROUND_THE_DEADLINE, "2025-04-01T00:00", "2025-04-30T23:00")) == 30
    # the rest of the year: Mondays only (May 2025 has four)
    assert _runs(AROUND_THE_DEADLINE, "2025-05-01T00:00", "2025-05-31T23:00") == [
        "05-05 Mon 02:00",
        "05-12 Mon 02:00",
        "05-19 Mon 02:00",
        "05-26 Mon 02:00",
    ]
    assert _runs(WEEKLY, "2025-03-01T00:00", "2025-03-31T23:00") == [
        "03-03 Mon 02:00",
        "03-10 Mon 02:00",
        "03-17 Mon 02:00",
        "03-24 Mon 02:00",
        "03-31 Mon 02:00",
    ]


def test_print_cron_gives_a_crawl_per_portal_and_schedule(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    portals = tmp_path / "portals"
    _write(portals, "given", schedule='schedule: "30 1 * * *"\n')
    _write(portals, "province")
    code = main(["schedule", "--print-cron", "--portals-dir", str(portals), "--db", "sqlite:///x.db"])
    assert code == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert len(lines) == 3  # one for `given`, two for the province rule
    fields = [line.split(None, 5) for line in lines]
    assert [" ".join(f[:5]) for f in fields] == ["30 1 * * *", *AROUND_THE_DEADLINE]
    command = shlex.split(fields[0][5])
    assert command[:2] == ["cd", str(Path.cwd())] and command[2] == "&&"
    assert command[3:7] == [sys.executable, "-m", "nianbao", "crawl"]
    assert command[7:] == ["--portals-dir", str(portals), "--db", "sqlite:///x.db", "--portal", "given"]
