"""The portal registry: one YAML file per portal under settings/portals/, validated here.

A portal on a known CMS family is configuration only: the family's generic spider reads the
entry (start urls, allowed domains, encoding hints, politeness overrides, expected years).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_DIR = Path(__file__).resolve().parent / "portals"

Level = Literal["province", "city", "county", "township"]
Family = Literal["trs", "hanweb", "zwgk", "sitesources", "gkmlpt", "static"]
FAMILIES: tuple[str, ...] = Family.__args__  # type: ignore[attr-defined]


def parse_years(value: str | Iterable[int] | None) -> list[int]:
    """`2008-2024`, `2019,2021-2023`, or a list of ints -> sorted years."""
    if value is None:
        return []
    if isinstance(value, str):
        years: set[int] = set()
        for part in filter(None, (p.strip() for p in value.split(","))):
            match = re.fullmatch(r"(\d{4})\s*(?:-\s*(\d{4}))?", part)
            if not match:
                raise ValueError(f"bad year range {part!r}: use 2008-2024 or 2019,2021")
            first, last = int(match[1]), int(match[2] or match[1])
            if last < first:
                raise ValueError(f"bad year range {part!r}: end before start")
            years.update(range(first, last + 1))
        return sorted(years)
    return sorted({int(y) for y in value})


class Politeness(BaseModel):
    """Per-portal overrides of the Scrapy politeness settings (None: keep the environment's)."""

    model_config = ConfigDict(extra="forbid")
    download_delay: float | None = Field(default=None, ge=0)
    concurrent_requests_per_domain: int | None = Field(default=None, ge=1, le=2)
    autothrottle_target_concurrency: float | None = Field(default=None, gt=0, le=2)
    download_timeout: float | None = Field(default=None, gt=0)

    def scrapy_settings(self) -> dict[str, Any]:
        return {k.upper(): v for k, v in self.model_dump().items() if v is not None}


class PortalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str  # the portal's printed name, 郑州市人民政府
    level: Level
    province: str  # 河南省
    region: str  # the administrative region the portal covers, 郑州市 / 郏县
    family: Family
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(min_length=1)
    encoding: str | None = None  # hint used when neither header nor <meta> can be trusted
    politeness: Politeness = Field(default_factory=Politeness)
    years: list[int] = Field(default_factory=list)  # expected report years (completeness check)
    date_ordered: bool = True  # lists newest first: backfill may stop at the first older page
    max_pages: int = Field(default=500, ge=1)  # hard cap per list, against pagination loops
    empty_ok: bool = False  # an empty run is an error unless declared here
    verified: bool = False  # true once a crawl from a network that reaches the portal confirmed it
    options: dict[str, Any] = Field(default_factory=dict)  # family-specific knobs
    comments: list[str] = Field(default_factory=list)  # why each quirk exists

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value: Any) -> list[int]:
        return parse_years(value)

    @field_validator("comments", mode="before")
    @classmethod
    def _comments(cls, value: Any) -> list[str]:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _urls_in_domains(self) -> PortalConfig:
        from urllib.parse import urlsplit

        for url in self.start_urls:
            host = urlsplit(url).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
                raise ValueError(f"start url {url} is outside allowed_domains {self.allowed_domains}")
        return self


def load_file(path: Path) -> PortalConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PortalConfig.model_validate(data)


def load_portals(directory: Path | str | None = None) -> dict[str, PortalConfig]:
    """Every portal of a registry directory, by name (files starting with `_` are skipped)."""
    root = Path(directory) if directory else DEFAULT_DIR
    portals: dict[str, PortalConfig] = {}
    for path in sorted(root.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        portal = load_file(path)
        if portal.name in portals:
            raise ValueError(f"portal {portal.name} defined twice ({path})")
        portals[portal.name] = portal
    return portals


def dump_portal(portal: PortalConfig, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{portal.name}.yaml"
    data = portal.model_dump(mode="json", exclude_defaults=True)
    data.update(name=portal.name, family=portal.family)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def select(
    portals: dict[str, PortalConfig], *, names: Iterable[str] = (), province: str | None = None
) -> list[PortalConfig]:
    names = list(names)
    unknown = [n for n in names if n not in portals]
    if unknown:
        raise KeyError(f"unknown portal(s): {', '.join(unknown)}; known: {', '.join(sorted(portals))}")
    chosen = [portals[n] for n in names] if names else list(portals.values())
    if province:
        chosen = [p for p in chosen if p.province == province]
    return chosen
