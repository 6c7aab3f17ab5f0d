"""One configuration for every command, the crawl stage and the parse stage.

Each setting has one name: the field below, whose environment variable and Scrapy setting is
`NIANBAO_<FIELD>` (upper case) and whose key in the configuration file is the field itself.
Precedence, lowest first: the defaults here, the file ($NIANBAO_CONFIG, else ./nianbao.toml
when it exists), the environment, then the command line (`--db`, `--archive`, ...). A crawl hands
the resolved values to Scrapy under the same names, so the store and Scrapy read one thing.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from settings.errors import UsageError

ENV_FILE = "NIANBAO_CONFIG"
DEFAULT_FILE = Path("nianbao.toml")


class ConfigError(UsageError, ValueError):
    """A configuration value that cannot be used (bad file, bad value)."""


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = "sqlite:///data/nianbao.db"
    # Where WARC files live: a folder (default) or file:///path on a mount every machine shares.
    archive: str = "data/archive"
    portals_dir: str | None = None  # None: the registry shipped in settings/portals
    jobdir: str = "data/jobs"  # Scrapy's resume state, one folder per portal
    log_dir: str = "data/logs"  # logs and the kept JSON summary of every run
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    log_file: str | None = None  # None: stderr; a file is appended to by every process of a run
    # Without a terminal, a progress line per portal this often (a live display on a terminal).
    progress_interval_s: float = Field(default=10.0, gt=0)
    # Parse stage: worker processes, and the group commit (a batch is written when it holds this
    # many reports or its oldest report has waited this long).
    parse_workers: int = Field(default=1, ge=0)
    batch_reports: int = Field(default=50, ge=1)
    batch_ms: int = Field(default=500, ge=0)
    parse_deadline_s: float = Field(default=60.0, gt=0)  # a 60-page PDF parses in under 20 s
    # The job queue (PostgreSQL): jobs one `nianbao worker` runs at once, and how long a worker
    # may go without a heartbeat before the others retry its jobs (it was killed or cut off).
    worker_concurrency: int = Field(default=2, ge=1)
    worker_stall_s: float = Field(default=60.0, ge=1)
    # A fetch that failed is tried again by a later run this long after (doubling with each
    # try), until it succeeds or has failed this many times (then it is declared gone).
    failed_fetch_retry_s: float = Field(default=3600.0, ge=0)
    failed_fetch_tries: int = Field(default=8, ge=1)
    # Bounds of a portal's lists (a portal YAML may set its own): list pages read per portal
    # (pagination that never ends) and links read per list page (the rest of the page is cut
    # before it is parsed); a crawl that reaches one says `truncated` in its summary.
    max_list_pages: int = Field(default=2000, ge=1)
    max_links_per_page: int = Field(default=20000, ge=1)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.model_fields)

    def scrapy_settings(self) -> dict[str, Any]:
        """The same values under their Scrapy setting names."""
        return {env_name(name): value for name, value in self.model_dump().items()}

    @property
    def archive_path(self) -> Path:
        return archive_path(self.archive)


def env_name(field: str) -> str:
    return f"NIANBAO_{field.upper()}"


def archive_path(location: str) -> Path:
    """A local folder or a file:// URL (a shared mount); other schemes are refused."""
    if "://" not in location:
        return Path(location)
    scheme, _, rest = location.partition("://")
    if scheme != "file":
        raise ConfigError(f"archive {location!r}: only a folder or a file:// URL is supported")
    return Path(rest)


def _file_values(environ: Mapping[str, str]) -> dict[str, Any]:
    path = Path(environ[ENV_FILE]) if environ.get(ENV_FILE) else DEFAULT_FILE
    if not path.exists():
        if environ.get(ENV_FILE):
            raise ConfigError(f"configuration file {path} (${ENV_FILE}) does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"configuration file {path}: {exc}") from exc
    return dict(data.get("nianbao", data))


def load_config(
    overrides: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None
) -> Config:
    """The configuration: defaults < file < environment < `overrides` (None values ignored)."""
    environ = os.environ if environ is None else environ
    values = _file_values(environ)
    values.update({name: environ[env_name(name)] for name in Config.names() if environ.get(env_name(name))})
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        config = Config.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"bad configuration: {problems}") from exc
    archive_path(config.archive)  # refuse an unsupported archive location now, not mid-crawl
    return config


def config_from_scrapy(settings: Any) -> Config:
    """The configuration a crawler runs with: the Scrapy settings that are set (a crawl passes
    all of them; `scrapy crawl -s NIANBAO_...=` some) over the environment and the file."""
    overrides = {name: settings.get(env_name(name)) for name in Config.names()}
    return load_config(overrides)
