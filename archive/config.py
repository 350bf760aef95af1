"""The one TOML config file, validated once into small frozen dataclasses.

Every key is declared here once, with its default and its help text; the README's config
reference is checked against these declarations by a test. Validation happens before anything
runs: a bad file gives one readable line naming the file, the source and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A config file that cannot be used; the message is meant for the user as is."""


def _key(default: Any, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class ArchiveConfig:
    database: Path = _key(
        "data/archive.db", "SQLite file of the archive, relative to the config file's folder"
    )


@dataclass(frozen=True)
class CrawlConfig:
    contact: str = _key(
        "", "URL or e-mail put in the User-Agent so site operators can reach you (set it!)"
    )
    concurrency: int = _key(16, "requests in flight across all sites", minimum=1)
    per_host: int = _key(2, "requests in flight per host", minimum=1)
    delay: float = _key(1.0, "seconds between requests to one host (AutoThrottle adapts it)")
    autothrottle: bool = _key(True, "adapt the delay to each server's response times")
    timeout: float = _key(30.0, "seconds before a stalled download is given up", minimum=1)
    max_size_mb: float = _key(
        20.0, "download size cap in MB; larger bodies are stopped and logged as truncated"
    )
    retries: int = _key(2, "retries of a 5xx answer or a timeout", minimum=0)
    max_list_pages: int = _key(50, "list pages followed per source and cycle", minimum=1)
    log_level: str = _key("INFO", "crawler log level: DEBUG, INFO, WARNING or ERROR")
    recheck_days: int = _key(
        7, "re-verify every known report page at least this often (1 = every cycle)", minimum=1
    )
    full_walk_days: int = _key(
        28, "walk every list page of a column at least this often (1 = every cycle)", minimum=1
    )
    batch_sources: int = _key(
        2000,
        "sources per crawl process; larger cycles crawl batches one after another",
        minimum=1,
    )


ALERT_KINDS = (
    "new",
    "changed",
    "removed",
    "moved",
    "source_failing",
    "source_recovered",
    "source_incomplete",
    "overdue",
    "published_late",
    "cycle_failed",
)


@dataclass(frozen=True)
class AlertsConfig:
    urls: tuple[str, ...] = _key((), "Apprise URLs, one per channel (mailto://, json://, …)")
    on: tuple[str, ...] = _key(
        (
            "new",
            "changed",
            "removed",
            "source_failing",
            "source_recovered",
            "source_incomplete",
            "overdue",
            "published_late",
            "cycle_failed",
        ),
        "event kinds that raise an alert",
        choices=ALERT_KINDS,
    )
    feed: str = _key("", "Atom feed of new reports to (re)write each cycle; empty = none")
    feed_entries: int = _key(100, "entries kept in the Atom feed", minimum=1)


@dataclass(frozen=True)
class ScheduleConfig:
    cron: str = _key("30 2 * * *", "when `start` runs a cycle (crontab: min hour day month dow)")
    timezone: str = _key("Asia/Shanghai", "time zone of the cron expression")
    misfire_grace_hours: float = _key(
        6.0, "a cycle missed by up to this long still runs", minimum=0
    )


AGENCY_KINDS = ("department", "government")
RULE_KINDS = ("all", *AGENCY_KINDS)
_MONTH_DAY = re.compile(r"^(\d\d)-(\d\d)$")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_day(value: Any) -> tuple[int, int] | None:
    """(month, day) of a "MM-DD" string valid in every year (so not 02-29), else None."""
    match = _MONTH_DAY.match(value) if isinstance(value, str) else None
    if not match:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        return None
    return month, day


@dataclass(frozen=True)
class LocalRule:
    """A provincial or municipal deadline: agencies whose name contains `place`."""

    place: str
    due: str
    kind: str = "all"
    first_year: int | None = None
    last_year: int | None = None


_RULE_KEYS = ("place", "due", "kind", "from", "to")


def _local_rules(value: Any, name: str, where: str) -> tuple[LocalRule, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(
            f"{where}: key {name!r} must be a list of tables like "
            '{ place = "岳阳", kind = "department", due = "02-28", to = 2018 }'
        )
    rules = []
    for number, table in enumerate(value, 1):
        at = f"{where}: key {name!r} entry #{number}"
        unknown = [key for key in table if key not in _RULE_KEYS]
        if unknown:
            known = ", ".join(_RULE_KEYS)
            raise ConfigError(f"{at}: unknown key {unknown[0]!r} (known keys: {known})")
        place = table.get("place")
        if not isinstance(place, str) or not place.strip():
            raise ConfigError(f"{at}: 'place' must be a non-empty string matched in agency names")
        if month_day(table.get("due")) is None:
            raise ConfigError(
                f"{at}: 'due' must be a month-day \"MM-DD\" of the year after the report year "
                f"(got {table.get('due')!r})"
            )
        kind = table.get("kind", "all")
        if kind not in RULE_KINDS:
            raise ConfigError(f"{at}: 'kind' takes values from {', '.join(RULE_KINDS)}")
        years = [table.get("from"), table.get("to")]
        for key, year in zip(("from", "to"), years, strict=True):
            if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
                raise ConfigError(f"{at}: {key!r} must be a report year, not {year!r}")
        if None not in years and years[0] > years[1]:
            raise ConfigError(f"{at}: 'from' ({years[0]}) is after 'to' ({years[1]})")
        rules.append(LocalRule(place.strip(), table["due"], kind, *years))
    return tuple(rules)


@dataclass(frozen=True)
class RegisterConfig:
    local_rules: tuple[LocalRule, ...] = _key(
        (),
        "provincial or municipal deadlines, for agencies whose name contains `place`",
        parser=_local_rules,
    )


def _includes(value: Any, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f'{where}: key {name!r} must be a list of strings like ["registry:central", '
            '"registry:广东省"]'
        )
    from archive import registry  # the registry's data is read only when a config asks for it

    for selector in value:
        registry.select(selector, f"{where}: key {name!r}")
    return tuple(value)


@dataclass(frozen=True)
class IncludeConfig:
    sources: tuple[str, ...] = _key(
        (),
        "registry selections watched beside your own [[sources]]: registry:<level>, "
        "registry:<region> or registry:all",
        parser=_includes,
    )


@dataclass(frozen=True)
class Source:
    id: str = _key(
        None, "short stable name used in logs, rows and alerts, e.g. szka", required=True
    )
    agency: str = _key(None, "the agency's full name, e.g. 深圳市人民政府口岸办公室", required=True)
    start_urls: tuple[str, ...] = _key(
        None, "http(s) URLs of the agency's report column (list page)", required=True
    )
    allowed_domains: tuple[str, ...] = _key(
        (), "extra domains that may be requested (default: only the start URLs' hosts)"
    )
    max_list_pages: int | None = _key(None, "overrides [crawl] max_list_pages", minimum=1)
    enabled: bool = _key(True, "false skips the source without deleting its history")
    kind: str = _key(
        "",
        "department or government: which national deadline applies (default: guessed from "
        "the agency name)",
        choices=AGENCY_KINDS,
    )
    since: int | None = _key(
        None, "first report year the register expects (default: the earliest found)", minimum=2008
    )
    due: str = _key("", "MM-DD: this agency's deadline in the year after each report year")
    aliases: tuple[str, ...] = _key(
        (),
        "the agency's other names, former or short (e.g. before a reform renamed it): reports "
        "naming one are its own, not reposts",
    )
    notes: str = _key("", "free text for people maintaining the config")

    @property
    def hosts(self) -> frozenset[str]:
        """host[:port] of every start URL: the only places this source may be crawled."""
        return frozenset(urlsplit(url).netloc.lower() for url in self.start_urls)


@dataclass(frozen=True)
class Config:
    path: Path
    archive: ArchiveConfig
    crawl: CrawlConfig
    sources: tuple[Source, ...]
    alerts: AlertsConfig = AlertsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    register: RegisterConfig = RegisterConfig()
    include: IncludeConfig = IncludeConfig()

    @property
    def database(self) -> Path:
        return self.path.parent / self.archive.database

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise ConfigError(f"{self.path}: no source with id {source_id!r}")


SECTIONS = {
    "archive": ArchiveConfig,
    "crawl": CrawlConfig,
    "alerts": AlertsConfig,
    "schedule": ScheduleConfig,
    "register": RegisterConfig,
    "include": IncludeConfig,
    "sources": Source,
}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def load(path: Path | str, need_sources: bool = True) -> Config:
    """Read and validate the config file at `path`, or raise ConfigError. `need_sources=False`
    accepts a config with no source yet (`add` writes the first one)."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {error.start}); save the config file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return parse(data, path, text, need_sources)


def parse(data: dict, path: Path, text: str = "", need_sources: bool = True) -> Config:
    """Validate already-parsed TOML; `text` lets errors name the source's line."""
    for section in data:
        if section not in SECTIONS:
            raise ConfigError(
                f"{path}: unknown section [{section}] (expected one of: {', '.join(SECTIONS)})"
            )
    archive = _build(ArchiveConfig, _table(data, "archive", path), f"{path}: [archive]")
    crawl = _build(CrawlConfig, _table(data, "crawl", path), f"{path}: [crawl]")
    alerts = _build(AlertsConfig, _table(data, "alerts", path), f"{path}: [alerts]")
    schedule = _build(ScheduleConfig, _table(data, "schedule", path), f"{path}: [schedule]")
    _check_schedule(schedule, f"{path}: [schedule]")
    register = _build(RegisterConfig, _table(data, "register", path), f"{path}: [register]")
    include = _build(IncludeConfig, _table(data, "include", path), f"{path}: [include]")
    own = data.get("sources", [])
    if isinstance(own, dict):
        raise ConfigError(
            f"{path}: [sources] must be [[sources]] blocks (a registry selection goes in "
            "[include] sources = [...])"
        )
    sources = _sources(own, path, _source_lines(text), need_sources and not include.sources)
    if include.sources:
        from archive import registry

        sources += registry.sources(include.sources, sources)
        if need_sources and not sources:
            raise ConfigError(f"{path}: no [[sources]] defined and [include] selects none")
    return Config(path, archive, crawl, sources, alerts, schedule, register, include)


def _table(data: dict, name: str, path: Path) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    return value


def _source_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[sources]]"]


def _sources(raw: Any, path: Path, lines: list[int], needed: bool = True) -> tuple[Source, ...]:
    if not isinstance(raw, list) or (needed and not raw):
        raise ConfigError(f"{path}: no [[sources]] defined (at least one is needed)")
    sources: list[Source] = []
    for index, table in enumerate(raw):
        line = f":{lines[index]}" if index < len(lines) else ""
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [[sources]] entries must be tables")
        name = table.get("id")
        label = f"source {name!r}" if isinstance(name, str) else f"source #{index + 1}"
        where = f"{path}{line}: {label}"
        source = _build(Source, table, where)
        _check_source(source, where)
        if any(s.id == source.id for s in sources):
            raise ConfigError(f"{where}: duplicate id {source.id!r} (ids must be unique)")
        sources.append(source)
    return tuple(sources)


def _check_source(source: Source, where: str) -> None:
    if not ID_PATTERN.match(source.id):
        raise ConfigError(
            f"{where}: key 'id' must be lowercase letters, digits, '-' or '_' (got {source.id!r})"
        )
    if not source.start_urls:
        raise ConfigError(f"{where}: key 'start_urls' is empty (give at least one URL)")
    for url in source.start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"{where}: key 'start_urls' has a bad URL {url!r} (need http(s)://host/…)"
            )
    for alias in source.aliases:
        if len(alias.strip()) < 2 or alias.strip() != alias:
            raise ConfigError(
                f"{where}: key 'aliases' must list agency names of two characters or more,"
                f" without surrounding spaces (got {alias!r})"
            )
    if source.due and month_day(source.due) is None:
        raise ConfigError(
            f"{where}: key 'due' must be a month-day \"MM-DD\" of the year after the report year,"
            f' e.g. "01-31" (got {source.due!r})'
        )


