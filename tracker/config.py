"""config.toml, validated: a bad config names the file, the policy, the key and what is wrong."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tracker.errors import ConfigError
from tracker.ranges import RangeSelector

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s<>,;\r\n]+@[^@\s<>,;\r\n]+\.[^@\s<>,;\r\n]+$")
MAX_CONFIG = 5_000_000  # bytes: thousands of policies fit; /dev/zero does not
MIN_INTERVAL = 1.0  # seconds: a policy checked more often than this is a mistake (and a nuisance to the site)
MAX_INTERVAL = 366 * 86400.0  # a year: beyond it the schedule's date arithmetic overflows


def parse_interval(value: str | int | float) -> float:
    """'90s', '15m', '6h', '1d', '2w' (or plain seconds) to seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _INTERVAL.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not an interval like '90s', '15m', '6h', '1d' or '2w'")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise ValueError(f"{value!r} is out of range: an interval is from 1 second to 366 days")
    return seconds


def check_url(value: str) -> str:
    """An http(s) URL tracker may fetch, or ValueError saying why not."""
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.I):
        raise ValueError(f"{value!r} is not an http(s) URL")
    from tracker.fetch import check_url as fetchable

    return fetchable(value)


def check_email(value: str) -> str:
    """An email address, or ValueError saying it is not one."""
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def check_recipient(value: str) -> str:
    """An email address or an Apprise URL (tracker/channels.py), or ValueError saying what is wrong
    without quoting a secret. A URL's deeper checks (Apprise can use it, its variables are set, no
    literal token) are check_channels', made by the commands that may send."""
    from tracker import channels

    if channels.is_url(value):
        return channels.check_syntax(value)
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address, nor an Apprise URL (scheme://…)")
    return value


def check_channels(config: Config) -> None:
    """ConfigError naming the file, policy and key of each chat or webhook URL that Apprise cannot
    use, whose {env:NAME} variable is not set, or that holds a literal credential. Run by `check`,
    `notify flush`/`test`, `add` and the daemon (at start and on SIGHUP): a mistake shows before a
    change is waiting to be told, not at 3 a.m."""
    from tracker import channels

    places = [("", "notify.admin", config.notify.admin or "")]
    places += [("", "notify.recipient_thresholds", r) for r in config.notify.recipient_thresholds]
    places += [(f"policy {p.name!r}, ", "recipients", r) for p in config.policy for r in p.recipients]
    errors = []
    for where, key, url in places:
        if channels.is_url(url):
            try:
                _checked_url(url, tuple(sorted((n, os.environ.get(n)) for n in channels.PLACEHOLDER.findall(url))))
            except ValueError as exc:
                errors.append(f"{config.path or '<config>'}: {where}key {key!r}: {exc}")
    if errors:
        raise ConfigError("\n".join(dict.fromkeys(errors)))


@lru_cache(maxsize=256)
def _checked_url(value: str, environ: tuple[tuple[str, str | None], ...]) -> str:
    """Cached per URL and the values of its variables: a daemon reloading its config asks Apprise once."""
    from tracker import channels

    return channels.check(value, environ={k: v for k, v in environ if v is not None})
def check_selectors(v: Any) -> Any:
    """Each item a CSS selector or a range selector (an inline table, OTA's object form)."""
    from tracker.extract import compile_selector

    items = [v] if isinstance(v, (str, dict, RangeSelector)) else v
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"{v!r} is not a CSS selector or a list of them")
    out: list[str | RangeSelector] = []
    for i, item in enumerate(items):
        where = f"item {i + 1}: " if len(items) > 1 else ""
        if isinstance(item, dict):
            try:
                item = RangeSelector.from_mapping(item)
            except ValueError as exc:
                raise ValueError(f"{where}{exc}") from None
        if isinstance(item, RangeSelector):
            css_list = [item.start, item.end]
        elif isinstance(item, str):
            css_list = [item]
        else:
            raise ValueError(f"{where}{item!r} is neither a CSS selector nor a range selector "
                             "({ startBefore = CSS, endBefore = CSS }, or startAfter / endAfter)")
        for css in css_list:
            try:
                compile_selector(css)
            except Exception as exc:
                raise ValueError(f"{where}{exc}") from None
        out.append(item)
    return tuple(out)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class TrackerSettings(_Strict):
    database: str = "data/tracker.db"
    user_agent: str = "tracker/0.1 (+https://github.com/tracker/tracker)"
    interval: str = "1d"
    concurrency: int = Field(8, ge=1, le=256)
    timeout: float = Field(30.0, gt=0, le=600)
    connect_timeout: float = Field(10.0, gt=0, le=120)
    retries: int = Field(3, ge=0, le=10)
    retry_backoff: float = Field(2.0, ge=0, le=600)  # first retry delay in seconds, doubled each time
    max_bytes: int = Field(10_000_000, ge=1024)
    max_redirects: int = Field(10, ge=0, le=30)
    per_host_delay: float = Field(1.0, ge=0, le=600)
    min_words: int = Field(50, ge=0)
    suspect_delay: float = Field(30.0, ge=0, le=3600)  # wait before re-fetching a page that looks wrong
    tracking_params: tuple[str, ...] = ()  # more link parameters to strip, beyond utm_*, gclid, fbclid...
    allow_private: bool = True  # false (shared deployments): refuse URLs and redirects to private addresses
    chromium: str = ""  # Chromium command or path for rendered pages; "" = $TRACKER_CHROMIUM, else on PATH
    browser_concurrency: int = Field(1, ge=1, le=16)  # Chromium processes at a time (each takes ~200 MB)

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, v: str) -> str:
        if not (v.isascii() and v.isprintable()) or not v.strip():
            raise ValueError(f"{v!r} cannot be sent in a header: use printable ASCII, no line breaks")
        return v

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str) -> str:
        parse_interval(v)
        return v


