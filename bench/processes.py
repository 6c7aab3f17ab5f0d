"""Peak memory of every process a command starts, by role, sampled from /proc while it runs.

`ru_maxrss` of a child covers one process; a crawl is three kinds (the crawl stage, the parse
stage, its parser workers), so a thread reads each descendant's VmHWM (its peak RSS so far) every
few milliseconds and keeps the largest per role.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_S = 0.05


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def role(pid: int, depth: int) -> str | None:
    """What a process of the tree is (None: a helper not worth reporting)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return None
    if b"resource_tracker" in cmdline:
        return None
    if depth == 0:
        return "main"
    return "parse stage" if depth == 1 and b"multiprocessing" in cmdline else "parser worker"


@dataclass
class Run:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_mib: dict[str, float] = field(default_factory=dict)


def run_measured(cmd: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run `cmd`, sampling the peak RSS of it and of every process it starts."""
    peaks: dict[str, int] = {}
    start = time.perf_counter()
    process = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            stack = [(process.pid, 0)]
            while stack:
                pid, depth = stack.pop()
                name = role(pid, depth)
                if name is not None:
                    peaks[name] = max(peaks.get(name, 0), _peak_kib(pid))
                stack += [(child, depth + 1) for child in _children(pid)]
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return Run(seconds, process.returncode, stdout, stderr, {k: v / 1024 for k, v in peaks.items()})