def _check_schedule(schedule: ScheduleConfig, where: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(schedule.cron, timezone=schedule.timezone)
    except (ValueError, LookupError) as error:
        raise ConfigError(f"{where}: bad cron or timezone ({error})") from None


def _build(cls: type, table: dict, where: str) -> Any:
    declared = {f.name: f for f in fields(cls)}
    for key in table:
        if key not in declared:
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {', '.join(declared)})")
    values = {}
    for name, f in declared.items():
        if name not in table:
            if f.metadata.get("required"):
                raise ConfigError(f"{where}: missing required key {name!r} ({f.metadata['help']})")
            continue
        values[name] = _coerce(table[name], f, where)
    return cls(**values)


def _coerce(value: Any, f: Any, where: str) -> Any:
    parser = f.metadata.get("parser")
    if parser:
        return parser(value, f.name, where)
    kind = f.type if isinstance(f.type, str) else str(f.type)
    expected, ok = _expectation(kind, value)
    if not ok:
        raise ConfigError(f"{where}: key {f.name!r} must be {expected}, not {value!r}")
    if "tuple" in kind:
        value = tuple(value)
    elif kind == "Path":
        value = Path(value)
    elif kind == "float":
        value = float(value)
    choices = f.metadata.get("choices")
    if choices and any(v not in choices for v in (value if "tuple" in kind else (value,))):
        raise ConfigError(f"{where}: key {f.name!r} takes values from {', '.join(choices)}")
    minimum = f.metadata.get("minimum")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where}: key {f.name!r} must be at least {minimum}, not {value!r}")
    return value


def _expectation(kind: str, value: Any) -> tuple[str, bool]:
    if "tuple" in kind:
        ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        return "a list of strings", ok
    if kind == "bool":
        return "true or false", isinstance(value, bool)
    if kind.startswith("int"):
        return "an integer", isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return "a number", isinstance(value, int | float) and not isinstance(value, bool)
    return "a string", isinstance(value, str)


def user_agent(crawl: CrawlConfig, version: str) -> str:
    """An honest User-Agent: who we are, why, and how to reach the operator."""
    contact = f"; +{crawl.contact}" if crawl.contact else ""
    return (
        f"Gongkai/{version} (archive of government information-disclosure annual reports{contact})"
    )