class SmtpSettings(_Strict):
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    tls: bool = False  # implicit TLS (port 465)
    username: str | None = None
    password_env: str | None = None
    timeout: float = Field(30.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data):
        if isinstance(data, dict) and "password" in data:
            raise ValueError("a password does not belong in the config file: put it in an environment variable "
                             "and name that variable in password_env")
        return data

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class NotifySettings(_Strict):
    backend: Literal["file", "smtp"] = "file"
    from_: str = Field("tracker@localhost", alias="from")
    admin: str | None = None
    outbox_dir: str = "data/outbox"
    threshold: Literal["minor", "material"] = "material"
    digest: Literal["off", "run", "day"] = "off"
    max_attempts: int = Field(8, ge=1, le=100)
    retry_base: float = Field(60.0, ge=0, le=86400)  # first retry delay in seconds, doubled each time
    recipient_thresholds: dict[str, Literal["minor", "material"]] = {}  # per address, over any policy's
    alert_after: int = Field(3, ge=1, le=100)
    site_url: str = ""  # where `tracker export` is served: messages link to <site_url>/<policy>/v<N>.html
    smtp: SmtpSettings = SmtpSettings()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_")
    @classmethod
    def _from(cls, v: str) -> str:
        return check_email(v)

    @field_validator("admin")
    @classmethod
    def _admin(cls, v: str | None) -> str | None:
        return check_recipient(v) if v else v

    @field_validator("site_url")
    @classmethod
    def _site_url(cls, v: str) -> str:
        if v and not re.match(r"^https?://[^\s/?#]+[^\s?#]*$", v, re.I):
            raise ValueError(f"{v!r} is not an absolute http(s) URL (where `tracker export` output is served)")
        return v.rstrip("/")

    @field_validator("recipient_thresholds")
    @classmethod
    def _addresses(cls, v: dict[str, str]) -> dict[str, str]:
        for address in v:
            check_recipient(address)
        return v


class Source(_Strict):
    """One page of a combined policy (`combine`); select/remove/render unset = the policy's."""

    url: str
    select: tuple[str | RangeSelector, ...] | None = None
    remove: tuple[str | RangeSelector, ...] | None = None
    render: Literal["auto", "http", "browser"] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_url(v)

    @field_validator("select", "remove", mode="before")
    @classmethod
    def _selectors(cls, v: Any) -> Any:
        return None if v is None else check_selectors(v)


