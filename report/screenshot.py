"""A page of the site as a PNG, taken by Debian's headless Chromium (no driver: `--screenshot`).

Used by the browser tests and by scripts/report_screenshot.py (the README's picture). Chromium
runs with a fresh profile and without its background network traffic, which this machine's
closed network would refuse; `fontconfig` lets a caller render with another font configuration
(the tests render once without CJK fonts, to know what tofu looks like).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = "chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
TIMEOUT_S = 60


class BrowserMissing(RuntimeError):
    pass


def chromium() -> str:
    found = shutil.which(CHROMIUM)
    if found is None:
        raise BrowserMissing(
            "chromium not found: install Debian's chromium (bash scripts/ensure-debian-packages.sh chromium)"
        )
    return found


def screenshot(
    page: Path, png: Path, *, width: int = 1280, height: int = 900, fontconfig: Path | None = None
) -> Path:
    """Open `page` (a file) in headless Chromium and write what the window shows to `png`."""
    env = dict(os.environ)
    if fontconfig is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nianbao-chromium-") as profile:
        done = subprocess.run(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png.resolve()}",
                page.resolve().as_uri(),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    if done.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium could not take {png} (exit {done.returncode}): {done.stderr[-2000:]}")
    return png
