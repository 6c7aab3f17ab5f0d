"""The portal registry: one YAML file per portal under settings/portals/, validated here.

A portal on a known CMS family is configuration only: the family's generic spider reads the
entry (start urls, allowed domains, encoding hints, politeness overrides, expected years, and the
family's own options, each family with its schema below). A file that does not validate is
reported with its line and skipped; the other portals still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from croniter import croniter
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from settings.vocabulary import Family, Level
from settings.yaml_lines import error_line, syntax_error_line, syntax_message

DEFAULT_DIR = Path(__file__).resolve().parent / "portals"

DEFAULT_PORTS = {"http": 80, "https": 443}


def url_in_domains(url: str, domains: Iterable[str]) -> bool:
    """An http(s) url on one of `domains`: `example.gov.cn` covers its subdomains on any port,
    `127.0.0.1:8080` that host on that port only (how listeners of one host are told apart)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False
    host = parts.hostname.lower()
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a port that is not a number
        return False
    for domain in domains:
        name, _, wanted = domain.lower().partition(":")
        if wanted and int(wanted) != port:
            continue
        if host == name or host.endswith("." + name):
            return True
    return False


def site_domain(url: str) -> str:
    """The allowed_domains entry of the site serving `url`: its host, with the port when the
    port is not the scheme's default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    return f"{host}:{port}" if port and port != DEFAULT_PORTS.get(parts.scheme) else host


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


# --- the families' options --------------------------------------------------------------------


class FamilyOptions(BaseModel):
    """Options every family whose lists are HTML pages takes."""

    model_config = ConfigDict(extra="forbid")
    # CSS selector of the list container, for a list whose entries carry no date (the repeated
    # block of dated links is found without it).
    list_selector: str | None = None


class SearchApi(BaseModel):
    """A column whose first page is static and whose older entries come from a JSON search API
    (Fujian's TRS template). Defaults are that template's; `body` values may name `{page}`,
    `{perpage}` and any variable the column page's script announces (`{channelid}`)."""

    model_config = ConfigDict(extra="forbid")
    url: str  # absolute, or relative to the column page
    method: Literal["GET", "POST"] = "POST"
    encoding: Literal["form", "json"] = "form"  # how the body is sent (GET: as the query)
    body: dict[str, str] = Field(
        default_factory=lambda: {
            "channelid": "{channelid}",
            "page": "{page}",
            "prepage": "{perpage}",
            "sortfield": "-docreltime",
        }
    )
    records: str = "docs"  # dotted path of the record list in the answer
    title: str = "doctitle"
    link: str = "chnldocurl"
    date: str | None = "docreltime"
    total: str = "recordCount"  # dotted path of the number of records
    per_page: int | None = Field(default=None, ge=1)  # default: the page's `prepage`, else its entries

    @field_validator("body", mode="before")
    @classmethod
    def _body_values(cls, value: Any) -> Any:
        return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else value


# Where Fujian's TRS template calls its search API (its other fields are SearchApi's defaults).
FUJIAN_SEARCH_API: dict[str, Any] = {"url": "/fjdzapp/search"}


class TrsOptions(FamilyOptions):
    search_api: SearchApi | None = None


class HanwebOptions(FamilyOptions):
    perpage: int | None = Field(default=None, ge=1)  # default: the jpage setup's perpage, else 15


class SitesourcesOptions(FamilyOptions):
    year_subcolumns: bool = False  # the column page links one sub-column per year (2020n/...)


class GkmlptOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["GET", "POST"] = "GET"  # POST: the page number goes in the form


FAMILY_OPTIONS: dict[str, type[BaseModel]] = {
    "trs": TrsOptions,
    "hanweb": HanwebOptions,
    "zwgk": FamilyOptions,
    "sitesources": SitesourcesOptions,
    "gkmlpt": GkmlptOptions,
    "static": FamilyOptions,
    "ucap": FamilyOptions,
}


# --- schedules -------------------------------------------------------------------------------

# When a portal is crawled, unless its file says (`schedule:`): cron expressions, minute hour
# day-of-month month day-of-week, in UTC (02:00 UTC is 10:00 in China). Reports are due by 31
# March: province-level portals, which publish their own and list their cities', daily in March
# and April; every portal weekly (Mondays) otherwise.
WEEKLY = ("0 2 * * 1",)
AROUND_THE_DEADLINE = ("0 2 * 3,4 *", "0 2 * 1,2,5-12 1")


def check_cron(expression: str) -> str:
    """A five-field cron expression (what crontab and the job queue's schedules both read)."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValueError(f"{expression!r} is not a cron expression (minute hour day month weekday)")
    return expression


Cron = Annotated[str, AfterValidator(lambda expression: check_cron(expression.strip()))]


# --- a portal -------------------------------------------------------------------------------


class PortalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str  # the portal's printed name, 郑州市人民政府
    level: Level
    province: str  # 河南省
    region: str  # the administrative region the portal covers, 郑州市 / 郏县
    family: Family
    start_urls: list[str] = Field(min_length=1)
    # hosts (subdomains included) or host:port entries; every request stays inside them
    allowed_domains: list[str] = Field(min_length=1)
    encoding: str | None = None  # hint used when neither header nor <meta> can be trusted
    politeness: Politeness = Field(default_factory=Politeness)
    years: list[int] = Field(default_factory=list)  # expected report years (completeness check)
    date_ordered: bool = True  # lists newest first: backfill may stop at the first older page
    max_pages: int = Field(default=500, ge=1)  # hard cap per list, against pagination loops
    # this portal's bounds, when not the settings' (settings.config max_list_pages, ...)
    max_list_pages: int | None = Field(default=None, ge=1)
    max_links_per_page: int | None = Field(default=None, ge=1)
    empty_ok: bool = False  # an empty run is an error unless declared here
    # TLS certificates are verified; `tls_verify: false` only with `tls_verify_reason` saying
    # why, which every document fetched that way keeps (documents.tls_unverified)
    tls_verify: bool = True
    tls_verify_reason: str | None = None
    verified: bool = False  # true once a crawl from a network that reaches the portal confirmed it
    options: dict[str, Any] = Field(default_factory=dict)  # the family's, see FAMILY_OPTIONS
    comments: list[str] = Field(default_factory=list)  # why each quirk exists
    # cron expressions (UTC) of when to crawl it; empty: the default rule (`crons()`)
    schedule: list[Cron] = Field(default_factory=list)

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value: Any) -> list[int]:
        return parse_years(value)

    @field_validator("comments", mode="before")
    @classmethod
    def _comments(cls, value: Any) -> list[str]:
        return [value] if isinstance(value, str) else value

    @field_validator("schedule", mode="before")
    @classmethod
    def _crons(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("start_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if urlsplit(url).scheme not in DEFAULT_PORTS:
                raise ValueError(f"start url {url} is not http(s)")
        return urls

    @field_validator("allowed_domains")
    @classmethod
    def _urls_in_domains(cls, domains: list[str], info: ValidationInfo) -> list[str]:
        for domain in domains:
            if not re.fullmatch(r"[a-z0-9.-]+(:\d{1,5})?", domain.lower()):
                raise ValueError(f"{domain!r} is not a host name or host:port")
        for url in info.data.get("start_urls") or []:
            if not url_in_domains(url, domains):
                raise ValueError(f"start url {url} is outside allowed_domains {domains}")
        return domains

    @field_validator("options")
    @classmethod
    def _family_options(cls, options: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        family = info.data.get("family")
        if family is None:  # the family itself failed; its error says so
            return options
        return FAMILY_OPTIONS[family].model_validate(options).model_dump(exclude_defaults=True)

    def crons(self) -> tuple[str, ...]:
        """When to crawl this portal: its file's cron expressions, else the default rule."""
        if self.schedule:
            return tuple(self.schedule)
        return AROUND_THE_DEADLINE if self.level == "province" else WEEKLY

    @model_validator(mode="after")
    def _tls_opt_out_says_why(self) -> PortalConfig:
        if not self.tls_verify and not (self.tls_verify_reason or "").strip():
            raise ValueError(
                "tls_verify: false needs tls_verify_reason: why its certificate cannot be verified"
            )
        return self

    def family_options(self) -> Any:
        """The options as the family's model (FAMILY_OPTIONS), defaults filled in."""
        return FAMILY_OPTIONS[self.family].model_validate(self.options)


# --- files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalFileError:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Registry:
    portals: dict[str, PortalConfig]
    errors: list[PortalFileError]  # files that were skipped, and why


def _messages(error: ValidationError, family: Any) -> list[tuple[tuple[Any, ...], str]]:
    out = []
    for item in error.errors():
        loc = tuple(item["loc"])
        field = ".".join(str(part) for part in loc)
        if item["type"] == "extra_forbidden" and loc[:1] == ("options",) and family in FAMILY_OPTIONS:
            known = ", ".join(FAMILY_OPTIONS[family].model_fields) or "none"
            message = f"options: unknown option {loc[-1]!r} for the {family} family (known: {known})"
        elif item["type"] == "extra_forbidden":
            message = f"unknown key {field!r}"
        else:
            message = f"{field or 'entry'}: {item['msg'].removeprefix('Value error, ')}"
        out.append((loc, message))
    return out


def read_portal_file(path: Path) -> tuple[PortalConfig | None, list[PortalFileError]]:
    """The portal of one YAML file, or the file's errors with their lines (never raises for bad
    content: syntax errors, a file that is not a mapping, fields that do not validate)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        return None, [PortalFileError(path, 1, f"cannot read: {exc}")]
    except yaml.YAMLError as exc:
        return None, [PortalFileError(path, syntax_error_line(exc), f"YAML syntax: {syntax_message(exc)}")]
    if not isinstance(data, dict):
        return None, [PortalFileError(path, 1, "a portal file is a mapping of keys (name:, title:, ...)")]
    try:
        return PortalConfig.model_validate(data), []
    except ValidationError as exc:
        errors = _messages(exc, data.get("family"))
        return None, [PortalFileError(path, error_line(text, loc), message) for loc, message in errors]


def load_file(path: Path) -> PortalConfig:
    portal, errors = read_portal_file(path)
    if portal is None:
        raise ValueError("; ".join(str(e) for e in errors))
    return portal


def load_registry(directory: Path | str | None = None) -> Registry:
    """Every portal of a registry directory (files starting with `_` are skipped); a file that
    does not validate, or names a portal defined before, is reported and skipped."""
    root = Path(directory) if directory else DEFAULT_DIR
    registry = Registry({}, [])
    for path in sorted(root.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        portal, errors = read_portal_file(path)
        registry.errors.extend(errors)
        if portal is None:
            continue
        if portal.name in registry.portals:
            line = error_line(path.read_text(encoding="utf-8"), ("name",))
            registry.errors.append(PortalFileError(path, line, f"portal {portal.name} is defined twice"))
            continue
        registry.portals[portal.name] = portal
    return registry


def load_portals(directory: Path | str | None = None) -> dict[str, PortalConfig]:
    """The valid portals of a registry directory, by name (see load_registry for the others)."""
    return load_registry(directory).portals


def portal_yaml(portal: PortalConfig) -> str:
    """The portal as its registry file holds it (defaults left out)."""
    data = portal.model_dump(mode="json", exclude_defaults=True)
    data.update(name=portal.name, family=portal.family)
    ordered = {key: data[key] for key in PortalConfig.model_fields if key in data}
    return yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False)


def dump_portal(portal: PortalConfig, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{portal.name}.yaml"
    path.write_text(portal_yaml(portal), encoding="utf-8")
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