class Policy(_Strict):
    name: str
    url: str
    title: str = ""
    select: tuple[str | RangeSelector, ...] = ()  # CSS, or {startBefore|startAfter, endBefore|endAfter}
    remove: tuple[str | RangeSelector, ...] = ()
    interval: str | None = None
    cron: str | None = None  # e.g. "0 6 * * 1" (UTC); overrides interval in the daemon
    recipients: tuple[str, ...] = ()
    threshold: Literal["minor", "material"] | None = None
    links: bool = False  # keep link targets in the canonical text ([text](url)), tracking ids stripped
    render: Literal["auto", "http", "browser"] = "auto"  # browser: headless Chromium runs the page's scripts
    combine: tuple[Source, ...] = ()  # several pages tracked as one document, joined in this order
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError(f"{v!r} is not a slug (lowercase letters, digits and dashes)")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_url(v)

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str | None) -> str | None:
        if v is not None:
            parse_interval(v)
        return v

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None:
            from tracker.schedule import crontab_trigger

            try:
                crontab_trigger(v)
            except ValueError as exc:
                raise ValueError(f"{v!r} is not a cron expression (minute hour day month weekday): {exc}") from None
        return v

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_recipient(r) for r in v)

    @field_validator("select", "remove", mode="before")
    @classmethod
    def _selectors(cls, v: Any) -> Any:
        return check_selectors(v)

    @model_validator(mode="before")
    @classmethod
    def _url_of_combined(cls, data: Any) -> Any:
        """A combined policy's url is its first page's, unless given (status, emails and links use it)."""
        if isinstance(data, dict) and "url" not in data and isinstance(data.get("combine"), list) and data["combine"]:
            first = data["combine"][0]
            if isinstance(first, dict) and isinstance(first.get("url"), str):
                return {**data, "url": first["url"]}
        return data

    @field_validator("combine")
    @classmethod
    def _two_pages(cls, v: tuple[Source, ...]) -> tuple[Source, ...]:
        if len(v) == 1:
            raise ValueError("combine joins two pages or more; for one page, use url (with select/remove)")
        return v

    def source_options(self) -> tuple[tuple[str, tuple[str | RangeSelector, ...], tuple[str | RangeSelector, ...],
                                            str], ...]:
        """Each page of a combined policy: (url, select, remove, render), the policy's own values
        where the page does not set them (OTA's rule: the document's keys apply to every source)."""
        return tuple((s.url, self.select if s.select is None else s.select,
                      self.remove if s.remove is None else s.remove, s.render or self.render) for s in self.combine)

    @property
    def display_title(self) -> str:
        return self.title or self.name


class Config(_Strict):
    tracker: TrackerSettings = TrackerSettings()
    notify: NotifySettings = NotifySettings()
    materiality: dict[str, Any] = {}  # extensions of the shipped rules (see tracker/materiality/rules.py)
    policy: tuple[Policy, ...] = ()
    path: Path | None = Field(None, exclude=True)

    @field_validator("materiality")
    @classmethod
    def _rules(cls, v: dict[str, Any]) -> dict[str, Any]:
        if v:
            rules_from_json(json.dumps(v, sort_keys=True))  # a mistake raises ValueError naming the key
        return v

    @property
    def rules(self):
        return rules_from_json(json.dumps(self.materiality, sort_keys=True))

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        seen: set[str] = set()
        for p in self.policy:
            if p.name in seen:
                raise ValueError(f"policy name {p.name!r} is used twice")
            seen.add(p.name)
        return self

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def resolve(self, value: str) -> Path:
        """Paths in the config are relative to the config file, not to the working directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def database_path(self) -> Path:
        return self.resolve(self.tracker.database)

    def interval_of(self, policy: Policy) -> float:
        return parse_interval(policy.interval or self.tracker.interval)

    def get(self, name: str) -> Policy:
        for p in self.policy:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.policy) or "none configured"
        raise ConfigError(f"no policy named {name!r} in {self.path} (known: {known})")


@lru_cache(maxsize=8)
def rules_from_json(key: str):
    """The materiality rules for a [materiality] table given as sorted JSON (hashable, picklable)."""
    from tracker.materiality import load_rules

    return load_rules(json.loads(key))


def default_path() -> Path:
    return Path(os.environ.get("TRACKER_CONFIG", "config.toml"))


def load(path: str | Path | None = None) -> Config:
    path = Path(path) if path else default_path()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not hang, /dev/zero must not fill memory
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ConfigError(f"{path}: not a regular file")
            raw = fh.read(MAX_CONFIG + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `tracker init`)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG:
        raise ConfigError(f"{path}: over {MAX_CONFIG} bytes: not a config file")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, path)


def parse(data: dict, path: Path | None = None) -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, data, path)) from None
    config = config.model_copy(update={"path": path.resolve() if path else None})
    if config.database_path.is_dir():
        raise ConfigError(f"{path or '<config>'}: key 'tracker.database': {config.tracker.database!r} is a "
                          "directory; name the database file inside it (e.g. tracker.db)")
    return config


def _explain(exc: ValidationError, data: dict, path: Path | None) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = []
        if loc[:1] == ["policy"] and len(loc) > 1 and isinstance(loc[1], int):
            idx = loc[1]
            policies = data.get("policy") or []
            name = policies[idx].get("name") if idx < len(policies) and isinstance(policies[idx], dict) else None
            where.append(f"policy {name!r}" if name else f"policy #{idx + 1}")
            key = ".".join(str(x) for x in loc[2:])
        else:
            key = ".".join(str(x) for x in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] == "literal_error":
            msg = f"{err['input']!r} is not one of {err['ctx']['expected']}"
        where.append(f"key {key!r}" if key else "top level")
        lines.append(f"{path or '<config>'}: {', '.join(where)}: {msg}")
    return "\n".join(lines)
